"""What an unlisted endpoint's answer gives away: secrets. Pure; shared by
`authz-unlisted-endpoint` and `transport-debug-log-exposure` (whether an answer is data at all is
`analysis.answers.data_reason`).

Secrets are: the scan's canary credential or another identity's credential echoed back (request
logs with their `Authorization` headers), credential headers recorded in the body, secret-named
properties with a concrete value (`DB_PASSWORD`, `jwt_secret`, `api_key`), `.env`-style
`NAME=value` lines of the same kind, and URLs with a password in them
(`postgres://user:pw@host`). Masked values (`******`, `<redacted>`, empty) do not count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from authsift.analysis.bodies import (
    body_text,
    json_body,
    json_leaves,
    last_key,
)
from authsift.model import Exchange, HttpResponse

_SECRET_KEY = re.compile(
    r"(password|passwd|pwd|secret|token|apikey|accesskey|privatekey|credential|signingkey"
    r"|jwtkey|sessionkey|encryptionkey|clientsecret|dsn|connectionstring)",
)
_NOT_A_SECRET = re.compile(
    r"(type|expires?|expiry|expiresin|expiresat|ttl|length|count|id|url|uri|endpoint|header"
    r"|name|policy|enabled|required|rotation|algorithm|alg)$"
)
_HEADER_KEY = re.compile(r"^(authorization|proxyauthorization|cookie|xapikey|apikey|xauthtoken)$")
_MASKED = re.compile(
    r"^(\*+|x{3,}|•+|<[^>]*>|\[?redacted\]?|\[?hidden\]?|null|none|changeme)$", re.I
)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@\"']+:([^\s/@\"']+)@", re.I)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.+?)\s*$")
MIN_SECRET = 6  # shorter values are placeholders or flags, not secrets


@dataclass(frozen=True, slots=True)
class Leak:
    kind: str  # "canary" | "credential" | "credential header" | "secret" | "url password"
    where: str  # the property path or line that carries it
    value: str

    @property
    def is_credential(self) -> bool:
        """A live credential of some session: the worst kind of leak."""
        return self.kind in {"canary", "credential", "credential header"}


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def leaks(response: HttpResponse | None, known: Mapping[str, str] = {}) -> list[Leak]:
    """Secrets in the answer; `known` maps a value the scan planted or holds (canary, the
    identities' credentials) to its kind."""
    if response is None or not 200 <= response.status < 300:
        return []
    text = body_text(response, limit=1024 * 1024)
    found: list[Leak] = []
    for value, kind in known.items():
        if value and value in text:
            found.append(Leak(kind, "body", value))
    parsed = json_body(response)
    pairs: Iterable[tuple[str, str]]
    if parsed is not None:
        pairs = (
            (path, str(leaf))
            for path, leaf in json_leaves(parsed.value)
            if isinstance(leaf, str | int) and not isinstance(leaf, bool)
        )
    else:
        pairs = _env_pairs(text)
    for where, value in pairs:
        key = _norm(last_key(where) if where.startswith("$") else where)
        found.extend(_leak_in(where, key, value.strip()))
    return _unique(found)


def _leak_in(where: str, key: str, value: str) -> list[Leak]:
    if len(value) < MIN_SECRET or _MASKED.match(value):
        return []
    if _HEADER_KEY.match(key):
        return [Leak("credential header", where, value)]
    password = _URL_PASSWORD.search(value)
    if password and not _MASKED.match(password.group(1)):
        return [Leak("url password", where, password.group(1))]
    if _SECRET_KEY.search(key) and not _NOT_A_SECRET.search(key) and " " not in value:
        return [Leak("secret", where, value)]
    return []


def _env_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines()[:2000]:
        match = _ENV_LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            pairs.append((match.group(1), match.group(2).strip("'\"")))
    return pairs


def _unique(found: list[Leak]) -> list[Leak]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for leak in found:
        if (leak.kind, leak.value) not in seen:
            seen.add((leak.kind, leak.value))
            kept.append(leak)
    return kept


_KIND_WORDS = {
    "canary": ("the scan's canary token", "the scan's canary token"),
    "credential": ("a scan identity's credential", "{n} credentials of scan identities"),
    "credential header": ("a recorded credential header", "{n} recorded credential headers"),
    "secret": ("a secret-named setting", "{n} secret-named settings"),
    "url password": ("a URL with a password", "{n} URLs with a password"),
}


def summary(found: Iterable[Leak], limit: int = 3) -> str:
    """`the canary token, 3 recorded credential headers ($.traces[*].headers.authorization)`."""
    by_kind: dict[str, list[Leak]] = {}
    for leak in found:
        by_kind.setdefault(leak.kind, []).append(leak)
    parts = []
    for kind, items in by_kind.items():
        one, many = _KIND_WORDS.get(kind, (kind, "{n} " + kind))
        text = one if len(items) == 1 else many.format(n=len(items))
        places = list(dict.fromkeys(leak.where for leak in items if leak.where != "body"))
        if places:
            shown = ", ".join(f"`{p}`" for p in places[:limit]) + (
                " …" if len(places) > limit else ""
            )
            text += f" ({shown})"
        parts.append(text)
    return ", ".join(parts)


def register_and_mask(
    exchange: Exchange, found: Iterable[Leak], add_secret: Callable[[str, str], None]
) -> Exchange:
    """The answer as evidence: server secrets (settings, URL passwords) are registered with the
    engine's redactor so that no output shows them; credential values (recorded headers, other
    sessions' tokens) are masked in this evidence only, because the scan's own credentials,
    and near copies of them, already have their names in the redactor. The canary stays."""
    response = exchange.response
    if response is None:
        return exchange
    body = response.body
    for number, leak in enumerate(found, 1):
        if leak.kind in {"secret", "url password"}:
            add_secret(leak.value, f"$LEAKED_SECRET_{number}")
        elif leak.kind != "canary":
            body = body.replace(leak.value.encode(), b"[credential masked by authsift]")
    return replace(exchange, response=replace(response, body=body))
