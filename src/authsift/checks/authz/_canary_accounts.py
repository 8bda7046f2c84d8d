"""Canary accounts: user accounts the scanner signs up itself, to probe sign-up and self-update.

Recognisable (user name `authsift-canary-<hex>`, e-mail `authsift-canary-<hex>@example.invalid`,
or the spelling the schema's pattern and format allow, e.g. `authsift_canary_<hex>` and
`example.com`), with a strong random password that is registered with the redactor (no report
shows it) and used for nothing else. Deleted after the probe where the API allows it (a `DELETE`
on the account as the canary itself, else as a privileged identity, verified by a refused
login); reported as leftovers where it does not. Operations that change a credential are only
ever sent for these accounts, never for a configured identity.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.authz._login import (
    EMAIL_FIELD,
    PASSWORD_FIELD,
    USER_FIELD,
    encode,
    form_values,
    is_form,
    learn_secrets,
    login_request,
    token_of,
)
from authsift.checks.authz._objects import canary_body, remember_leftover
from authsift.checks.authz._producers import fill, last_param
from authsift.checks.base import Context, LoginFacts
from authsift.model import Exchange, HttpRequest, Operation

IDENTITY_PATH = re.compile(r"/(me|self|whoami|profile|account|user|userinfo|my)/?$", re.I)
_USER_COLLECTION = re.compile(r"/(users|accounts|members|profiles|customers|people)/\{[^}]+\}/?$")
_ID_KEYS = ("id", "userid", "uuid", "accountid", "username")
_STYLES = (
    "authsift-canary-{}",
    "authsift_canary_{}",
    "authsiftcanary{}",
    "authsift-{}",
    "authsift_{}",
    "authsift{}",
)
DOMAINS = ("example.invalid", "example.com")  # RFC 2606 names: no mail is ever delivered


@dataclass(frozen=True, slots=True)
class Canary:
    email: str
    username: str
    password: str
    via: str  # the operation key it was signed up through
    signup: Exchange
    injected: Mapping[str, Any] = field(default_factory=dict)
    as_identity: str | None = None  # who sent the sign-up (None: anonymous)
    has_username: bool = True  # the sign-up took a user name (else it logs in by e-mail)

    @property
    def markers(self) -> frozenset[str]:
        return frozenset({self.email, self.username})


@dataclass(frozen=True, slots=True)
class Session:
    canary: Canary
    login: Exchange
    token: str
    where: str  # "header": where the template identity's credential goes; "cookie:NAME"
    template: str | None

    def authorize(self, ctx: Context, request: HttpRequest) -> HttpRequest:
        bare = ctx.with_credential(request, None, self.template)
        if self.where.startswith("cookie:"):
            name = self.where.split(":", 1)[1]
            return HttpRequest(
                bare.method,
                bare.url,
                (*bare.headers, ("Cookie", f"{name}={self.token}")),
                bare.body,
            )
        return ctx.with_credential(request, self.token, self.template)


async def send_as(ctx: Context, session: Session, request: HttpRequest) -> Exchange:
    return await ctx.send(session.authorize(ctx, request))


def new_account(op: Operation, domain: str) -> tuple[str, str, str]:
    """(e-mail, user name, password) that the sign-up schema's patterns and lengths allow."""
    props = _props(op)
    hex_id = secrets.token_hex(6)
    username = _fitting(props, USER_FIELD, hex_id, "")
    local = _fitting(props, EMAIL_FIELD, hex_id, "@" + domain)
    password_schema = next(
        (p for n, p in props.items() if PASSWORD_FIELD.match(normalized_key(n))), dict[str, Any]()
    )
    password = "Aa1!" + secrets.token_urlsafe(18)
    low, high = int(password_schema.get("minLength", 0)), password_schema.get("maxLength")
    password = (password + secrets.token_hex(max(0, low - len(password))))[: high or None]
    return local, username, password


def signup_body(
    op: Operation,
    example: Any,
    account: tuple[str, str, str],
    extra: Mapping[str, Any],
    tenant: Mapping[str, Any],
) -> dict[str, Any]:
    """The spec's example with canary strings, the account fields, `tenant` ids and `extra`."""
    email, username, password = account
    body, _ = canary_body(op, example if isinstance(example, dict) else {})
    for name, prop in _props(op).items():
        norm = normalized_key(name)
        if "password" in norm or "passwd" in norm or prop.get("format") == "password":
            body[name] = password
        elif EMAIL_FIELD.match(norm) or prop.get("format") == "email":
            body[name] = email
        elif USER_FIELD.match(norm) and prop.get("type") in ("string", None):
            body[name] = username
        elif name in tenant and prop.get("type") in ("integer", "string", None):
            body[name] = tenant[name]
    return body | dict(extra)


