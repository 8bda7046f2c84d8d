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
from authsift.model import Confidence, Evidence, Finding, Severity


def canary_finding(check: Check, ctx: Context, probed: Probed) -> Finding | None:
    if probed.attempt is None or not (probed.shown or probed.grants):
        return None
    op = probed.via
    signup = probed.signup
    sent = ", ".join(f"{k}={_text(v)}" for k, v in probed.injected.items())
    critical = bool(probed.grants) or any(is_critical(s.name) for s in probed.shown)
    who = "a new account" if signup else "a canary account updating itself"
    evidence = [
        Evidence(
            "control: sign-up without privilege fields"
            if signup
            else "the canary account before the update",
            probed.control,
        ),
        Evidence(f"{who}: {op.key} with the privilege fields", probed.attempt, "accepted"),
    ]
    if probed.login is not None:
        evidence.append(Evidence("the escalated canary logs in", probed.login))
    lines: list[str] = []
    for item in probed.shown[:2]:
        if item.exchange is not None:
            evidence.append(
                Evidence(
                    f"escalated canary: {item.where}",
                    item.exchange,
                    f"{item.key} is {_text(item.value)}",
                )
            )
        if item.control is not None and item.control is not item.exchange:
            evidence.append(Evidence(f"control: {item.where}", item.control, "without it"))
        lines.append(f"{item.where} shows {item.key}={_text(item.value)}")
    for grant in probed.grants[:1]:
        evidence.append(Evidence(f"control: {grant.operation.key}", grant.control, "refused"))
        evidence.append(
            Evidence(f"escalated canary: {grant.operation.key}", grant.escalated, "granted")
        )
        if grant.reference is not None:
            evidence.append(Evidence("a privileged identity, same request", grant.reference))
        lines.append(
            f"it reached {grant.operation.key}, which the control is refused "
            f"({grant.control.status}) and which answers it like a privileged identity"
        )
    description = (
        f"{op.key} binds privilege fields from the request body onto the account: {who} sent "
        f"{sent}; {'; '.join(lines)}, while the control"
        + (" (signed up without them)" if signup else " (the same canary before the update)")
        + " does not. Probed on canary accounts only."
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
