"""Keep every credential of the run — and every fragment or near copy of one — out of every output.

A secret is registered with the placeholder that stands in for it (`$ALICE_TOKEN`). Secrets come
from the config at start and from the engine at run time (tokens obtained by logging in,
refreshed tokens, session cookies, and whatever token the target hands out: `learn`). With each
secret the redactor registers the forms derived from it (`secret_forms`): encodings, a JWS's
signature (`$ALICE_TOKEN.signature`), and near copies (`$ALICE_TOKEN.signature (1 character
changed)`), because a check that garbles a token to probe the target leaves a token anyone can
repair. Everything that leaves the engine — findings, curl commands, HAR, task reasons, logs —
goes through `text()`, `exchange()` or `finding()`: at the edge, so that a check written tomorrow
cannot forget it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from authsift.engine.secret_forms import NearCopies, derived_forms, literal_pattern, near_target
from authsift.model import Exchange, Finding, Headers, HttpRequest

# Too short to redact safely: replacing "1" everywhere would destroy the evidence.
_MIN_SECRET_LENGTH = 4
# A value the target hands out is taken for a credential from this length on (a cookie `lang=en`
# is not one, and redacting it everywhere would garble the evidence).
_MIN_LEARNED_LENGTH = 16

# Header values that are credentials whoever they belong to (a forged or junk token included).
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key"})

# Members of a JSON answer that hold a token the target issued (RFC 6749 §5.1, OIDC Core §3.1.3.3,
# and the bare `token` of many login APIs), and the field of the placeholder each gets.
_TOKEN_MEMBERS = {
    "access_token": "token",
    "token": "token",
    "refresh_token": "refresh_token",
    "id_token": "id_token",
    "session_token": "session_token",
}

# Joins the texts of an exchange for a single redaction pass: control characters that no
# registered secret, placeholder or base64url run contains.
_SEPARATOR = "\x00\x1e\x00"


@dataclass(frozen=True, slots=True)
class _Matcher:
    """An immutable snapshot of what to replace, rebuilt when a secret is added, so that a
    reader never sees a pattern and a placeholder table from different moments."""

    exact: re.Pattern[str]
    placeholders: dict[str, str]
    near: NearCopies

    def redact(self, value: str) -> str:
        if not value:
            return value
        redacted = self.exact.sub(lambda m: self.placeholders[m.group(0)], value)
        return self.near.replace(redacted)


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._near: dict[str, str] = {}
        self._matcher: _Matcher | None = None

    def add(self, secret: str, placeholder: str) -> None:
        """Register a secret and every form derived from it (see `secret_forms`).

        Registering a known secret again (a static token at each renewal, a refresh token that
        is not rotated) changes nothing and keeps the compiled matcher."""
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        forms = [
            (f, name)
            for f, name in derived_forms(secret, placeholder)
            if len(f) >= _MIN_SECRET_LENGTH
        ]
        target = near_target(secret, placeholder)
        with self._lock:
            new = [(form, name) for form, name in forms if form not in self._secrets]
            self._secrets.update(new)
            if target is not None and target[0] not in self._near:
                self._near[target[0]] = target[1]
                new.append(target)
            if new:
                self._matcher = None

    def add_basic(self, username: str, password: str, placeholder: str) -> None:
        """Basic credentials travel base64-encoded as a pair (RFC 7617 §2)."""
        pair = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(pair, placeholder)

    def learn(self, exchange: Exchange) -> None:
        """Register the tokens and session cookies a response hands out, whoever asked: a check
        that logs in by itself, a rolling session cookie, the ID token of a login answer.

        Called for every recorded exchange, so the common case (no token, no cookie) costs two
        byte searches (`_token"`, `"token"`: every member of `_TOKEN_MEMBERS`) and a look at the
        headers.
        """
        response = exchange.response
        if response is None:
            return
        owner = exchange.identity or "issued"
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0].partition("=")[2].strip()
                if len(cookie) >= _MIN_LEARNED_LENGTH:
                    self.add(cookie, placeholder_for(owner, "cookie"))
        body = response.body
        if not (body and (b'_token"' in body or b'"token"' in body)):
            return
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return
        for member, token in _token_members(document):
            self.add(token, placeholder_for(owner, _TOKEN_MEMBERS[member]))

    @property
    def secrets(self) -> dict[str, str]:
        with self._lock:
            return dict(self._secrets)

    def found_in(self, value: str) -> tuple[tuple[str, str], ...]:
        """(placeholder, matched text) of each registered secret (or derived form) in `value`,
        each distinct text once, in order of appearance. For the engine only: the context hands
        checks the placeholders and opaque ids, never the matched text."""
        matcher = self._current()
        if matcher is None or not value:
            return ()
        found = {
            m.group(0): matcher.placeholders[m.group(0)] for m in matcher.exact.finditer(value)
        }
        return tuple((placeholder, text) for text, placeholder in found.items())

    # -------------------------------------------------------------- redaction

    def text(self, value: str) -> str:
        matcher = self._current()
        return value if matcher is None else matcher.redact(value)

    def data(self, value: bytes) -> bytes:
        matcher = self._current()
        return value if matcher is None else _redact_bytes(matcher, value)

    def headers(self, headers: Headers) -> Headers:
        matcher = self._current()
        return headers if matcher is None else _redact_headers(matcher, headers)

    def exchange(self, exchange: Exchange) -> Exchange:
        """The exchange with every registered secret replaced; the same object when it holds none
        (the common case for anonymous probes, and no copies for the HAR of a whole scan).

        Its texts are redacted in one pass, joined by a separator that neither a secret nor a
        base64url run can span, then split back into their places."""
        matcher = self._current()
        if matcher is None:
            return exchange
        texts = _texts_of(exchange)
        joined = _SEPARATOR.join(texts)
        redacted = matcher.redact(joined)
        if redacted == joined:
            return exchange
        parts = redacted.split(_SEPARATOR)
        if len(parts) != len(texts):  # a body held the separator itself
            parts = [matcher.redact(text) for text in texts]
        return _rebuilt(exchange, texts, parts)

    def finding(self, finding: Finding) -> Finding:
        """Every text of a finding, whoever built it: title, description, evidence labels and
        notes, exchanges, the curl command and the details a check attached."""
        return replace(
            finding,
            title=self.text(finding.title),
            description=self.text(finding.description),
            evidence=tuple(
                replace(
                    e,
                    label=self.text(e.label),
                    note=self.text(e.note),
                    exchange=self.exchange(e.exchange),
                )
                for e in finding.evidence
            ),
            reproduce=self.text(finding.reproduce),
            details=self.value(finding.details),
        )

    def value(self, value: Any) -> Any:
        """Strings anywhere in a JSON-like structure (finding details, report extras)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        return value

    def _current(self) -> _Matcher | None:
        matcher = self._matcher  # read without the lock: rebuilt (under it) when secrets change
        if matcher is not None or not self._secrets:
            return matcher
        with self._lock:
            if self._matcher is None and self._secrets:
                self._matcher = _Matcher(
                    literal_pattern(self._secrets), dict(self._secrets), NearCopies(self._near)
                )
            return self._matcher


