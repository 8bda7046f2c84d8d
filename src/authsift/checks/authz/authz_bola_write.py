"""authz-bola-write (CHECKS.md #22); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis.wording import human_mapping, human_value
from authsift.checks.authz._bfla_targets import spec_path
from authsift.checks.authz._bola_accounts import AccountOutcome, probe_account
from authsift.checks.authz._bola_probe import Outcome, probe
from authsift.checks.authz._bola_shapes import Shape, creates_objects_of, shape_of
from authsift.checks.authz._bola_writes import body_target
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.model import (
    Confidence,
    Evidence,
    Family,
    Finding,
    Operation,
    Safety,
    Severity,
)


class BolaWrite(Check):
    """Another user's object can be modified or deleted (BOLA on writes).

    ## What it checks
    Creates a sacrificial object as one identity (every free text field set to a unique canary;
    references the example gets wrong filled from what that identity holds: its seeds, its own
    objects' fields, a listing), then sends this operation against it as another identity that
    has no relation to it, and reads the object back as its owner, before and after. The write
    may name the object anywhere: in its path (`PATCH /documents/{id}`, `DELETE …/cards/{id}`,
    also under the intruder's own team and board with the owner's card id),
    before an owner's action (`POST /holds/{id}/cancel`), or in a JSON body field
    (`POST /card-moves {"card_id", "to_board_id"}`, `POST /sync {"owner", "id", "title"}`); the
    other references in the body carry the intruder's own values. A body that names an account
    (`PUT /profile {"username", "bio"}`) is probed between two canary accounts the scanner signs
    up itself. Everything created is removed; what could not be is listed in the report.

    ## Why it matters
    Write access to other users' objects lets any account alter or destroy everyone's data
    (OWASP API1:2023). It often hides behind a correct read check: the handler was copied from
    an admin tool, the id comes from the body instead of the session, or only the destination of
    a move is checked.

    ## Example
    bob sends `POST /card-moves {"card_id": 7, "to_board_id": 3}` → `200 OK`, and alice's card 7
    is now on bob's board 3, as alice's own read-back shows.

    ## Remediation
    Authorize every state-changing handler by ownership (or an explicit grant) of the object it
    changes — wherever the request names it: path, body or query — before applying the change,
    in the same data-access layer as reads. Take the acting account from the session, never from
    the body.

    ## References
    OWASP API1:2023 · ASVS 5.0 V8.2.2 · ASVS 4.0.3 V4.2.1 · WSTG-ATHZ-04 · CWE-639, CWE-284

    ## Decision rule
    CHECKS.md #22; intrusive, on scanner-created objects and canary accounts only. Vulnerable
    when the owner's read-back shows the intruder's change: its marker in the field it wrote, a
    reference set to the intruder's value, a top-level value changed by the action, or the object
    gone. A path write refused with the object unchanged is safe; for actions and body writes the
    refusal counts only when the owner's same write does change the object (the control), else
    inconclusive. A 2xx on a path write with no change is reported as low ("misleading
    success"). Accounts related to the object (its team, its clinic) never play the intruder.
    Status codes alone are never trusted.
    """

    id = "authz-bola-write"
    title = "Another user's object can be modified or deleted (BOLA)"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (639, 284)
    owasp = "API1:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"two_identities"})
    max_requests = 40
    # 24 requests over 5 tasks on the lab, both configs; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 5

    def applies_to(self, operation: Operation) -> str | None:
        shape = shape_of(operation)
        return shape if isinstance(shape, str) else None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        shape = shape_of(op)
        assert isinstance(shape, Shape)
        template, id_field = shape.template, None
        if shape.kind == "body":
            created = creates_objects_of(op, ctx.operations)
            if created is not None:
                raise CoveredElsewhere(
                    f"{op.key} creates objects of {created}: a create is no write to an "
                    "existing object (authz-bopla-mass-assignment probes creates)"
                )
            target = body_target(ctx, op, shape)
            if target is None and shape.account_refs:
                finding = self._account(ctx, await probe_account(ctx, op, shape))
                if finding is not None:
                    yield finding
                return
            if target is None:
                refs = ", ".join(shape.object_refs)
                raise Inconclusive(
                    f"the body's references ({refs}) name no object the scanner can create "
                    "(a JSON POST on its collection and a DELETE): only scanner-created "
                    "objects are written to"
                )
            template, id_field = target.template, target.id_field
        assert template is not None
        template = spec_path(ctx, template)
        outcome = await probe(ctx, op, shape, template, id_field)
        finding = self._verdict(ctx, shape, outcome)
        if finding is not None:
            yield finding

    def _verdict(self, ctx: Context, shape: Shape, outcome: Outcome) -> Finding | None:
        op = ctx.operation
        assert op is not None
        obj, intruder = outcome.obj, outcome.intruder
        status = outcome.attempt.status
        where = {"path": "in the path", "action": "in the path", "body": "in the body"}
        evidence = [
            Evidence(f"{obj.owner} creates a sacrificial object", obj.creation),
        ]
        if outcome.first.exchange is not None:
            evidence.append(Evidence(f"{obj.owner} reads it (before)", outcome.first.exchange))
        evidence.append(
            Evidence(f"{intruder} sends {op.method} naming {obj.owner}'s object", outcome.attempt)
        )
        if outcome.after.exchange is not None:
            evidence.append(Evidence(f"{obj.owner} reads the object back", outcome.after.exchange))
        details = {
            "object": obj.params,
            "named": where[shape.kind],
            "effect": outcome.effect,
            "status": status,
        }
        if outcome.via:
            own = human_mapping(outcome.via)
            where = {k: f"{v}, under {intruder}'s own {own}" for k, v in where.items()}
            details["under"] = outcome.via
        if outcome.effect is not None:
            return ctx.finding(
                self,
                identity=intruder,
                description=(
                    f"{intruder} sent {op.key} naming {obj.owner}'s object "
                    f"{human_value(obj.object_id, quote=False)} {where[shape.kind]} (created by "
                    f"the scanner) and {outcome.effect}, as {obj.owner}'s own read-back shows."
                ),
                evidence=evidence,
                confidence=Confidence.CERTAIN,
                victim=obj.owner,
                reproduce=outcome.attempt,
                details=details,
            )
        if shape.kind != "path":
            if outcome.control_effect is None:
                control = outcome.control.status if outcome.control is not None else None
                raise Inconclusive(
                    f"{intruder}'s {op.key} naming {obj.owner}'s object changed nothing "
                    f"(answered {status}), but neither did {obj.owner}'s own (answered "
                    f"{control}): the refusal proves nothing"
                )
            return None
        if status is not None and 200 <= status < 300:
            return ctx.finding(
                self,
                identity=intruder,
                title="Write to another user's object answered with success but had no effect",
                description=(
                    f"{intruder}'s {op.key} on {obj.owner}'s object was answered {status}, but "
                    f"{obj.owner}'s read-back shows no change: a misleading success that hides "
                    "whether the write is authorized."
                ),
                evidence=evidence,
                confidence=Confidence.FIRM,
                severity=Severity.LOW,
                victim=obj.owner,
                reproduce=outcome.attempt,
                details=details,
            )
        return None

    def _account(self, ctx: Context, outcome: AccountOutcome) -> Finding | None:
        op = ctx.operation
        assert op is not None
        if outcome.effect is None:
            return None
        victim, intruder = outcome.victim.canary, outcome.intruder.canary
        return ctx.finding(
            self,
            identity=intruder.username,
            description=(
                f"A canary account ({intruder.username}) sent {op.key} naming another canary "
                f"account ({victim.username}) in the body, and {outcome.effect}, as the victim's "
                "own read-back shows: the body, not the session, decides whose account is "
                "written. Both accounts were signed up by the scanner; no configured identity "
                "was touched."
            ),
            evidence=[
                Evidence("the victim canary reads its own record (before)", outcome.before),
                Evidence("the intruder canary names the victim in the body", outcome.attempt),
                Evidence("the victim canary reads its record back", outcome.after),
            ],
            confidence=Confidence.CERTAIN,
            victim=victim.username,
            reproduce=outcome.attempt,
            details={"field": outcome.field, "effect": outcome.effect, "canary": True},
        )
