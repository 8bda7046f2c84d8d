"""Where an API might reveal whether an account exists, and the names to ask it about.

Endpoints (`rl-user-enum-response`, `rl-user-enum-timing`): every login pathway (config
`endpoints.login`, else the spec's login-like `POST`s that take a user name and a password), and,
for the response check, sign-up, password-reset and public lookup endpoints found by path, tag and
schema. Names: *existing* ones are the throwaway `abuse.account`'s user name and the configured
identities' own user names and e-mails (their preflight markers); *non-existent* ones are fresh
random names of the same shape (an e-mail on the same domain, a user name of the same kind).

A configured identity is never locked out: each of its names receives at most
`IDENTITY_FAILURES` wrong passwords per scan, counted across the checks of this package.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from authsift.analysis import loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import new_account, signup_body
from authsift.checks.authz._login import (
    EMAIL_FIELD,
    PASSWORD_FIELD,
    USER_FIELD,
    body_fields,
    encode,
    form_values,
    is_form,
    is_login,
    login_request,
    login_way,
)
from authsift.checks.authz._signup import is_signup
from authsift.checks.base import Context, LoginFacts
from authsift.checks.ratelimit._attempts import login_form, login_lock
from authsift.model import HttpRequest, Operation

Kind = Literal["login", "signup", "reset", "lookup"]
IDENTITY_FAILURES = 3  # wrong passwords per configured name per scan: far below any lockout
DEFAULT_MAX_ATTEMPTS = 100  # abuse.max_attempts
_FAILURES_KEY = "ratelimit.identity_failures"
_PASSWORD_AUTH = frozenset({"login", "basic"})

_RESET_PATH = re.compile(r"(forgot|reset|recover)", re.I)
_RESET_EXCLUDE = re.compile(r"confirm|verify|complete|finish|change|\{", re.I)
_CODE_FIELD = re.compile(r"^(code|otp|token|resettoken|newpassword|password)$")
# An availability or existence question (CHECKS.md #45: "username-availability endpoints"). A
# public profile page (`GET /users/{username}/`, an author page) shows the account by design,
# as a public directory does: no lookup of this kind (recipes, a sparring target, intends it).
_LOOKUP_PATH = re.compile(r"(exists?|availab|check|lookup|taken|registered)", re.I)
_NAME_PARAM = re.compile(r"^(username|user|login|email|emailaddress|handle|account|name)$")
_SIMPLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._+-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place to ask about a name: `request(name)` builds the probe."""

    kind: Kind
    key: str  # "POST /auth/login"
    wants_email: bool
    request: Callable[[str], HttpRequest]
    counts_failures: bool  # a wrong password against an existing name (lockout risk)


def abuse_settings(ctx: Context) -> Mapping[str, Any]:
    raw = ctx.facts.settings.get("abuse")
    return raw if isinstance(raw, Mapping) else {}


def max_attempts(ctx: Context) -> int:
    value = abuse_settings(ctx).get("max_attempts")
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_ATTEMPTS


def throwaway(ctx: Context) -> str | None:
    """The user name of `abuse.account`, the one account this package may fail logins on."""
    account = abuse_settings(ctx).get("account")
    if isinstance(account, Mapping) and isinstance(account.get("username"), str):
        return str(account["username"])
    return None


def identity_names(ctx: Context) -> list[tuple[str, str]]:
    """(identity, name): first the user name each identity's config logs in with, then every
    user name or e-mail among the markers of the identities that log in with a user name and a
    password (an API key's or a client's markers name no account that a login knows)."""
    names: list[tuple[str, str]] = [
        (identity, ctx.facts.identity_usernames[identity])
        for identity in ctx.identities
        if identity in ctx.facts.identity_usernames
    ]
    for identity in ctx.identities:
        if ctx.facts.identity_auth.get(identity) not in _PASSWORD_AUTH:
            continue
        for marker in sorted(ctx.markers(identity)):
            a_name = _EMAIL.match(marker) or (
                _SIMPLE_NAME.match(marker) and not re.fullmatch(r"[0-9a-f-]{16,}", marker)
            )
            if a_name and (identity, marker) not in names:
                names.append((identity, marker))
    return names


