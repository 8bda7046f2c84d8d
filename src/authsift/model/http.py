"""HTTP traffic as the scan records it: requests, responses and the exchange of the two."""

from __future__ import annotations

from dataclasses import dataclass

Headers = tuple[tuple[str, str], ...]


def header_value(headers: Headers, name: str) -> str | None:
    """First value of a header, case-insensitively (RFC 9110 §5.1)."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str  # absolute
    headers: Headers = ()
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""
    elapsed: float = 0.0  # seconds, time to the full (capped) body
    truncated: bool = False  # body was cut at the configured cap

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and what came of it: a response, or the error that prevented one."""

    id: int
    request: HttpRequest
    response: HttpResponse | None
    error: str | None = None  # "timeout", "connection reset", "out of scope", ...
    identity: str | None = None  # whose credentials were applied; None = anonymous
    started_at: float = 0.0  # unix time

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None
