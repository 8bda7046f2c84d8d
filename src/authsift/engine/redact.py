"""Keep every credential of the run out of every output.

A secret is registered with the placeholder that stands in for it (`$ALICE_TOKEN`). Secrets come
from the config at start and from the engine at run time (tokens obtained by logging in,
refreshed tokens, session cookies). Everything that leaves the engine — evidence, curl commands,
HAR, logs — goes through `Redactor.text()` or `Redactor.exchange()`.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace

from authsift.model import Exchange, Headers, HttpRequest, HttpResponse

# Too short to redact safely: replacing "1" everywhere would destroy the evidence.
_MIN_SECRET_LENGTH = 4

# Header values that are credentials whoever they belong to (a forged or junk token included).
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key"})


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str, placeholder: str) -> None:
        """Register a secret and the forms in which it travels (URL-encoded, Basic-encoded)."""
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            for form in _encodings(secret):
                self._secrets.setdefault(form, placeholder)
            self._pattern = None

    def add_basic(self, username: str, password: str, placeholder: str) -> None:
        """Basic credentials travel base64-encoded as a pair (RFC 7617 §2)."""
        pair = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(pair, placeholder)

    @property
    def secrets(self) -> dict[str, str]:
        with self._lock:
            return dict(self._secrets)

    def text(self, value: str) -> str:
        pattern = self._compiled()
        if pattern is None or not value:
            return value
        return pattern.sub(lambda m: self._secrets[m.group(0)], value)

    def data(self, value: bytes) -> bytes:
        if not value or self._compiled() is None:
            return value
        text = value.decode("utf-8", errors="surrogateescape")
        redacted = self.text(text)
        return value if redacted == text else redacted.encode("utf-8", errors="surrogateescape")

    def headers(self, headers: Headers) -> Headers:
        pattern = self._compiled()
        if pattern is None or not any(pattern.search(value) for _, value in headers):
            return headers
        return tuple((name, self.text(value)) for name, value in headers)

    def exchange(self, exchange: Exchange) -> Exchange:
        """The exchange with every registered secret replaced; the same object when it holds none
        (the common case for anonymous probes, and no copies on the hot path)."""
        pattern = self._compiled()
        if pattern is None or not self._mentions_secret(pattern, exchange):
            return exchange
        request = exchange.request
        redacted_request = HttpRequest(
            method=request.method,
            url=self.text(request.url),
            headers=self.headers(request.headers),
            body=self.data(request.body) if request.body is not None else None,
        )
        redacted_response: HttpResponse | None = None
        if exchange.response is not None:
            redacted_response = replace(
                exchange.response,
                headers=self.headers(exchange.response.headers),
                body=self.data(exchange.response.body),
            )
        return replace(
            exchange,
            request=redacted_request,
            response=redacted_response,
            error=self.text(exchange.error) if exchange.error else exchange.error,
        )

    @staticmethod
    def _mentions_secret(pattern: re.Pattern[str], exchange: Exchange) -> bool:
        request, response = exchange.request, exchange.response
        texts = [request.url, exchange.error or ""]
        texts += [value for _, value in request.headers]
        if request.body:
            texts.append(request.body.decode("utf-8", errors="surrogateescape"))
        if response is not None:
            texts += [value for _, value in response.headers]
            texts.append(response.body.decode("utf-8", errors="surrogateescape"))
        return any(pattern.search(text) for text in texts)

    def _compiled(self) -> re.Pattern[str] | None:
        pattern = (
            self._pattern
        )  # read without the lock: rebuilt (under it) only when secrets change
        if pattern is not None or not self._secrets:
            return pattern
        with self._lock:
            if self._pattern is None and self._secrets:
                # longest first, so a token is replaced whole before any secret it contains
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            return self._pattern


def is_credential_header(name: str) -> bool:
    return name.lower() in _CREDENTIAL_HEADERS


def _encodings(secret: str) -> set[str]:
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


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
