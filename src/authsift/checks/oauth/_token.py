"""The token endpoint (RFC 6749 §3.2) as a client calls it, with every client authentication
the checks need to try (RFC 6749 §2.3.1: Basic with form-urlencoded parts, or body parameters),
or none at all. Tokens in answers are registered with the redactor before anyone sees them.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest


async def token_request(
    ctx: Context,
    endpoint: str,
    fields: dict[str, str],
    *,
    client: dict[str, Any] | None,
    auth: str | None = None,
    dpop: str | None = None,
) -> Exchange:
    """One token-endpoint request (RFC 6749 §3.2); tokens in the answer are redacted. `dpop`:
    a proof for the request's `DPoP` header (RFC 9449 §5)."""
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ]
    if dpop is not None:
        headers.append(("DPoP", dpop))
    body = dict(fields)
    if client is not None:
        method = auth or str(client.get("auth_method") or "client_secret_basic")
        client_id, secret = str(client["client_id"]), client.get("client_secret")
        if method == "client_secret_basic" and secret:
            # RFC 6749 §2.3.1: client_id and secret form-urlencoded before Basic encoding
            pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(str(secret))}"
            headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
        elif method == "client_secret_post" and secret:
            body.update(client_id=client_id, client_secret=str(secret))
        else:
            body["client_id"] = client_id
    encoded = urllib.parse.urlencode(body).encode()
    exchange = await ctx.send(HttpRequest("POST", endpoint, tuple(headers), encoded), ceremony=True)
    for name, value in token_answer(exchange).items():
        if name in ("access_token", "refresh_token", "id_token") and isinstance(value, str):
            ctx.add_secret(value, f"$OAUTH_{name.upper()}")
    return exchange


def token_answer(exchange: Exchange) -> dict[str, Any]:
    """The JSON object of a token response, {} when there is none."""
    if exchange.response is None:
        return {}
    try:
        body = json.loads(exchange.response.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