def existing_names(ctx: Context, *, wants_email: bool, failing: bool = False) -> list[str]:
    """Names of accounts that exist, the throwaway first, one per identity after it; only the
    throwaway when the probe is a failed login (`failing`) and there is one."""
    chosen: list[str] = []
    account = throwaway(ctx)
    if account and (bool(_EMAIL.match(account)) or not wants_email):
        chosen.append(account)
        if failing:
            return chosen
    by_identity: dict[str, list[str]] = {}
    for identity, name in identity_names(ctx):
        by_identity.setdefault(identity, []).append(name)
    for names in by_identity.values():
        # an e-mail field wants an e-mail; a user-name field prefers a plain name but takes an
        # e-mail when that is all the identity has (many `login` fields are e-mails)
        fitting = [n for n in names if bool(_EMAIL.match(n)) == wants_email] or (
            [] if wants_email else names
        )
        if fitting and fitting[0] not in chosen:
            chosen.append(fitting[0])
    return chosen


def may_fail(ctx: Context, name: str) -> bool:
    """True (and counted) if one more wrong password for `name` stays within the scan's cap;
    the throwaway account is bounded by `abuse.max_attempts` instead."""
    if name == throwaway(ctx):
        return True
    used: dict[str, int] = ctx.shared.setdefault(_FAILURES_KEY, {})
    if used.get(name, 0) >= IDENTITY_FAILURES:
        return False
    used[name] = used.get(name, 0) + 1
    return True


def reserve_failures(ctx: Context, names: list[str], count: int) -> list[str] | None:
    """`count` wrong-password slots over `names` in turn, taken at once or not at all (None):
    probes of several logins that start together would otherwise share the configured names'
    cap out evenly and each end one sample short. The throwaway is not capped."""
    spare = throwaway(ctx)
    used: dict[str, int] = ctx.shared.setdefault(_FAILURES_KEY, {})
    left = {n: IDENTITY_FAILURES - used.get(n, 0) for n in names if n != spare}
    plan: list[str] = []
    for index in range(count * max(1, len(names))):
        if len(plan) == count:
            break
        name = names[index % len(names)]
        if name == spare or left.get(name, 0) > 0:
            left[name] = left.get(name, 0) - 1
            plan.append(name)
    if len(plan) < count:
        return None
    for name in plan:
        if name != spare:
            used[name] = used.get(name, 0) + 1
    return plan


def fresh_name(like: str) -> str:
    """A name that does not exist, shaped like `like` (same e-mail domain)."""
    tag = secrets.token_hex(5)
    if _EMAIL.match(like):
        return f"nx{tag}@{like.rsplit('@', 1)[1]}"
    return f"{like[:1].lower() or 'u'}{tag}"


def wrong_password() -> str:
    return "Wrong-" + secrets.token_urlsafe(12)


# ---------------------------------------------------------------------------- endpoints


def login_endpoints(ctx: Context) -> list[Endpoint]:
    """Every login pathway: the configured or detected one, then other login-like POSTs."""
    way = login_way(ctx)
    ways: list[LoginFacts] = [way] if way is not None else []
    for op in ctx.operations:
        if way is not None and op.method == way.method and op.path == way.path:
            continue
        found = _login_fields(op)
        if op.method == "POST" and is_login(op, way) and found is not None:
            user, password = found
            encoding: Literal["json", "form"] = "form" if is_form(op) else "json"
            ways.append(LoginFacts(op.method, op.path, f"$.{user}", f"$.{password}", encoding))
    endpoints = []
    for facts in ways[:3]:
        email = EMAIL_FIELD.match(normalized_key(facts.username.rsplit(".", 1)[-1])) is not None

        def build(name: str, facts: LoginFacts = facts) -> HttpRequest:
            return login_request(ctx, facts, name, wrong_password())

        key = f"{facts.method} {facts.path}"
        endpoints.append(Endpoint("login", key, bool(email), build, counts_failures=True))
    return endpoints


def _login_fields(op: Operation) -> tuple[str, str] | None:
    fields = body_fields(op)
    password = next((f for f in fields if PASSWORD_FIELD.match(normalized_key(f))), None)
    user = next(
        (
            f
            for f in fields
            if USER_FIELD.match(normalized_key(f)) or EMAIL_FIELD.match(normalized_key(f))
        ),
        None,
    )
    return (user, password) if user and password else None


def kind_of(op: Operation) -> Kind | None:
    """What an operation is, by its shape alone (for planning); None: not a place to ask."""
    if op.method == "POST" and is_login(op, None) and _login_fields(op) is not None:
        return "login"
    if is_signup(op):
        return "signup"
    if _is_reset(op):
        return "reset"
    return "lookup" if _is_lookup(op) else None


