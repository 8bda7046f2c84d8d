"""authz-bopla-mass-assignment (CHECKS.md #25); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis import exchange_json
from authsift.analysis.wording import human_mapping, human_value
from authsift.checks.authz._canary_accounts import accepted
from authsift.checks.authz._canary_findings import canary_finding
from authsift.checks.authz._escalation import identity_reader, success_schemas
from authsift.checks.authz._inventory import inventory
from authsift.checks.authz._login import is_form, login_way
from authsift.checks.authz._marker_updates import Hit, probe_updates
from authsift.checks.authz._objects import (
    attempt_create,
    creator_of,
    delete,
    operation,
    read_back,
)
from authsift.checks.authz._privilege_props import (
    candidates,
    is_critical,
    marker_value,
    persisted,
)
from authsift.checks.authz._producers import last_param
from authsift.checks.authz._self_update import changes_credentials, probe_on_canary
from authsift.checks.authz._signup import is_signup, probe_signup
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    Operation,
    Safety,
    Severity,
)
from authsift.spec.classify import looks_privileged


class BoplaMassAssignment(Check):
    """Client can write privileged properties (mass assignment).

    ## What it checks
    **Sign-up and user creation** (`POST /signup`, `/register`, `/users`: a body with a password
    and a user name or e-mail): a control canary account signs up plainly and logs in; a second
    canary signs up with privilege fields the request schema does not declare — properties the
    answers or `/me` show (`role` with `enum: [patient, doctor, admin]`) and the names frameworks
    bind by accident (`role`, `is_admin`, `admin`, `is_superuser`, `is_staff`, `permissions`,
    `groups`, `scope`, `plan`, `verified`…) with escalating values (`admin`, `true`, the
    configured `privileged_roles`, the enum's administrative value) — and logs in. Its `/me`,
    token claims and an admin-only operation are compared with the control's.
    **Self-update** (`PATCH /me`, `PUT /profile`): probed the same way on a canary account when
    the API has a sign-up; otherwise on a configured user with a harmless marker value (a canary
    string, `false`), read back through the same path or `/me`, and restored. **Objects** the
    scanner creates itself get the marker treatment on create and update. Canary accounts are
    deleted where the API allows it, and listed as leftovers where not.

    ## Why it matters
    Frameworks that bind a request body straight onto a storage record let a client set fields
    it was never meant to touch: its own role at sign-up, its tenant, its account balance (OWASP
    API3:2023, CWE-915). A sign-up that takes `role` hands out admin accounts to anyone.

    ## Example
    `POST /signup {"email": …, "password": …, "role": "admin"}` → the new account logs in,
    `GET /me` says `"role": "admin"` and `GET /admin/users` answers it like the admin, while a
    control account signed up without `role` is refused (403).

    ## Remediation
    Bind request bodies to explicit input models that list the client-writable fields, and
    reject (400) or ignore everything else; never create or update records with `**body`. Set
    roles, tenants and verification flags on the server, never from the request.

    ## References
    OWASP API3:2023 · ASVS 5.0 V15.3.3, V8.2.3 · ASVS 4.0.3 V5.1.2 · CWE-915

    ## Decision rule
    CHECKS.md #25; intrusive. On canary accounts: vulnerable only when the escalated canary's
    own `/me`, token claims or login answer carry the privileged value and the control's do not,
    or when an admin-only operation (by the spec, or by the access matrix) refused to the control
    answers the escalated canary like a privileged identity, re-sent twice with the control still
    refused. Fields ignored (the escalated canary looks like the control) or refused (400/422)
    are safe; a canary that cannot sign up or log in is inconclusive, with the reason. On a
    configured user: vulnerable only when the read-back shows the injected marker value. Critical
    when a role, admin flag, permission or tenant property is writable or takes effect, high
    otherwise. Numbers and flags that already have a value on a configured user are not touched.
    """

    id = "authz-bopla-mass-assignment"
    title = "Client can write privileged properties (mass assignment)"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (915,)
    owasp = "API3:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"credential"})
    max_requests = 60
    expected_requests = 9  # measured on the lab: most candidates are refused or skipped early
    signup_requests = 14  # measured on the sparring targets: two or three canaries, read back

    def applies_to(self, operation: Operation) -> str | None:
        body = operation.request_body
        if body is not None and is_form(operation) and is_signup(operation):
            return None  # a form sign-up: probed with form fields
        if body is None or "json" not in body.content_type:
            return "no JSON request body"
        if looks_privileged(operation):
            return "administrative function"
        if operation.method in ("PUT", "PATCH"):
            return None
        if operation.method == "POST" and not operation.path.rstrip("/").endswith("}"):
            return None
        return "not a create or update"

    def estimate(self, operation: Operation | None) -> int:
        if operation is not None and is_signup(operation):
            return self.signup_requests
        return self.expected_requests

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        if op.method == "POST" and is_signup(op, login_way(ctx)):
            finding = canary_finding(self, ctx, await probe_signup(ctx, op))
            if finding is not None:
                yield finding
            return
        if is_form(op):
            raise Inconclusive("a form body that is the login, not a sign-up: not probed")
        if op.method in ("PUT", "PATCH") and last_param(op.path) is None:
            probed = await probe_on_canary(ctx, op)
            if probed is not None:
                finding = canary_finding(self, ctx, probed)
                if finding is not None:
                    yield finding
                return
            if changes_credentials(op):
                raise Inconclusive(
                    "changes a credential: probed on canary accounts only, and no sign-up and "
                    "login make one here"
                )
        inv = await inventory(ctx)
        users = [p for p in inv.representatives() if not ctx.is_privileged(p)]
        if not users:
            raise Inconclusive("no non-admin identity with a known account")
        identity = users[0]
        if op.method == "POST":
            hits = await self._on_create(ctx, op, identity)
        elif last_param(op.path) is None:
            hits = await self._on_profile(ctx, op, identity)
        else:
            hits = await self._on_update(ctx, op, identity)
        if hits:
            yield self._finding(ctx, op, identity, hits)

    async def _on_profile(self, ctx: Context, op: Operation, identity: str) -> list[Hit]:
        reader = identity_reader(ctx, prefer=op.path)
        if reader is None:
            raise Inconclusive("no GET on the same path or identity endpoint to read it back")
        return await probe_updates(ctx, op, reader, {}, identity)

    async def _on_update(self, ctx: Context, op: Operation, identity: str) -> list[Hit]:
        reader = operation(ctx, "GET", op.path)
        if reader is None or creator_of(ctx, op.path) is None:
            raise Inconclusive("no scanner-created object to update and read back here")
        obj, answer = await attempt_create(ctx, op.path, identity)
        if obj is None:
            raise Inconclusive(_not_created(identity, answer))
        try:
            return await probe_updates(ctx, op, reader, obj.params, identity, restore=False)
        finally:
            await delete(ctx, obj)

    async def _on_create(self, ctx: Context, op: Operation, identity: str) -> list[Hit]:
        collection = op.path.rstrip("/")
        template = next(
            (
                t.path
                for t in ctx.operations
                if t.path.rsplit("/", 1)[0] == collection and last_param(t.path) is not None
            ),
            None,
        )
        if template is None:
            return []  # not an object collection (a login, a search): nothing to assign
        if creator_of(ctx, template) is None:
            raise Inconclusive("no test object can be both created and deleted here: not probed")
        assert op.request_body is not None
        response_schema = next(iter(success_schemas(op)), None)
        hits: list[Hit] = []
        for name in candidates(op.request_body.schema, response_schema):
            value = marker_value(name, None, present=False)
            if value is None:
                continue
            obj, answer = await attempt_create(ctx, template, identity, extra={name: value})
            if obj is None and answer is not None and accepted(ctx, answer):
                # created, but the answer names no id: one object left over, never one per field
                raise Inconclusive(_not_created(identity, answer))
            if obj is None:
                continue  # refused (400 unknown property): safe for this field
            try:
                after = await read_back(ctx, obj)
                if after is not None and persisted(exchange_json(after), name, value):
                    hits.append(Hit(name, value, obj.creation, after, None))
            finally:
                await delete(ctx, obj)
        return hits

    def _finding(self, ctx: Context, op: Operation, identity: str, hits: list[Hit]) -> Finding:
        critical = any(is_critical(h.name) for h in hits)
        names = human_mapping({h.name: h.value for h in hits}, limit=len(hits))
        evidence: list[Evidence] = []
        for hit in hits[:3]:
            evidence.append(
                Evidence(f"{identity} sends the undeclared property {hit.name}", hit.attempt)
            )
            evidence.append(
                Evidence(f"{identity} reads it back", hit.after, f"{hit.name} persisted")
            )
        restored = [h.name for h in hits if h.restored]
        granted = [h.effect for h in hits if h.effect is not None and h.effect.granted]
        for effect in granted[:1]:
            evidence.append(Evidence("admin operation before the role change", effect.before))
            evidence.append(
                Evidence(
                    f"the same request with role {human_value(effect.role, quote=False)}",
                    effect.after,
                    "granted",
                )
            )
        return ctx.finding(
            self,
            identity=identity,
            description=(
                f"{op.key} let {identity} set properties it must not control ({names}): "
                "each value was read back afterwards."
                + (f" Restored: {', '.join(restored)}." if restored else "")
                + (" A role, permission or tenant property is writable." if critical else "")
                + (
                    f" Setting the role to {human_value(granted[0].role, quote=False)} granted an "
                    "admin operation that "
                    "was refused before (the original role was restored)."
                    if granted
                    else ""
                )
            ),
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            severity=Severity.CRITICAL if critical else Severity.HIGH,
            reproduce=hits[0].attempt,
            details={
                "properties": [h.name for h in hits],
                "restored": restored,
                "privilege_granted": bool(granted),
            },
        )


def _not_created(identity: str, answer: Exchange | None) -> str:
    if answer is None:
        return f"could not create a sacrificial object as {identity}"
    if answer.status is not None and 200 <= answer.status < 300:
        return (
            f"a sacrificial object created as {identity} could not be addressed: its id is not "
            "in the creation answer (listed as a leftover); not probed further"
        )
    return f"could not create a sacrificial object as {identity} (answered {answer.status})"
