"""transport-credential-exposure (CHECKS.md #65); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from authsift.checks.base import Check, Context, SecretRef
from authsift.checks.transport import _secrets
from authsift.checks.transport._recorded import (
    OperationIndex,
    answered,
    credentials_in,
    json_body,
    leaves,
    review_once,
    where,
)
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Operation, Severity

_READS = frozenset({"GET", "HEAD"})
_ISSUING_HEADERS = frozenset({"set-cookie"})  # a session cookie is handed out there
_ECHO = "The request's credential echoed in the response"
_EXPOSED = "$EXPOSED_"  # the placeholders of secrets this review registers


@dataclass(slots=True)
class _Group:
    """One finding in the making: one kind of exposure on one operation."""

    title: str
    severity: Severity
    exchange: Exchange
    operation: Operation | None
    fields: dict[str, str] = field(default_factory=dict)  # JSON path or header → what is there
    places: set[str] = field(default_factory=set)  # `METHOD /path` of every answer with it


class TransportCredentialExposure(Check):
    """Credentials or secrets in the responses the API sends.

    ## What it checks
    Reviews every response the scan received (every operation, every check's probes, the logins
    included) once the other checks are done, and looks for:
    - the scan's own credentials coming back where they do not belong: the request's
      `Authorization`, API key or cookie echoed in an answer (an error page that prints the
      request headers), a password in any answer, a key or token of one identity in another's
      answer or in an anonymous one;
    - password hashes (bcrypt, argon2, scrypt, PBKDF2, crypt formats), PEM private keys and
      TOTP seeds (`otpauth://` URIs, base32 seeds under an OTP member);
    - secrets recognised by detect-secrets' maintained plugins: vendor keys (AWS, GitHub,
      Slack, Stripe…) and secret-named members with secret-like values (`"password"`,
      `"client_secret"`, `"webhook_secret"`, `DB_PASSWORD=…` in an environment dump).
    Each finding names the operation and the field (JSON path or header) and redacts the value.

    ## Why it matters
    A secret in a response is in the browser, in every proxy and cache on the way, and in the
    logs of whatever consumes the API. Password hashes are cracked offline; a webhook secret
    forges the API's own callbacks; an echoed token turns any XSS or log leak into a session
    theft (OWASP API3:2023 excessive data exposure, API8:2023 misconfiguration).

    ## Example
    `GET /users` → `[{"username": "bob", "password_hash": "$2b$12$…"}]`; `GET /orders/x` → 422
    `{"request": {"headers": {"authorization": "Bearer eyJ…"}}}`.

    ## Remediation
    Return only what the client needs: serialize responses through an explicit schema that
    leaves hashes, secrets and credentials out; never echo request headers in error pages;
    show a generated secret once, at creation, and never again.

    ## References
    RFC 6750 §5.3 · RFC 9700 §4.2, §4.3 · OWASP API3:2023 · OWASP API8:2023 · WSTG-SESS-04 ·
    ASVS 5.0 V14.2.1, V14.2.6 · CWE-200 · CWE-209 · CWE-522

    ## Decision rule
    Passive: no request of its own. A credential the answer hands out (a login, refresh or
    token answer: the first response a token appears in, or an answer to a request that
    carried a password or secret in its body) is issuance, never a finding; so is a secret in
    the answer to a write request (a webhook secret shown once at creation), except password
    hashes and private keys. Entropy alone never decides: a UUID, a SHA-256 of public data or
    an opaque id is not a secret, and a public key is not a private key. Severity high for
    server secrets, hashes and another account's credentials; medium for the caller's own
    credential echoed back or served again.
    """

    id = "transport-credential-exposure"
    title = "Credentials or secrets exposed in responses"
    family = Family.TRANSPORT
    severity = Severity.HIGH
    cwe = (200, 209, 522)
    owasp = "API3:2023"
    granularity = "api"
    baselines = "none"
    phase = "review"
    max_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        review_once(ctx, self)
        index = OperationIndex(ctx.operations, ctx.facts.target)
        groups: dict[tuple[str, str], _Group] = {}
        seen_in_answers: set[SecretRef] = set()
        seen_in_requests: set[SecretRef] = set()
        registered: dict[str, str] = {}

        def add(exchange: Exchange, title: str, severity: Severity, at: str, what: str) -> None:
            op = index.of(exchange)
            key = ("*" if title == _ECHO else op.key if op else where(exchange), title)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(title, severity, exchange, op)
            group.severity = max(group.severity, severity)
            group.fields.setdefault(at, what)
            group.places.add(where(exchange))

        def hide(value: str, kind: str) -> str:
            if value not in registered:
                name = re.sub(r"[^A-Z0-9]+", "_", kind.upper()).strip("_")
                registered[value] = f"{_EXPOSED}{name}_{len(registered) + 1}"
                ctx.add_secret(value, registered[value])
            shown = "a value under a secret-like name" if kind == "Secret Keyword" else kind
            return f"{shown} ({len(value)} characters, redacted)"

        for exchange in answered(ctx):
            if _is_api_description(exchange):
                continue  # the operator's own document: its examples are theirs
            request = exchange.request
            head = " ".join([request.url, *(value for _, value in request.headers)])
            sent_head = set(credentials_in(ctx, head))
            sent_body = set(credentials_in(ctx, (request.body or b"").decode("utf-8", "replace")))
            credential_exchange = bool(sent_body)  # a login, refresh or token request
            for at, secret in _own_secrets_in(ctx, exchange):
                if secret.placeholder.startswith(_EXPOSED):
                    continue  # a secret this review found and registered itself
                verdict = _own_secret(
                    secret,
                    exchange,
                    sent_head,
                    sent_body,
                    credential_exchange,
                    seen_in_answers,
                    seen_in_requests,
                    ctx.identities,
                )
                if verdict is not None:
                    what = f"the value of {secret.placeholder}"
                    add(exchange, verdict[0], verdict[1], at, what)
                seen_in_answers.add(secret)
            for at, hit in _pattern_hits(exchange):
                if any(
                    not s.placeholder.startswith(_EXPOSED) for s in credentials_in(ctx, hit.value)
                ):
                    continue  # the scan's own secret: judged above
                add(exchange, _title(hit), Severity.HIGH, at, hide(hit.value, hit.kind))
            seen_in_requests |= sent_head | sent_body

        for (_, title), group in groups.items():
            wide = title == _ECHO  # one root cause (an error page), wherever it showed
            place = where(group.exchange)
            fields = "; ".join(f"`{at}`: {what}" for at, what in sorted(group.fields.items()))
            yield ctx.finding(
                self,
                title=group.title if group.operation or wide else f"{group.title} ({place})",
                description=(
                    f"{group.title} in the answer to {place} (HTTP {group.exchange.status}): "
                    f"{fields}."
                    + (
                        f" Also in {len(group.places) - 1} other answers."
                        if len(group.places) > 1
                        else ""
                    )
                ),
                evidence=[Evidence("the response that carries it", group.exchange)],
                severity=group.severity,
                confidence=Confidence.CERTAIN,
                details={"fields": sorted(group.fields), "where": sorted(group.places)},
                operation=None if wide else group.operation,
                api_wide=wide or group.operation is None,
                identity=group.exchange.identity,
            )


def _is_api_description(exchange: Exchange) -> bool:
    document = json_body(exchange)
    return isinstance(document, dict) and ("openapi" in document or "swagger" in document)


def _own_secrets_in(ctx: Context, exchange: Exchange) -> list[tuple[str, SecretRef]]:
    """(where, secret) of the scan's own secrets in the answer: a header, the JSON path of the
    member that holds it, or the body."""
    found: list[tuple[str, SecretRef]] = []
    for at, text in _texts(exchange):
        secrets = credentials_in(ctx, text)
        if not secrets:
            continue
        document = json_body(exchange) if at == "body" else None
        members = [
            (path, secret)
            for path, _, value in (leaves(document) if document is not None else ())
            for secret in credentials_in(ctx, value)
        ]
        placed = {secret for _, secret in members}
        found += members + [(at, secret) for secret in secrets if secret not in placed]
    return found


def _texts(exchange: Exchange) -> list[tuple[str, str]]:
    """(where, text) of the answer: each header but Set-Cookie, then the body."""
    response = exchange.response
    assert response is not None
    texts = [
        (f"header {name}", value)
        for name, value in response.headers
        if name.lower() not in _ISSUING_HEADERS
    ]
    texts.append(("body", response.text))
    return texts


def _own_secret(
    secret: SecretRef,
    exchange: Exchange,
    sent_head: set[SecretRef],
    sent_body: set[SecretRef],
    credential_exchange: bool,
    seen_in_answers: set[SecretRef],
    seen_in_requests: set[SecretRef],
    identities: tuple[str, ...],
) -> tuple[str, Severity] | None:
    """(title, severity) when one of the scan's own secrets is out of place in this answer
    (secrets compared by value: an identity's renewed token shares the old one's placeholder)."""
    if secret in sent_head:
        return _ECHO, Severity.MEDIUM
    if "PASSWORD" in secret.placeholder.upper():
        return "A password in the response", Severity.HIGH
    if secret in sent_body or credential_exchange:
        return None  # a token answer hands credentials out; a refresh may return the same one
    if secret not in seen_in_answers and secret not in seen_in_requests:
        return None  # first appearance: this answer issued it
    owner = _owner(secret.placeholder, identities)
    if owner is not None and owner != exchange.identity:
        return "Another identity's credential in the response", Severity.HIGH
    return "A credential served again outside a token answer", Severity.MEDIUM


def _owner(placeholder: str, identities: tuple[str, ...]) -> str | None:
    """The configured identity a placeholder (`$ALICE_RO_KEY`) belongs to: the longest name."""
    bare = placeholder.lstrip("$").upper()
    names = sorted(identities, key=len, reverse=True)
    for name in names:
        prefix = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() + "_"
        if bare.startswith(prefix):
            return name
    return None


def _pattern_hits(exchange: Exchange) -> list[tuple[str, _secrets.Hit]]:
    """(field, hit) of every secret pattern in the answer's body."""
    response = exchange.response
    assert response is not None
    text = response.text
    write_answer = exchange.request.method.upper() not in _READS and response.status < 400
    hits: list[tuple[str, _secrets.Hit]] = []
    document = json_body(exchange)
    if document is not None:
        for path, name, value in leaves(document):
            hits += [(path, hit) for hit in _secrets.in_member(name, value)]
            hits += [(path, hit) for hit in _secrets.in_text(value)]
    else:
        hits += [("body", hit) for hit in _secrets.in_text(text)]
        for number, line in enumerate(text.splitlines()[:2000], start=1):
            hits += [(f"body line {number}", hit) for hit in _secrets.in_line(line)]
    if write_answer:  # issuance: a created secret is shown once; hashes and keys never
        hits = [(at, hit) for at, hit in hits if hit.kind.startswith(("password hash", "private"))]
    return hits


def _title(hit: _secrets.Hit) -> str:
    if hit.kind.startswith("password hash"):
        return "Password hashes in the response"
    if hit.kind.startswith("private key"):
        return "A private key in the response"
    if hit.kind.startswith("TOTP"):
        return "A TOTP seed in the response"
    if hit.kind == "Secret Keyword":
        return "A secret-named value (password, secret, key) in the response"
    return f"A {hit.kind} in the response"