def endpoint_for(ctx: Context, op: Operation) -> Endpoint | None:
    """The probe for `op`: a login pathway (also the configured `endpoints.login`), a sign-up,
    a password-reset request or a public lookup; None when `op` is none of them."""
    for endpoint in login_endpoints(ctx):
        if endpoint.key == op.key:
            return endpoint
    kind = kind_of(op)
    if kind == "signup":
        return _signup(ctx, op)
    if kind == "reset":
        return _body_probe(ctx, op, "reset")
    return _lookup(ctx, op) if kind == "lookup" else None


def _is_reset(op: Operation) -> bool:
    if op.method != "POST" or op.request_body is None or _RESET_EXCLUDE.search(op.path):
        return False
    fields = [normalized_key(f) for f in body_fields(op)]
    has_name = any(USER_FIELD.match(f) or EMAIL_FIELD.match(f) for f in fields)
    return (
        bool(_RESET_PATH.search(op.path))
        and has_name
        and not any(_CODE_FIELD.match(f) for f in fields)
    )


def _name_field(op: Operation) -> tuple[str, bool]:
    fields = body_fields(op)
    email = next((f for f in fields if EMAIL_FIELD.match(normalized_key(f))), None)
    user = next((f for f in fields if USER_FIELD.match(normalized_key(f))), None)
    return (user, False) if user else (email or "email", True)


def _body_probe(ctx: Context, op: Operation, kind: Kind) -> Endpoint:
    field_name, wants_email = _name_field(op)
    built = ctx.build(op)
    form = is_form(op)
    example = form_values(built.body) if form else loads_or_none(built.body)
    base: dict[str, Any] = dict(example) if isinstance(example, dict) else {}
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")

    def build(name: str) -> HttpRequest:
        payload, content_type = encode({**base, field_name: name}, form=form)
        return HttpRequest(
            op.method, built.url, (*headers, ("Content-Type", content_type)), payload
        )

    return Endpoint(kind, op.key, wants_email, build, counts_failures=False)


def _signup(ctx: Context, op: Operation) -> Endpoint:
    """Sign-up with the name under test and a fresh password: an existing name must be refused;
    a non-existent one creates an account (a canary: `checks.intrusive` only)."""
    _, wants_email = _name_field(op)
    built = ctx.build(op)
    form = is_form(op)
    example = form_values(built.body) if form else loads_or_none(built.body)
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")

    def build(name: str) -> HttpRequest:
        email, username, password = new_account(op, "example.com")
        ctx.add_secret(password, "$CANARY_PASSWORD")
        account = (name, username, password) if wants_email else (email, name, password)
        body = signup_body(op, example, account, {}, {})
        payload, content_type = encode(body, form=form)
        return HttpRequest(
            op.method, built.url, (*headers, ("Content-Type", content_type)), payload
        )

    return Endpoint("signup", op.key, wants_email, build, counts_failures=False)


def _is_lookup(op: Operation) -> bool:
    if op.method != "GET" or not _LOOKUP_PATH.search(op.path):
        return False
    if op.security not in ((), None) and not op.public_by_omission:
        return False
    return any(_NAME_PARAM.match(normalized_key(p.name)) for p in op.parameters)


def _lookup(ctx: Context, op: Operation) -> Endpoint:
    param = next(p for p in op.parameters if _NAME_PARAM.match(normalized_key(p.name)))
    wants_email = "mail" in param.name.lower()
    built = ctx.build(op)

    def build(name: str) -> HttpRequest:
        quoted = urllib.parse.quote(name, safe="@")
        if param.location == "path":
            url = ctx.url(op.path.replace("{" + param.name + "}", quoted))
            query = urllib.parse.urlsplit(built.url).query
            url = f"{url}?{query}" if query else url
        else:
            parts = urllib.parse.urlsplit(built.url)
            pairs = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != param.name]
            query = urllib.parse.urlencode([*pairs, (param.name, name)])
            url = urllib.parse.urlunsplit(parts._replace(query=query))
        return HttpRequest("GET", url, built.headers, None)

    return Endpoint("lookup", op.key, wants_email, build, counts_failures=False)


def mask_name(text: str, name: str) -> str:
    """`text` with the probed name (as sent, lower-cased, URL- or JSON-encoded) replaced."""
    for variant in {name, name.lower(), urllib.parse.quote(name), json.dumps(name)[1:-1]}:
        if variant:
            text = text.replace(variant, "<name>")
    return text


@asynccontextmanager
async def one_at_a_time(ctx: Context, op: Operation | None) -> AsyncIterator[None]:
    """On a password login, the package's per-login lock (`_attempts.login_lock`): the checks
    that send failed logins take turns, so that one's failures never trip another's limit."""
    form = login_form(op) if op is not None else None
    if form is None:
        yield
        return
    async with login_lock(ctx, form):
        yield
