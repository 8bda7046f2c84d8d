"""Quickstart without reading the source: `authsift init` and what `authsift lab` tells a user.

`init` reads the spec from a file or a URL. From a URL it also knows where the API is: the spec
URL's origin, joined with the spec's first server when that server is on the same origin
(`servers: [{url: /api/v1}]`). A server on another origin is never taken on trust — a spec
served by a staging host often names production — so the target then stays the origin the spec
came from, and the user is told.

`authsift lab` prints the lab's accounts (lab-only, public, worthless elsewhere) and a quickstart
whose identity names are the ones `authsift init` writes, so it runs with no editing.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from authsift.config.starter import STARTER_IDENTITIES, starter_config
from authsift.engine.scope import ScopeError, origin_of
from authsift.engine.specs import SpecUnavailable, fetch_spec, load_local_spec
from authsift.lab.apikeys import ApiKeyStore
from authsift.lab.flaws import FLAWS, LabSettings
from authsift.lab.users import DEFAULT_USERS

DEFAULT_TARGET = "http://127.0.0.1:8000"
LAB_LOGIN_PATH = "/auth/login"
LAB_SPEC_PATH = "/openapi.json"


class InitError(Exception):
    """`authsift init` cannot write a starter: the message is the one line the user sees."""


@dataclass(frozen=True, slots=True)
class Starter:
    path: Path
    target: str
    target_source: str  # how the target was chosen, for the user
    variables: tuple[str, ...]  # the environment variables the config reads


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def target_from_spec_url(spec_url: str, servers: tuple[str, ...]) -> tuple[str, str]:
    """The API's base URL for a spec fetched from `spec_url`, and how it was chosen."""
    origin = _origin(spec_url)
    server = servers[0] if servers else "/"
    resolved = urljoin(spec_url, server)  # OpenAPI: a relative server is relative to the spec URL
    try:
        same_origin = origin_of(resolved) == origin_of(spec_url)
    except ScopeError:
        same_origin = False
    if same_origin:
        target = resolved.split("?", 1)[0].split("#", 1)[0].rstrip("/") or origin
        how = "from the spec URL" if target == origin else f"from the spec URL and server {server}"
        return target, how
    return origin, (
        f"from the spec URL; the spec's server {server} is on another origin and was not "
        "taken: pass --target to scan it"
    )


def write_starter(spec: str, target: str | None, output: Path, *, force: bool) -> Starter:
    """Read the spec (file or URL), choose the target, write the commented starter config."""
    if output.exists() and not force:
        raise InitError(f"{output} exists (use --force to overwrite)")
    try:
        api = fetch_spec(spec) if is_url(spec) else load_local_spec(Path(spec))
    except (SpecUnavailable, ScopeError) as exc:
        raise InitError(str(exc)) from None
    if target is not None:
        chosen, how = target, "from --target"
    elif is_url(spec):
        chosen, how = target_from_spec_url(spec, api.servers)
    else:
        chosen, how = DEFAULT_TARGET, "a default: edit `target`, or pass --target"
    if not is_url(spec):  # the config resolves a spec file relative to itself
        relative = os.path.relpath(Path(spec).resolve(), output.resolve().parent)
        api = dataclasses.replace(api, source=Path(relative).as_posix())
    text = starter_config(api, chosen)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InitError(f"cannot write {output}: {exc.strerror or exc}") from None
    variables = tuple(sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))))
    return Starter(output, chosen, how, variables)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# ---------------------------------------------------------------------------- authsift lab


def lab_guide(settings: LabSettings, base_url: str) -> Iterator[str]:
    """What `authsift lab` prints once it listens: rich markup, one line per item, copyable."""
    flaws = "hardened: every flaw off" if settings.hardened else f"{len(settings.flaws)} flaw(s) on"
    if not settings.hardened and len(settings.flaws) == len(FLAWS):
        flaws = f"all {len(FLAWS)} flaws on"
    yield f"[bold]authsift lab[/] on {base_url} ({flaws}; loopback only) — Ctrl-C stops it"
    yield f"  spec: {base_url}{LAB_SPEC_PATH}"
    yield ""
    yield (
        "[bold yellow]Lab-only credentials[/]: published with authsift, worthless anywhere "
        "else; never reuse them."
    )
    width = max(len(user.username) for user in DEFAULT_USERS)
    for user in DEFAULT_USERS:
        note = "  (also the OAuth client: client_credentials at /oauth/token)"
        yield (
            f"  {user.username:<{width}}  {user.role:<7}  password {user.password}"
            + (note if user.role == "service" else "")
        )
    yield (
        f"  log in: POST {base_url}{LAB_LOGIN_PATH} with "
        '{"username": "alice", "password": "alice-lab-pass-1"} → access_token, refresh_token'
    )
    store = ApiKeyStore(settings)
    keys = ", ".join(f"{name} {value}" for name, value in store.seeded_values.items())
    yield f"  API keys (header X-API-Key): {keys}"
    yield ""
    yield from _quickstart(base_url)


def _quickstart(base_url: str) -> Iterator[str]:
    by_name = {user.username: user for user in DEFAULT_USERS}
    names = [name for name, _ in STARTER_IDENTITIES]
    exports = " ".join(
        f"{name.upper()}_PASSWORD={by_name[name].password}" for name in names if name in by_name
    )
    yield (
        "[bold]Quickstart[/], in another terminal (`authsift init` names its identities "
        f"{', '.join(names[:-1])} and {names[-1]}, as the lab does):"
    )
    yield f"  authsift init --spec {base_url}{LAB_SPEC_PATH}"
    yield f"  export {exports}"
    yield "  authsift scan -c authsift.yaml --dry-run"
    yield "  authsift scan -c authsift.yaml"
    yield "Or all in one, on a lab of its own: authsift demo"
