"""The finding of a privilege probe on canary accounts: what was sent, what showed, what opened.

Evidence, in the order a reader retraces it: the control's sign-up (or the canary's record
before its update), the request with the privilege fields, the escalated canary's login, the
read-back that shows the privileged value next to the control's, and the admin operation
refused to the control and granted to the escalated canary (with a privileged identity's answer
to compare). Critical when a role or admin flag persisted or took effect; high for the rest
(`verified`, `plan`). Canary passwords and tokens are redacted like any credential.
"""

from __future__ import annotations

import json
from typing import Any

from authsift.checks.authz._privilege_values import is_critical
from authsift.checks.authz._signup import Probed
from authsift.checks.base import Check, Context
from authsift.model import Confidence, Evidence, Exchange, Finding, Severity


def canary_finding(check: Check, ctx: Context, probed: Probed) -> Finding | None:
    if probed.attempt is None or not (probed.shown or probed.grants):
        return None
    op, signup = probed.via, probed.signup
    critical = bool(probed.grants) or any(is_critical(s.name) for s in probed.shown)
    who = "a new account" if signup else "a canary account updating itself"
    evidence: list[Evidence] = []

    def add(label: str, exchange: Exchange | None, note: str = "") -> None:
        if exchange is not None and all(e.exchange is not exchange for e in evidence):
            evidence.append(Evidence(label, exchange, note))

    before = "control: sign-up without privilege fields" if signup else "the canary before"
    add(before, probed.control)
    add(f"{who}: {op.key} with the privilege fields", probed.attempt, "accepted")
    add("the escalated canary logs in", probed.login)
    lines: list[str] = []
    for item in probed.shown[:2]:
        note = f"{item.key} is {_text(item.value)}"
        add(f"escalated canary: {item.where}", item.exchange, note)
        add(f"control: {item.where}", item.control, "without it")
        lines.append(f"{item.where}: {item.key}={_text(item.value)}")
    for grant in probed.grants[:1]:
        add(f"control: {grant.operation.key}", grant.control, "refused")
        add(f"escalated canary: {grant.operation.key}", grant.escalated, "granted")
        add("a privileged identity, same request", grant.reference)
        lines.append(
            f"it reached {grant.operation.key}, refused to the control "
            f"({grant.control.status}), with the answer a privileged identity gets"
        )
    sent = [f"{k}={_text(v)}" for k, v in probed.injected.items()]
    listed = ", ".join(sent[:6]) + (f" and {len(sent) - 6} more" if len(sent) > 6 else "")
    description = (
        f"{op.key} binds privilege fields from the request body onto the account: {who} sent "
        f"{listed}; {'; '.join(lines)}. The control"
        + (" (signed up without them)" if signup else " (the same canary before the update)")
        + " shows none of it. Probed on canary accounts only."
    )
    return ctx.finding(
        check,
        identity=probed.as_identity,
        description=description,
        evidence=evidence,
        confidence=Confidence.CERTAIN,
        severity=Severity.CRITICAL if critical else Severity.HIGH,
        reproduce=probed.attempt,
        details={
            "properties": sorted({s.name for s in probed.shown}),
            "sent": sorted(probed.injected),
            "read_back": {s.name: s.where for s in probed.shown},
            "privilege_granted": bool(probed.grants),
            "granted_operations": [g.operation.key for g in probed.grants],
            "canary": True,
            "signup": signup,
        },
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
