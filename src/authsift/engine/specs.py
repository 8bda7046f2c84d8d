"""Get the API description: a file, a URL (fetched in scope, with credentials if it needs them),
or — when the config names none — the usual places under the target."""

from __future__ import annotations

import asyncio
from pathlib import Path

from authsift.config import Config
from authsift.engine.auth import AuthManager
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession, SessionSettings
from authsift.model import ApiSpec, HttpRequest
from authsift.spec import SPEC_DISCOVERY_PATHS, SpecError, load_spec_bytes, load_spec_file


class SpecUnavailable(Exception):
    """No usable spec: the message says where we looked and what went wrong."""


async def obtain_spec(
    session: HttpSession, config: Config, config_dir: Path, auth: AuthManager
) -> ApiSpec:
    source = config.spec
    if source and not source.startswith(("http://", "https://")):
        path = Path(source) if Path(source).is_absolute() else config_dir / source
        if path.is_file() or not source.startswith(
            "/"
        ):  # "/openapi.json" may be a path on the target
            return load_local_spec(path)
    candidates = [source] if source else list(SPEC_DISCOVERY_PATHS)
    tried: list[str] = []
    for candidate in candidates:
        url = candidate if candidate.startswith("http") else config.target.rstrip("/") + candidate
        spec = await _fetch(session, url, list(auth.states), tried)
        if spec is not None:
            return spec
    raise SpecUnavailable("no OpenAPI spec found: " + "; ".join(tried))


def fetch_spec(url: str, *, timeout: float = 10.0) -> ApiSpec:
    """One anonymous GET of a spec URL, outside any scan (`authsift init --spec URL`): the
    URL's origin is the only one in scope, and nothing else is sent."""

    async def fetch() -> ApiSpec:
        settings = SessionSettings(rate=0, concurrency=1, max_requests=10, timeout=timeout)
        tried: list[str] = []
        async with HttpSession(Scope(url), settings) as session:
            spec = await _fetch(session, url, [], tried)
        if spec is None:
            raise SpecUnavailable("cannot load the spec: " + "; ".join(tried))
        return spec

    return asyncio.run(fetch())


def load_local_spec(path: Path) -> ApiSpec:
    if not path.is_file():
        raise SpecUnavailable(f"spec file not found: {path}")
    try:
        return load_spec_file(path)
    except SpecError as exc:
        raise SpecUnavailable(f"spec: {exc}") from exc


async def _fetch(
    session: HttpSession, url: str, identities: list[str], tried: list[str]
) -> ApiSpec | None:
    request = HttpRequest(
        "GET", url, (("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5"),)
    )
    for identity in [
        None,
        *identities[:1],
    ]:  # anonymous first; then with credentials if it needs them
        exchange = await session.send(request, identity=identity, follow_redirects=True)
        response = exchange.response
        if response is None:
            tried.append(f"{url}: {exchange.error}")
            return None
        if response.status in (401, 403):
            continue
        if response.status != 200:
            tried.append(f"{url}: {response.status}")
            return None
        try:
            return load_spec_bytes(response.body, source=url)
        except SpecError as exc:
            tried.append(f"{url}: {exc}")
            return None
    tried.append(f"{url}: refused" + (" even with credentials" if identities else ""))
    return None
