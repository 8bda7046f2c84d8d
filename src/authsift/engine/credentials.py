"""What a credential looks like on the wire, and how to put it on a request.

Kept apart from the login machinery (`engine.auth`) so that checks can ask for "the same kind of
credential with another value" (a junk token, a forged JWT) without knowing how it was obtained.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import urllib.parse
from dataclasses import dataclass, replace
from typing import Literal

from authsift.model import HttpRequest

Placement = Literal["header", "query", "cookie"]


@dataclass(frozen=True, slots=True)
class Credential:
    """A credential as applied: `Authorization: Bearer <token>` is placement header, name
    Authorization, template "Bearer {token}", token <token>."""

    placement: Placement
    name: str
    token: str
    template: str = "{token}"
    expires_at: float | None = None  # unix time, from `exp` or `expires_in`

    @property
    def value(self) -> str:
        return self.template.replace("{token}", self.token)

    def with_token(self, token: str) -> Credential:
        return replace(self, token=token)

    @property
    def is_jwt(self) -> bool:
        return jwt_claims(self.token) is not None


def apply_credential(request: HttpRequest, credential: Credential | None) -> HttpRequest:
    if credential is None:
        return request
    if credential.placement == "header":
        name = credential.name.lower()
        headers = tuple(h for h in request.headers if h[0].lower() != name)
        # the constructor, not dataclasses.replace: this runs on every identity's request
        return HttpRequest(
            request.method,
            request.url,
            (*headers, (credential.name, credential.value)),
            request.body,
        )
    if credential.placement == "query":
        return replace(request, url=set_query_param(request.url, credential.name, credential.value))
    cookie = f"{credential.name}={credential.value}"
    existing = request.header("Cookie")
    others = tuple(h for h in request.headers if h[0].lower() != "cookie")
    merged = f"{existing}; {cookie}" if existing else cookie
    return replace(request, headers=(*others, ("Cookie", merged)))


def strip_credentials(request: HttpRequest, credential: Credential | None = None) -> HttpRequest:
    """`R_none` (CHECKS.md §1.2): Authorization, Cookie, API-key headers and query removed."""
    names = {"authorization", "cookie", "x-api-key", "api-key", "proxy-authorization"}
    if credential is not None and credential.placement == "header":
        names.add(credential.name.lower())
    headers = tuple(h for h in request.headers if h[0].lower() not in names)
    url = request.url
    if credential is not None and credential.placement == "query":
        url = remove_query_param(url, credential.name)
    return replace(request, headers=headers, url=url)


def set_query_param(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    pairs = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != name
    ]
    pairs.append((name, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))


def remove_query_param(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    pairs = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != name
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))


def jwt_claims(token: str) -> dict[str, object] | None:
    """The payload of a compact JWS, unverified (RFC 7515 §7.1): for reading `exp`, never trust."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return None
    try:
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def junk_like(token: str) -> str:
    """A random credential of the same format and length (`R_junk`, CHECKS.md §1.2).

    A JWT gets a JWT-shaped junk value with a valid-looking header, so that servers which branch
    on format still reach their verifier.
    """
    if jwt_claims(token) is not None:
        header = token.split(".")[0]
        rest = "".join(
            secrets.choice(_B64URL) for _ in range(max(16, len(token) - len(header) - 2))
        )
        middle = len(rest) // 2
        return f"{header}.{rest[:middle]}.{rest[middle:]}"
    alphabet = _alphabet_of(token)
    return "".join(secrets.choice(alphabet) for _ in range(max(8, len(token))))


_B64URL = string.ascii_letters + string.digits + "-_"


def _alphabet_of(token: str) -> str:
    if token and all(c in string.hexdigits for c in token):
        return "0123456789abcdef" if token.lower() == token else string.hexdigits
    if token and all(c in string.digits for c in token):
        return string.digits
    return _B64URL
