"""Get the API description: a file, a URL (fetched in scope, with credentials if it needs them),
or — when the config names none — the usual places under the target."""

from __future__ import annotations

from pathlib import Path

from authsift.config import Config
from authsift.engine.auth import AuthManager
from authsift.engine.session import HttpSession
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
    tried.append(f"{url}: refused even with credentials")
    return None
