"""The scope guard: the scanner talks only to the target's origin and to origins listed in `scope`.

Spec `servers` never widen scope, and redirects are followed only when their target is in scope:
a scanner that can be steered elsewhere by what the target says is a scanner that attacks
third parties.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

_DEFAULT_PORTS = {"http": 80, "https": 443}


class ScopeError(Exception):
    """A request was about to leave scope. Never caught to "retry elsewhere"."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        default = _DEFAULT_PORTS.get(self.scheme)
        port = "" if self.port == default else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}"


def origin_of(url: str) -> Origin:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ScopeError(f"not an absolute http(s) URL: {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise ScopeError(f"bad port in {url!r}") from exc
    return Origin(parts.scheme, parts.hostname.lower(), port)


class Scope:
    """Origins (scheme, host, port) the scan may reach.

    `scope` entries are either full origins (`https://api.example:8443`) or `host:port`
    (either scheme); a bare host allows that host on the target's port only, so that widening is
    always explicit.
    """

    def __init__(self, target: str, extra: list[str] | tuple[str, ...] = ()) -> None:
        self.target = origin_of(target)
        self._origins: set[Origin] = {self.target}
        self._host_ports: set[tuple[str, int]] = set()
        self._decisions: dict[str, bool] = {}
        for entry in extra:
            self._add(entry)

    def _add(self, entry: str) -> None:
        entry = entry.strip()
        if "://" in entry:
            self._origins.add(origin_of(entry))
            return
        host, _, port_text = entry.rpartition(":")
        if not host or not port_text.isdigit():
            host, port_text = entry, str(self.target.port)
        self._host_ports.add((host.strip("[]").lower(), int(port_text)))

    def allows(self, url: str) -> bool:
        # Cached per "scheme://authority": every request is checked, most share an origin.
        scheme, _, rest = url.partition("://")
        authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        key = f"{scheme.lower()}://{authority}"
        cached = self._decisions.get(key)
        if cached is None:
            cached = self._decide(url)
            if len(self._decisions) < 1024:
                self._decisions[key] = cached
        return cached

    def _decide(self, url: str) -> bool:
        try:
            origin = origin_of(url)
        except ScopeError:
            return False
        return origin in self._origins or (origin.host, origin.port) in self._host_ports

    def check(self, url: str) -> None:
        if not self.allows(url):
            raise ScopeError(
                f"{url} is out of scope (target {self.target}); add it to `scope` to allow it"
            )

    def describe(self) -> list[str]:
        return sorted(str(o) for o in self._origins) + sorted(
            f"{h}:{p}" for h, p in self._host_ports
        )


def require_issuer_origin(url: str, oauth: dict[str, object] | None) -> None:
    """A request of an OAuth ceremony goes to the configured authorization server, nowhere else:
    only there may it be a POST in a read-only scan (as the engine's own logins are)."""
    issuer = (oauth or {}).get("issuer")
    if not isinstance(issuer, str) or origin_of(url) != origin_of(issuer):
        raise ScopeError(f"{url} is not at the configured authorization server (oauth.issuer)")
