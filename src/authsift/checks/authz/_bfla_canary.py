"""Canary accounts: throwaway users the scanner signs up itself, to be the target of user
management functions (ban, suspend, deactivate, change role).

Such a function is never tried on a configured identity (it would lock the scan out, or worse
an operator's real account) nor on an existing user of the API: only on an account the scanner
made through the API's own sign-up endpoint, with unique canary values for every identifying
field. The password is random and never reported (it and the session are registered as
secrets). The canary logs in the way the configured users do, so that it can read its own
account through the identity endpoint (`GET /me`) where the privileged identity's view does not
show its state. An account the API offers no way to delete is listed in the report's leftovers,
so the operator can remove it.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._login import EMAIL_FIELD, login_request, login_way, token_of
from authsift.checks.authz._objects import CANARY_PREFIX
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation

_SELF_PATH = re.compile(r"/(me|self|whoami|profile|account|user|userinfo)/?$", re.I)
_SIGNUP_PATH = re.compile(r"(^|/)(sign-?up|register|registration|join)(/|$)", re.I)
_PASSWORD = re.compile(r"pass(word|wd|phrase)?$", re.I)
_EMAIL = re.compile(r"e-?mail", re.I)
_USERNAME = re.compile(r"^(user_?name|login|handle|nick(name)?)$", re.I)
_NAME = re.compile(r"^(full_?name|display_?name|name|first_?name|last_?name|nick_?name)$", re.I)
_PRIVILEGE = re.compile(r"role|admin|staff|permission|scope|group|superuser|is_", re.I)


@dataclass(frozen=True, slots=True)
class CanarySession:
    """The canary's login: its token, applied where the configured identity's credential goes
    (a header) or as the session cookie the login set."""

    token: str
    where: str  # "header", or "cookie:NAME"
    template: str | None  # the configured identity whose credential placement it borrows

    def authorize(self, ctx: Context, request: HttpRequest) -> HttpRequest:
        bare = ctx.with_credential(request, None, self.template)
        if not self.where.startswith("cookie:"):
            return ctx.with_credential(request, self.token, self.template)
        cookie = ("Cookie", f"{self.where.split(':', 1)[1]}={self.token}")
        return HttpRequest(bare.method, bare.url, (*bare.headers, cookie), bare.body)


@dataclass(slots=True)
class CanaryAccount:
    """An account the scanner signed up: what it sent (minus the password) and got back."""

    signup: Operation
    identifiers: dict[str, str]  # body field → canary value (e-mail, username, names)
    answer: Any  # the sign-up answer, parsed
    exchange: Exchange  # carries the password in its request: never put it in evidence
    password: str = field(default="", repr=False)  # registered with the redactor
    session: CanarySession | None = field(default=None, repr=False)
    tried_login: bool = False

    @property
    def markers(self) -> frozenset[str]:
        return frozenset(self.identifiers.values())

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.identifiers.items()))
        return f"canary account ({shown}) signed up through {self.signup.key}"


def signup_operation(operations: Sequence[Operation], login_path: str | None) -> Operation | None:
    """The API's sign-up: a JSON POST on a sign-up-like path whose body takes a password."""
    for op in operations:
        if op.method != "POST" or not _SIGNUP_PATH.search(op.path) or op.path == login_path:
            continue
        body = op.request_body
        if body is None or "json" not in body.content_type:
            continue
        properties = body.schema.get("properties") or {}
        if any(_PASSWORD.search(str(name)) for name in properties):
            return op
    return None


def identity_endpoint(operations: Sequence[Operation]) -> Operation | None:
    """The API's "who am I" (`GET /me`): a GET without path parameters on such a path."""
    return next(
        (
            op
            for op in operations
            if op.method == "GET" and "{" not in op.path and _SELF_PATH.search(op.path)
        ),
        None,
    )


