"""Key discovery: where the target publishes the keys its tokens are verified with.

Issue #4 §3 and CHECKS.md #8, #18: the JWK Set at `/.well-known/jwks.json`, the `jwks_uri` of
the OpenID Provider metadata (OIDC Discovery §4, `/.well-known/openid-configuration`) and of the
OAuth AS metadata (RFC 8414 §3, `/.well-known/oauth-authorization-server`), the configured
`oidc_discovery` endpoint, the `jwks` setting, and the token's own `jku` when it points into
scope. Everything is fetched once per scan (cached in `ctx.shared`) with `ctx.send`, and only
on the target's origin: a key URL elsewhere is listed, not fetched (the scope is the
operator's promise).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from authsift.checks.base import Context
from authsift.jose import JoseError, JwkEntry, load_jwks
from authsift.model import Exchange, HttpRequest

_CACHE = "jwt.discovered_keys"
METADATA_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
JWKS_PATH = "/.well-known/jwks.json"


@dataclass
class KeySet:
    """One fetched JWK Set: where from, the exchange (evidence), and its parsed keys."""

    url: str
    exchange: Exchange
    document: dict[str, Any]
    entries: list[JwkEntry] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # keys we could not parse, with why


@dataclass
class Discovery:
    key_sets: list[KeySet] = field(default_factory=list)
    jwks_uris: list[str] = field(default_factory=list)  # as announced, fetched or not
    not_fetched: list[str] = field(default_factory=list)  # outside the target's origin

    @property
    def entries(self) -> list[JwkEntry]:
        return [entry for key_set in self.key_sets for entry in key_set.entries]

    def public_keys(self, kid: object = None) -> list[Any]:
        """The public keys named by `kid` (the token's own key), or every public key when no
        published key carries that `kid`; duplicates (one key in two sets) once."""
        loaded = [e for e in self.entries if e.public_key is not None]
        named = [e for e in loaded if kid is not None and e.kid == kid]
        unique: list[Any] = []
        for entry in named or loaded:
            if all(entry.public_key != other for other in unique):
                unique.append(entry.public_key)
        return unique


async def discover_keys(ctx: Context, jku: object = None) -> Discovery:
    """The target's published keys, fetched once per scan whichever check asks first."""
    lock: asyncio.Lock = ctx.shared.setdefault(_CACHE + ".lock", asyncio.Lock())
    async with lock:
        cached = ctx.shared.get(_CACHE)
        if isinstance(cached, Discovery):
            return cached
        discovery = await _discover(ctx, jku)
        ctx.shared[_CACHE] = discovery
        return discovery


async def _discover(ctx: Context, jku: object) -> Discovery:
    discovery = Discovery()
    origin = _origin(ctx.url("/"))
    metadata_paths = list(METADATA_PATHS)
    configured = ctx.facts.endpoints.get("oidc_discovery")
    if configured is not None and configured[1] not in metadata_paths:
        metadata_paths.insert(0, configured[1])
    candidates: list[str] = []
    for path in metadata_paths:
        document = await _get_json(ctx, ctx.url(path) if path.startswith("/") else path)
        if document is not None and isinstance(document[1].get("jwks_uri"), str):
            uri = urljoin(ctx.url("/"), str(document[1]["jwks_uri"]))
            discovery.jwks_uris.append(uri)
            candidates.append(uri)
    configured_jwks = ctx.facts.settings.get("jwks")  # `jwks:` in the config (issue #4 §3)
    listed = configured_jwks if isinstance(configured_jwks, list) else [configured_jwks]
    for configured in listed:
        if isinstance(configured, str) and configured:
            candidates.append(urljoin(ctx.url("/"), configured))
    candidates.append(ctx.url(JWKS_PATH))
    if isinstance(jku, str) and jku.startswith(("http://", "https://")):
        candidates.append(jku)
    for url in dict.fromkeys(candidates):
        if _origin(url) != origin:
            discovery.not_fetched.append(url)
            continue
        fetched = await _get_json(ctx, url)
        if fetched is None or not isinstance(fetched[1].get("keys"), list):
            continue
        discovery.key_sets.append(_key_set(url, *fetched))
    return discovery


def _key_set(url: str, exchange: Exchange, document: dict[str, Any]) -> KeySet:
    key_set = KeySet(url, exchange, document)
    for index, jwk in enumerate(document.get("keys") or []):
        try:
            key_set.entries.extend(load_jwks({"keys": [jwk]}))
        except JoseError as exc:
            key_set.unreadable.append(f"key #{index}: {exc}")
    return key_set


async def _get_json(ctx: Context, url: str) -> tuple[Exchange, dict[str, Any]] | None:
    exchange = await ctx.send(HttpRequest("GET", url, (("Accept", "application/json"),)))
    response = exchange.response
    if response is None or response.status != 200:
        return None
    try:
        document = json.loads(response.body)
    except ValueError:
        return None
    return (exchange, document) if isinstance(document, dict) else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
