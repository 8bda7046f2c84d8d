"""Where the target revokes tokens (RFC 7009), and how to ask it to.

Sources, in order: a configured `endpoints.revocation`; the `revocation_endpoint` of the OAuth
AS metadata (RFC 8414 §2) or the OpenID Provider metadata (the configured `oidc_discovery`,
then both well-known URLs); an operation of the spec shaped like RFC 7009 §2.1 (a POST whose
body has a `token` member, named for revocation). Found once per scan (`ctx.shared`).
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
from dataclasses import dataclass

from authsift.checks._throwaway import ThrowawayView
from authsift.checks.base import Context
from authsift.jose import JoseError, parse_compact
from authsift.model import Exchange, HttpRequest

_CACHE = "token.revocation_endpoint"
_METADATA = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")
_NAMED = re.compile(r"revo(ke|cation)", re.IGNORECASE)
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class RevocationEndpoint:
    url: str
    source: str  # how it was found, for the finding
    encoding: str = _FORM  # RFC 7009 §2.1: form-encoded; a spec may say JSON


async def find_revocation_endpoint(ctx: Context) -> RevocationEndpoint | None:
    lock: asyncio.Lock = ctx.shared.setdefault(_CACHE + ".lock", asyncio.Lock())
    async with lock:
        if _CACHE not in ctx.shared:
            ctx.shared[_CACHE] = await _find(ctx)
        found = ctx.shared[_CACHE]
        return found if isinstance(found, RevocationEndpoint) else None


async def _find(ctx: Context) -> RevocationEndpoint | None:
    for key in ("revocation", "revoke"):
        configured = ctx.facts.endpoints.get(key)
        if configured is not None:
            return RevocationEndpoint(_absolute(ctx, configured[1]), f"endpoints.{key}")
    paths = list(_METADATA)
    discovery = ctx.facts.endpoints.get("oidc_discovery")
    if discovery is not None and discovery[1] not in paths:
        paths.insert(0, discovery[1])
    for path in paths:
        url = _absolute(ctx, path)
        exchange = await ctx.send(HttpRequest("GET", url, (("Accept", "application/json"),)))
        document = _json_object(exchange)
        endpoint = document.get("revocation_endpoint") if document else None
        if isinstance(endpoint, str) and endpoint:
            absolute = urllib.parse.urljoin(url, endpoint)
            return RevocationEndpoint(absolute, f"revocation_endpoint in {path}")
    for operation in ctx.operations:
        body = operation.request_body
        if operation.method != "POST" or body is None:
            continue
        members = body.schema.get("properties")
        named = f"{operation.path} {operation.operation_id or ''} {operation.summary}"
        if isinstance(members, dict) and "token" in members and _NAMED.search(named):
            encoding = _FORM if "form" in body.content_type else "application/json"
            return RevocationEndpoint(
                ctx.url(operation.path), f"the spec's {operation.key}", encoding
            )
    return None


def revocation_request(
    endpoint: RevocationEndpoint, token: str, hint: str, session: ThrowawayView
) -> HttpRequest:
    """RFC 7009 §2.1: `token` and `token_type_hint`; a public client names itself with
    `client_id`, read from the access token's `client_id` or `azp` claim when it has one."""
    fields = {"token": token, "token_type_hint": hint}
    client = _client_id(session)
    if client:
        fields["client_id"] = client
    if endpoint.encoding == _FORM:
        body = urllib.parse.urlencode(fields).encode()
    else:
        body = json.dumps(fields).encode()
    headers = (("Content-Type", endpoint.encoding), ("Accept", "application/json"))
    return HttpRequest("POST", endpoint.url, headers, body)


def refusal(exchange: Exchange) -> str | None:
    """Why the revocation endpoint did not take the request (RFC 7009 §2.2, §2.2.1), or None
    when it answered 200 ("revoked, or was invalid": the same answer either way)."""
    status = exchange.status
    if status == 200:
        return None
    document = _json_object(exchange) or {}
    error = document.get("error")
    if error == "unsupported_token_type":
        return "unsupported_token_type"
    if (status in (400, 401) and error == "invalid_client") or status == 401:
        return "it requires client authentication the scan does not have (invalid_client)"
    return f"it answered {status if status is not None else exchange.error}"


def _client_id(session: ThrowawayView) -> str | None:
    if not session.is_jwt:
        return None
    try:
        claims = parse_compact(session.token).payload or {}
    except JoseError:
        return None
    for name in ("client_id", "azp"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _absolute(ctx: Context, path: str) -> str:
    return path if "://" in path else ctx.url(path)


def _json_object(exchange: Exchange) -> dict[str, object] | None:
    if exchange.response is None:
        return None
    try:
        document = json.loads(exchange.response.body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
