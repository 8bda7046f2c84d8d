"""The finding of authz-bfla-privileged-write: what was called on what, and the read-backs that
show its effect (each reader's answer, labelled with who read it)."""

from __future__ import annotations

from authsift.checks.authz._bfla_probe import Attempt, Probe, Result
from authsift.checks.authz._bfla_targets import Acquired
from authsift.checks.authz._readback import Observer, Reading
from authsift.checks.base import Check, Context
from authsift.model import Confidence, Evidence, Finding, Severity


def bfla_finding(
    check: Check,
    ctx: Context,
    probe: Probe,
    acquired: Acquired,
    result: Result,
    repeat: Attempt | None,
    why: str,
    gate: list[Evidence],
) -> Finding:
    effect = result.effect
    assert effect is not None and result.before is not None
    op = probe.function.operation
    changes = "; ".join(f"{k}: {a} → {b}" for k, a, b in listed(effect))
    evidence = [
        *acquired.evidence,
        *gate,
        *_readings(probe.observer, result.before, "before"),
        Evidence(f"{effect.caller} calls {op.key}", effect.exchange),
        *_readings(probe.observer, effect.after, "after", result.before),
    ]
    again = ""
    if repeat is not None:
        fresh = probe.function.kind == "delete"
        label = "on a second object" if fresh else "after restoring"
        evidence.append(Evidence(f"{effect.caller} again, {label}", repeat.exchange))
        again = f" Reproduced {'on a second object' if fresh else 'after restoring the object'}."
    victim = acquired.owner or probe.admin
    return ctx.finding(
        check,
        identity=effect.caller,
        description=(
            f"{effect.caller} (role {ctx.role(effect.caller) or 'none'}) called {op.key} on "
            f"{acquired.origin} (answered {effect.exchange.status}), and {probe.admin}'s "
            f"read-back shows the effect: {changes}. Why only privileged identities should "
            f"call it: {why}.{again}"
        ),
        evidence=evidence,
        confidence=Confidence.CERTAIN if repeat is not None else Confidence.FIRM,
        severity=Severity.CRITICAL,
        victim=victim,
        reproduce=effect.exchange,
        details={
            "function": probe.function.kind,
            "verb": probe.function.verb,
            "privileged_because": why,
            "privileged_identity": probe.admin,
            "target": acquired.origin,
            "changes": {k: [a, b] for k, a, b in listed(effect)},
            "refused": {a.caller: a.exchange.status for a in result.refused},
            "reproduced": repeat is not None,
        },
    )


def listed(effect: Attempt) -> list[tuple[str, str, str]]:
    return [(k, a, b) for k, (a, b) in sorted(effect.changes.items())][:6]


def _readings(
    observer: Observer, reading: Reading, when: str, before: Reading | None = None
) -> list[Evidence]:
    """One piece of evidence per reader: `ada reads it after`, `the canary account (GET /me)
    reads itself after`, with the changes that reader shows."""
    found = []
    for index, exchange in enumerate(reading.exchanges):
        who = observer.label(index)
        label = (
            f"{who} reads it {when}" if who == observer.identity else f"{who} reads itself {when}"
        )
        note = ""
        if before is not None:
            shown = observer.changes(before, reading, only=index)
            note = "; ".join(f"{k}: {a} → {b}" for k, (a, b) in sorted(shown.items())[:6])
        found.append(Evidence(label, exchange, note))
    return found