async def sign_up(
    ctx: Context,
    op: Operation,
    extra: Mapping[str, Any],
    *,
    as_identity: str | None,
    domain: str = DOMAINS[0],
    tenant: Mapping[str, Any] | None = None,
) -> tuple[Canary | None, Exchange]:
    """Sign a canary up (with `extra` fields); the canary is None when the API refused."""
    account = new_account(op, domain)
    ctx.add_secret(account[2], "$CANARY_PASSWORD")
    built = ctx.build(op)
    form = is_form(op)
    example = form_values(built.body) if form else loads_or_none(built.body)
    body = signup_body(op, example, account, extra, tenant or {})
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    payload, content_type = encode(body, form=form)
    request = HttpRequest(op.method, built.url, (*headers, ("Content-Type", content_type)), payload)
    exchange = await ctx.send(request, identity=as_identity)
    learn_secrets(ctx, exchange)  # a sign-up that logs the account in answers with its session
    if not accepted(ctx, exchange):
        return None, exchange
    email, username, password = account
    has_username = any(USER_FIELD.match(normalized_key(n)) for n in _props(op))
    canary = Canary(
        email, username, password, op.key, exchange, dict(extra), as_identity, has_username
    )
    return canary, exchange


def accepted(ctx: Context, exchange: Exchange) -> bool:
    response = exchange.response
    return (
        response is not None
        and 200 <= response.status < 300
        and ctx.calibration.looks_like_rejection(response) is None
    )


async def log_in(ctx: Context, way: LoginFacts, canary: Canary) -> Session | Exchange:
    """The canary's session, or the login answer that refused it."""
    by_email = (
        EMAIL_FIELD.match(normalized_key(way.username.split(".")[-1])) or not canary.has_username
    )
    name = canary.email if by_email else canary.username
    exchange = await ctx.send(login_request(ctx, way, name, canary.password))
    found = token_of(way, exchange)
    if found is None:
        return exchange
    where, token = found
    ctx.add_secret(token, "$CANARY_TOKEN")
    learn_secrets(ctx, exchange, token)
    return Session(canary, exchange, token, where, way.identity)


async def remove(ctx: Context, way: LoginFacts, session: Session, record: Any) -> bool:
    """Delete the canary's account (as itself, else as an admin), verified by a refused login.

    An account is addressed by id only when `record` is the canary's own (it carries the
    canary's e-mail or user name), so no other account can ever be hit."""
    canary = session.canary
    own = isinstance(record, Mapping) and bool(
        {m.lower() for m in canary.markers} & _strings(record)
    )
    admins = [n for n in ctx.identities if ctx.is_privileged(n)]
    for op in ctx.operations:
        if op.method != "DELETE":
            continue
        if "{" not in op.path and IDENTITY_PATH.search(op.path):
            request = ctx.build(op)
        elif own and _USER_COLLECTION.search(op.path):
            assert isinstance(record, Mapping)
            value = _id_for(record, last_param(op.path) or "")
            if value is None:
                continue
            request = HttpRequest("DELETE", ctx.url(fill(op.path, {_param(op): value})))
        else:
            continue
        done = accepted(ctx, await send_as(ctx, session, request))
        if not done and "{" in op.path and admins:
            done = accepted(ctx, await ctx.send(request, identity=admins[0]))
        if done and not isinstance(await log_in(ctx, way, canary), Session):
            return True
    report_leftover(ctx, canary)
    return False


def report_leftover(ctx: Context, canary: Canary) -> None:
    names = list(canary.injected)
    fields = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    remember_leftover(
        ctx,
        f"canary account {canary.email}"
        + (f" (user name {canary.username})" if canary.has_username else "")
        + f" signed up through {canary.via}"
        + (f" with privilege fields ({fields}) that it may hold" if names else "")
        + ": no operation removed it; delete it by hand (its random password was not kept)",
    )


def _fitting(
    props: Mapping[str, Mapping[str, Any]], kind: re.Pattern[str], hex_id: str, at: str
) -> str:
    """The most recognisable spelling the field's schema allows: `authsift-canary-<hex>`, else
    shorter ones (`authsift_<hex>`, fewer hex digits) for a pattern such as `^[a-z0-9_]{3,20}$`
    that caps the length itself; never a truncation that would make two canaries alike."""
    schema = next((p for n, p in props.items() if kind.match(normalized_key(n))), dict[str, Any]())
    if kind is EMAIL_FIELD and not schema:
        schema = next((p for p in props.values() if p.get("format") == "email"), {})
    pattern, high = schema.get("pattern"), schema.get("maxLength")
    low = int(schema.get("minLength", 0))
    for value in [style.format(digits) for digits in (hex_id, hex_id[:8]) for style in _STYLES]:
        if (high and len(value) + len(at) > int(high)) or len(value) + len(at) < low:
            continue
        if not pattern or _match(pattern, value + at):
            return value + at
    value = _STYLES[0].format(hex_id)
    if high and len(value) + len(at) > int(high):
        value = value[-max(int(high) - len(at), 8) :]  # keep the random end
    return value + at


def _props(op: Operation) -> dict[str, Mapping[str, Any]]:
    if op.request_body is None:
        return {}
    properties = merge_schema(op.request_body.schema).get("properties") or {}
    return {str(k): merge_schema(v) for k, v in properties.items() if isinstance(v, Mapping)}


def _param(op: Operation) -> str:
    return last_param(op.path) or ""


def _id_for(record: Mapping[str, Any], param: str) -> str | None:
    candidates = [record, *(record[k] for k in ("data", "user") if k in record)]
    for wanted in (normalized_key(param), *_ID_KEYS):
        for item in candidates:
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if normalized_key(str(key)) == wanted and isinstance(value, str | int):
                        return str(value)
    return None


def _strings(record: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for value in record.values():
        if isinstance(value, str):
            found.add(value.lower())
        elif isinstance(value, Mapping):
            found |= _strings(value)
    return found


def _match(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True
