"""The authorization server's metadata, fetched once per scan from both well-known documents.

RFC 8414 §3 builds the metadata URL by *inserting* `/.well-known/oauth-authorization-server`
between the issuer's host and its path; OpenID Connect Discovery 1.0 §4 *appends*
`/.well-known/openid-configuration` to the issuer. A server may publish either or both; the
checks read the merged view (OIDC first) and the metadata check compares the two.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from authsift.checks.base import Context, Inconclusive, NotApplicable
from authsift.model import Exchange, HttpRequest

OIDC_SUFFIX = "/.well-known/openid-configuration"
RFC8414_SUFFIX = "/.well-known/oauth-authorization-server"
_SHARED_KEY = "oauth.metadata"


@dataclass(frozen=True, slots=True)
class Document:
    """One well-known document: where it was asked for and what came back."""

    kind: str  # "openid-configuration" or "oauth-authorization-server"
    url: str
    exchange: Exchange
    body: dict[str, Any] | None  # None: absent, not JSON or not an object


@dataclass(frozen=True, slots=True)
class ServerMetadata:
    """What the configured issuer publishes about itself."""

    issuer: str  # as configured (the URL the documents were built from)
    documents: tuple[Document, ...]
    merged: dict[str, Any] = field(default_factory=dict)

    @property
    def published(self) -> tuple[Document, ...]:
        return tuple(doc for doc in self.documents if doc.body is not None)

    def endpoint(self, name: str) -> str | None:
        value = self.merged.get(name)
        return value if isinstance(value, str) and value else None

    def listed(self, name: str) -> list[str] | None:
        """A `*_supported` list, or None when the server does not publish it (RFC 8414 §2
        defaults then apply, which the caller must state)."""
        value = self.merged.get(name)
        if not isinstance(value, list):
            return None
        return [str(item) for item in value]


def oauth_settings(ctx: Context) -> dict[str, Any]:
    settings = ctx.facts.settings.get("oauth")
    if not isinstance(settings, dict) or not settings.get("issuer"):
        raise NotApplicable("no authorization server configured (oauth.issuer)")
    return settings


def well_known_urls(issuer: str) -> list[tuple[str, str]]:
    """(kind, url) for both documents of `issuer` (RFC 8414 §3.1, OIDC Discovery §4.1)."""
    parts = urllib.parse.urlsplit(issuer)
    path = parts.path.rstrip("/")
    origin = f"{parts.scheme}://{parts.netloc}"
    return [
        ("openid-configuration", f"{origin}{path}{OIDC_SUFFIX}"),
        ("oauth-authorization-server", f"{origin}{RFC8414_SUFFIX}{path}"),
    ]


async def server_metadata(ctx: Context) -> ServerMetadata:
    """The metadata of `oauth.issuer`, fetched once per scan (≤ 2 GETs)."""
    settings = oauth_settings(ctx)
    lock = ctx.shared.setdefault(_SHARED_KEY + ".lock", asyncio.Lock())
    async with lock:
        cached = ctx.shared.get(_SHARED_KEY)
        if isinstance(cached, ServerMetadata):
            return cached
        issuer = str(settings["issuer"])
        documents = []
        for kind, url in well_known_urls(issuer):
            request = HttpRequest("GET", url, (("Accept", "application/json"),))
            exchange = await ctx.send(request)
            documents.append(Document(kind, url, exchange, _json_object(exchange)))
        merged: dict[str, Any] = {}
        for doc in reversed(documents):  # the OIDC document wins where both publish a value
            merged.update(doc.body or {})
        metadata = ServerMetadata(issuer, tuple(documents), merged)
        ctx.shared[_SHARED_KEY] = metadata
        return metadata


async def require_metadata(ctx: Context) -> ServerMetadata:
    metadata = await server_metadata(ctx)
    if not metadata.published:
        statuses = ", ".join(f"{doc.url} → {doc.exchange.status}" for doc in metadata.documents)
        raise Inconclusive(f"the authorization server publishes no metadata ({statuses})")
    return metadata


def _json_object(exchange: Exchange) -> dict[str, Any] | None:
    response = exchange.response
    if response is None or response.status != 200:
        return None
    try:
        body = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