def signup_body(
    op: Operation, example: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str], str] | None:
    """The sign-up body (the spec example, identifying fields replaced by canaries), the
    identifying values and the password; None when a required field cannot be filled."""
    assert op.request_body is not None
    schema = op.request_body.schema
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    token = secrets.token_hex(5)
    body: dict[str, Any] = {
        k: v for k, v in example.items() if k in required and not _PRIVILEGE.search(k)
    }
    identifiers: dict[str, str] = {}
    password = ""
    for name, prop in properties.items():
        prop = prop if isinstance(prop, dict) else {}
        candidates = _values_for(str(name), prop, token)
        if candidates is None:
            if name in required and name not in body:
                return None
            continue
        value = next((v for v in candidates if _fits(v, prop)), None)
        if value is None:
            if name in required:
                return None
            continue
        body[name] = value
        if _PASSWORD.search(str(name)):
            password = value
        else:
            identifiers[str(name)] = value
    if not required <= set(body):
        return None  # a required field the scanner will not fill (a role, a plan, an invite)
    return body, identifiers, password


async def sign_up(ctx: Context, op: Operation) -> CanaryAccount | None:
    """Create a canary account anonymously; None when the API does not take it."""
    built = ctx.build(op)
    example = loads_or_none(built.body)
    filled = signup_body(op, example if isinstance(example, dict) else {})
    if filled is None:
        return None
    body, identifiers, password = filled
    if password:
        ctx.add_secret(password, "$CANARY_PASSWORD")
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    request = HttpRequest(
        "POST",
        built.url,
        (*headers, ("Content-Type", "application/json")),
        json.dumps(body).encode(),
    )
    exchange = await ctx.send(request)
    if exchange.status is None or not 200 <= exchange.status < 300:
        return None
    answer = loads_or_none(exchange.response.body if exchange.response else None)
    return CanaryAccount(op, identifiers, answer, exchange, password)


async def log_in(ctx: Context, account: CanaryAccount) -> CanarySession | None:
    """The canary's session, logged in the way the configured users log in (once per account);
    None when there is no such way or the login does not take it."""
    if account.tried_login or not account.password:
        return account.session
    account.tried_login = True
    way = login_way(ctx)
    if way is None:
        return None
    by_email = bool(EMAIL_FIELD.match(normalized_key(way.username.split(".")[-1])))
    kind = _EMAIL.search if by_email else _USERNAME.match
    names = [v for k, v in account.identifiers.items() if kind(k)]
    if not names:
        return None
    exchange = await ctx.send(login_request(ctx, way, names[0], account.password))
    found = token_of(way, exchange)
    if found is None:
        return None
    where, token = found
    ctx.add_secret(token, "$CANARY_TOKEN")
    account.session = CanarySession(token, where, way.identity)
    return account.session


def _values_for(name: str, prop: Mapping[str, Any], token: str) -> list[str] | None:
    """Canary values to try for one property (the first that fits its schema wins), or None
    when the property is not one the scanner fills."""
    if prop.get("type") not in (None, "string") and "anyOf" not in prop:
        return None
    if _PRIVILEGE.search(name) or "enum" in prop:
        return None
    slug = CANARY_PREFIX.strip("-").replace("-", "_")  # authsift_canary
    if _PASSWORD.search(name) or prop.get("format") == "password":
        return [f"Ac9!{secrets.token_urlsafe(18)}", f"Ac9{secrets.token_hex(12)}"]
    if _EMAIL.search(name) or prop.get("format") == "email":
        return [f"{CANARY_PREFIX}{token}@example.com", f"{slug}.{token}@example.com"]
    if _USERNAME.match(name):
        return [f"{slug}_{token}", f"authsift{token}", f"{CANARY_PREFIX}{token}"]
    if _NAME.match(name) or prop.get("format") in (None, "", "text"):
        return [f"{CANARY_PREFIX}{token}", f"{slug}_{token}", f"Authsift Canary {token}"]
    return None


def _fits(value: str, prop: Mapping[str, Any]) -> bool:
    if len(value) < int(prop.get("minLength", 0)):
        return False
    if "maxLength" in prop and len(value) > int(prop["maxLength"]):
        return False
    pattern = prop.get("pattern")
    if pattern:
        try:
            return re.search(str(pattern), value) is not None
        except re.error:
            return False
    return True
