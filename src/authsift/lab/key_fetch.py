"""Fetch a JWK Set from a URL a token names (`jku`, or `iss` metadata) — loopback only.

The lab lets two flaws fetch keys from attacker-chosen URLs (`jwt-remote-key-url-injection`,
`jwt-issuer-not-validated`), because that is how those bugs look in real code. The lab itself must
never become an SSRF gadget against anything but this machine, so this fetcher refuses every URL
whose host is not a loopback IP literal, ignores proxy settings, never follows redirects, and
reads at most 64 KiB with a short timeout, whatever flaw is on.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

_TIMEOUT_SECONDS = 2.0
_MAX_BYTES = 64 * 1024


class KeyFetchRefused(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError instead of a request to wherever it points


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def is_loopback_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        return (
            parts.scheme == "http" and host is not None and ipaddress.ip_address(host).is_loopback
        )
    except ValueError:
        return False


def _fetch_sync(url: str) -> dict[str, Any]:
    try:
        with _OPENER.open(url, timeout=_TIMEOUT_SECONDS) as response:
            body = response.read(_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError) as error:
        raise KeyFetchRefused(f"fetch failed: {error}") from error
    if len(body) > _MAX_BYTES:
        raise KeyFetchRefused("key set too large")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise KeyFetchRefused("not JSON") from error
    if not isinstance(document, dict):
        raise KeyFetchRefused("not a JWK Set")
    return document


async def fetch_jwks(url: str) -> dict[str, Any]:
    """The JSON document at `url` if it is `http://<loopback IP>…`, else KeyFetchRefused."""
    if not is_loopback_http_url(url):
        raise KeyFetchRefused("the lab only fetches from loopback addresses")
    return await asyncio.to_thread(_fetch_sync, url)