def _redact_bytes(matcher: _Matcher, value: bytes) -> bytes:
    if not value:
        return value
    text = _decoded(value)
    redacted = matcher.redact(text)
    return value if redacted == text else redacted.encode("utf-8", errors="surrogateescape")


def _redact_headers(matcher: _Matcher, headers: Headers) -> Headers:
    redacted = tuple((name, matcher.redact(value)) for name, value in headers)
    return headers if redacted == headers else redacted


def _texts_of(exchange: Exchange) -> list[str]:
    """url, error, request header values, request body, then the response's header values and
    body: the order `_rebuilt` reads them back in."""
    request, response = exchange.request, exchange.response
    texts = [request.url, exchange.error or "", *(value for _, value in request.headers)]
    texts.append(_decoded(request.body or b""))
    if response is not None:
        texts += [value for _, value in response.headers]
        texts.append(_decoded(response.body))
    return texts


def _rebuilt(exchange: Exchange, texts: list[str], parts: list[str]) -> Exchange:
    """The exchange with each text replaced by its redacted part (same order as `_texts_of`)."""
    request, response = exchange.request, exchange.response
    at = 2 + len(request.headers)  # the request body's place
    request = HttpRequest(
        request.method,
        parts[0],
        tuple((name, part) for (name, _), part in zip(request.headers, parts[2:at], strict=True)),
        _encoded(request.body, texts[at], parts[at]) if request.body is not None else None,
    )
    if response is not None:
        end = at + 1 + len(response.headers)  # the response body's place
        names = [name for name, _ in response.headers]
        response = replace(
            response,
            headers=tuple(zip(names, parts[at + 1 : end], strict=True)),
            body=_encoded(response.body, texts[end], parts[end]),
        )
    error = parts[1] if exchange.error is not None else None
    return replace(exchange, request=request, response=response, error=error)


def _encoded(original: bytes, text: str, part: str) -> bytes:
    return original if part == text else part.encode("utf-8", errors="surrogateescape")


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


def _token_members(document: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(member, value) for token members of a JSON answer, at most two objects deep
    (`{"data": {"access_token": …}}`)."""
    if not isinstance(document, dict) or depth > 2:
        return
    for key, item in document.items():
        if key in _TOKEN_MEMBERS and isinstance(item, str) and len(item) >= _MIN_LEARNED_LENGTH:
            yield key, item
        elif isinstance(item, dict):
            yield from _token_members(item, depth + 1)


def is_credential_header(name: str) -> bool:
    return name.lower() in _CREDENTIAL_HEADERS


def placeholder_for(identity: str, field: str) -> str:
    """`$ALICE_TOKEN`: the name a reader substitutes to replay a curl command."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", f"{identity}_{field}").strip("_").upper()
    return f"${name}"


class RedactingFilter(logging.Filter):
    """Log records pass through the redactor too: a URL with `?api_key=` or an error that echoes
    a header must not put a credential in a log file."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = ()
        return True


@contextlib.contextmanager
def redacted_logging(redactor: Redactor) -> Iterator[None]:
    """Install the filter on every handler of the root logger for the scan's duration."""
    log_filter = RedactingFilter(redactor)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(log_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(log_filter)
