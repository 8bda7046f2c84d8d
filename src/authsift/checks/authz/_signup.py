"""Mass assignment at sign-up: does account creation bind `role` / `is_admin` from the body?

A sign-up (or user-create) operation is a JSON or form `POST` whose body takes a password and a
user name or e-mail, on a path or tag that says so (`/signup`, `/register`, `/users`…), and that
is not the login itself. The canary's user name and e-mail take the most recognisable spelling
the schema's pattern allows; the body goes in the operation's own encoding (a form's privilege
fields as form fields: `role=admin`, `is_admin=true`); the canary logs in the way the users do
(a JSON or form login, a token or a session cookie) and its account is found inside an answer's
envelope (`{"ok": true, "user": {...}}`). The probe, on canary accounts only:
1. a **control** canary signs up without privilege fields and logs in (else: inconclusive,
   with the reason: the sign-up refused it, or the login did, e.g. e-mail confirmation);
2. an **escalated** canary signs up with every privilege field at once (`role: admin`,
   `is_admin: true`…) and logs in; its view (identity endpoint, token claims, admin operations)
   is compared with the control's. If the API refuses the combined body (400/422), the
   strongest fields are tried one at a time, so one badly typed guess cannot hide another;
3. both canaries are deleted where the API allows it, reported as leftovers where not.
Ignored fields (the escalated canary looks like the control) and refused fields are safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import (
    DOMAINS,
    Session,
    log_in,
    remove,
    report_leftover,
    sign_up,
)
from authsift.checks.authz._escalation import (
    Grant,
    Shown,
    View,
    admin_operations,
    granted,
    identity_reader,
    observe,
    shown,
    success_schemas,
)
from authsift.checks.authz._login import (
    EMAIL_FIELD,
    PASSWORD_FIELD,
    USER_FIELD,
    body_fields,
    is_form,
    is_login,
    login_way,
)
from authsift.checks.authz._privilege_values import (
    account_records,
    attempts,
    escalations,
    other_roles,
)
from authsift.checks.base import Context, Inconclusive, LoginFacts
from authsift.model import Exchange, Operation
from authsift.spec.classify import looks_privileged

_SIGNUP_PATH = re.compile(
    r"(^|/)(sign-?ups?|register|registrations?|join|enrol+|create-?account)/?$", re.I
)
_USERS_PATH = re.compile(r"(^|/)(users|accounts|members|customers|people|profiles)/?$", re.I)
_SIGNUP_TAG = re.compile(r"sign-?up|regist", re.I)
_NOT_SIGNUP = re.compile(
    r"log-?in|sign-?in|token|session|password|reset|forgot|verif|confirm", re.I
)


@dataclass(slots=True)
class Probed:
    """A privilege probe on canary accounts: what was sent, what showed, what was reached."""

    via: Operation
    control: Exchange  # the control's sign-up (or the canary's state before its update)
    attempt: Exchange | None = None  # the accepted request with the privilege fields
    injected: dict[str, Any] = field(default_factory=dict)
    login: Exchange | None = None  # the escalated canary's login
    shown: list[Shown] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    as_identity: str | None = None
    signup: bool = True  # False: a canary's self-update
    unclear: list[int | None] = field(default_factory=list)  # refusals that say nothing (429, 5xx)

    def note(self, refusal: Exchange) -> None:
        """A refusal that is no verdict on the fields: no answer, a rate limit, a server error."""
        status = refusal.status
        if status is None or status == 429 or status >= 500:
            self.unclear.append(status)

    def decided(self) -> Probed:
        """Itself, unless every attempt was refused in a way that proves nothing (a rate limit,
        a server error): then the probe is inconclusive, never "safe"."""
        if self.attempt is None and self.unclear:
            statuses = ", ".join(sorted({str(s) for s in self.unclear}))
            raise Inconclusive(
                f"{self.via.key} with privilege fields answered {statuses}: neither accepted "
                "nor refused as unknown properties"
            )
        return self


def is_signup(op: Operation, way: LoginFacts | None = None) -> bool:
    if op.method != "POST" or op.request_body is None:
        return False
    if not ("json" in op.request_body.content_type or is_form(op)) or looks_privileged(op):
        return False
    if is_login(op, way) or _NOT_SIGNUP.search(op.path):
        return False
    fields = [normalized_key(f) for f in body_fields(op)]
    if not any(PASSWORD_FIELD.match(f) for f in fields):
        return False
    if not any(USER_FIELD.match(f) or EMAIL_FIELD.match(f) for f in fields):
        return False
    return bool(
        _SIGNUP_PATH.search(op.path)
        or _USERS_PATH.search(op.path)
        or any(_SIGNUP_TAG.search(t) for t in op.tags)
    )


def signup_operation(ctx: Context, way: LoginFacts | None) -> Operation | None:
    return next((op for op in ctx.operations if is_signup(op, way)), None)


@dataclass(slots=True)
class _Recipe:
    """How a sign-up was accepted (who sent it, which e-mail domain, which tenant ids)."""

    as_identity: str | None = None
    domain: str = DOMAINS[0]
    tenant: dict[str, Any] = field(default_factory=dict)


async def signed_in(ctx: Context, op: Operation, way: LoginFacts) -> tuple[Session, _Recipe]:
    """A control canary signed up through `op` and logged in, or Inconclusive with the reason."""
    recipe = _Recipe()
    canary, answer = await sign_up(ctx, op, {}, as_identity=None)
    status = answer.status
    users = [n for n in ctx.identities if not ctx.is_privileged(n)]
    if canary is None and status in (401, 403) and users:
        recipe.as_identity = users[0]  # a user-create operation: try it as a non-admin user
        canary, answer = await sign_up(ctx, op, {}, as_identity=users[0])
    if canary is None and answer.status in (400, 409, 422):
        recipe.domain, recipe.tenant = DOMAINS[1], await _tenant(ctx, users)
        canary, answer = await sign_up(
            ctx, op, {}, as_identity=recipe.as_identity, domain=recipe.domain, tenant=recipe.tenant
        )
    if canary is None:
        who = f"as {recipe.as_identity}" if recipe.as_identity else "anonymously"
        raise Inconclusive(
            f"{op.key} refused a canary account sent {who} (answered {answer.status}): not probed"
        )
    session = await log_in(ctx, way, canary)
    if not isinstance(session, Session):
        report_leftover(ctx, canary)
        raise Inconclusive(
            f"the canary account signed up through {op.key} could not log in through "
            f"{way.method} {way.path} (answered {session.status}); the account may need "
            "confirming first (e-mail, approval): the privilege fields were not tried"
        )
    return session, recipe


async def probe_signup(ctx: Context, op: Operation) -> Probed:
    way = login_way(ctx)
    if way is None:
        raise Inconclusive("no login operation (endpoints.login or the spec) for canary accounts")
    assert op.request_body is not None
    reader = identity_reader(ctx)
    admin_ops = admin_operations(ctx)
    shown_schemas = [*success_schemas(op), *(success_schemas(reader) if reader else [])]
    privileges = escalations(op.request_body.schema, shown_schemas, ctx.facts.privileged_roles)
    control, recipe = await signed_in(ctx, op, way)
    probed = Probed(op, control.canary.signup, as_identity=recipe.as_identity)
    probe = _Probe(ctx, op, way, reader, admin_ops, recipe, control, probed)
    try:
        before = await probe.start()
        for extra in attempts(privileges):
            if await probe.attempt(extra):
                break
        if not (probed.shown or probed.grants):
            # ignored or refused: a role the enum offers below the top one may still be
            # self-assignable (a clinic that ignores `admin` but takes `doctor`)
            for extra in other_roles(privileges, before.record)[:1]:
                await probe.attempt(extra)
        return probed.decided()
    finally:
        for session, view in probe.made:
            await remove(ctx, way, session, view.record)


@dataclass(slots=True)
class _Probe:
    """One sign-up probe: the control canary's view, then escalated canaries compared with it."""

    ctx: Context
    op: Operation
    way: LoginFacts
    reader: Operation | None
    admin_ops: list[Operation]
    recipe: _Recipe
    control: Session
    probed: Probed
    before: View | None = None
    made: list[tuple[Session, View]] = field(default_factory=list)

    async def start(self) -> View:
        self.before = before = await observe(self.ctx, self.control, self.reader, self.admin_ops)
        self.made.append((self.control, before))
        if before.read is None and before.claims is None and not self.admin_ops:
            raise Inconclusive(
                "nothing shows a canary account's privileges (no identity endpoint with its own "
                "answer, no token claims, no admin-only operation): not probed"
            )
        return before

    async def attempt(self, extra: dict[str, Any]) -> bool:
        """Sign up with `extra`; True once decided (something showed, or all fields at once
        were accepted: what the combined body did not grant, no single field of it does)."""
        ctx, recipe, probed, before = self.ctx, self.recipe, self.probed, self.before
        assert before is not None
        canary, answer = await sign_up(
            ctx,
            self.op,
            extra,
            as_identity=recipe.as_identity,
            domain=recipe.domain,
            tenant=recipe.tenant,
        )
        if canary is None:
            probed.note(answer)  # refused (400 unknown property, 422): safe for these fields
            return False
        session = await log_in(ctx, self.way, canary)
        if not isinstance(session, Session):
            report_leftover(ctx, canary)
            raise Inconclusive(
                f"a canary signed up with {', '.join(extra)} could not log in "
                f"(answered {session.status}) while the control could"
            )
        after = await observe(ctx, session, self.reader, self.admin_ops)
        self.made.append((session, after))
        probed.attempt, probed.injected, probed.login = answer, dict(extra), session.login
        probed.shown = shown(before, after, extra)
        control = self.control
        probed.grants = await granted(
            ctx, before, after, session, self.admin_ops, lambda r: (control.authorize(ctx, r), None)
        )
        return bool(probed.shown or probed.grants or len(extra) > 1)


async def _tenant(ctx: Context, users: list[str]) -> dict[str, Any]:
    """Id-like fields of a configured user's own record, for a sign-up that needs a valid one
    (a clinic, an organisation): the canary joins that user's tenant, never another."""
    reader = identity_reader(ctx)
    if reader is None or not users:
        return {}
    record = exchange_json(await ctx.send(ctx.build(reader), identity=users[0]))
    found: dict[str, Any] = {}
    for account in account_records(record):  # the record itself, or the one an envelope wraps
        for k, v in account.items():
            if (
                normalized_key(k).endswith("id")
                and normalized_key(k) not in ("id", "userid", "uuid")
                and isinstance(v, int | str)
                and not isinstance(v, bool)
            ):
                found.setdefault(k, v)
    return found
