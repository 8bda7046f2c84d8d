"""Candidates derived from the target: ``acme-secret``, ``Acme2024``, ``acme_jwt_secret``.

Teams name their signing secret after the product: the host's labels, the API's title, the
token's ``iss`` and ``aud`` give the stems (``auth.acme-corp.io`` → ``acme-corp``, ``acme``,
``corp``, ``acmecorp``, ``acme_corp``, each lower, Capitalised and UPPER). The parent derives
the few stems; a worker combines them with the affixes (``secret``, ``-key``, years, ``123``…)
for the index range it is handed (``Derived.words``), like a mask.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Labels and words that name no product: TLDs, infrastructure, API boilerplate.
_GENERIC_WORDS = """
    www api apis com net org io co uk de fr eu us app apps dev local localhost internal example
    invalid test staging stage prod production sandbox auth oauth oauth2 oidc login sso id
    identity accounts account gateway gw realms realm v1 v2 v3 rest service services server
    backend the and of for http https openapi swagger docs
"""
GENERIC = frozenset(_GENERIC_WORDS.split())
#: Stems kept at most (in order of appearance): the derived keyspace stays a few thousand.
MAX_STEMS = 48
MIN_STEM = 3

_WORD = re.compile(r"[A-Za-z0-9]+")
_SUFFIXES = (
    *("", "secret", "-secret", "_secret", "Secret", ".secret"),
    *("key", "-key", "_key", "Key", "-secret-key", "_secret_key", "SecretKey", "-signing-key"),
    *("jwt", "-jwt", "_jwt", "Jwt", "-jwt-secret", "_jwt_secret", "JwtSecret", "-jwt-key"),
    *("-token", "_token", "-token-secret", "-auth", "_auth", "-api", "_api", "-dev", "-prod"),
    *("1", "12", "123", "1234", "12345", "123456", "!", "123!", "@123", "#1", "!@#"),
)
_PREFIXES = ("jwt-", "jwt_", "secret-", "secret_", "my-", "my", "super-secret-", "supersecret")
_YEAR_FORMS = ("{}", "-{}", "_{}", "@{}", "{}!")


def affixes(today: dt.date | None = None) -> tuple[tuple[bytes, bytes], ...]:
    """(prefix, suffix) pairs every stem is combined with; years from 2015 to next year."""
    year = (today or dt.datetime.now(dt.UTC).date()).year
    years = [form.format(y) for y in range(2015, year + 2) for form in _YEAR_FORMS]
    pairs = [("", suffix) for suffix in (*_SUFFIXES, *years)]
    pairs += [(prefix, "") for prefix in _PREFIXES]
    return tuple((prefix.encode(), suffix.encode()) for prefix, suffix in pairs)


@dataclass(frozen=True)
class Derived:
    """Stems × affixes, enumerated stem by stem (the most telling stems come first)."""

    stems: tuple[bytes, ...]
    affixes: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        return len(self.stems) * len(self.affixes)

    def words(self, start: int, stop: int) -> list[bytes]:
        pairs, count = self.affixes, len(self.affixes)
        stop = min(stop, self.size)
        out: list[bytes] = []
        for stem_index in range(start // count, (stop - 1) // count + 1 if stop > start else 0):
            stem = self.stems[stem_index]
            low = max(start - stem_index * count, 0)
            high = min(stop - stem_index * count, count)
            out += [prefix + stem + suffix for prefix, suffix in pairs[low:high]]
        return out


def derived(texts: Iterable[str], today: dt.date | None = None) -> Derived:
    """The keyspace derived from ``texts``: URLs, host names, ``iss``/``aud`` values, titles."""
    return Derived(stems_from(texts), affixes(today))


def claim_texts(claims: Mapping[str, Any] | None) -> list[str]:
    """The token's ``iss`` and ``aud`` (a string or a list of strings), as texts to derive from."""
    if not claims:
        return []
    texts: list[str] = []
    for name in ("iss", "aud"):
        value = claims.get(name)
        values = value if isinstance(value, list) else [value]
        texts += [item for item in values if isinstance(item, str) and item]
    return texts


def stems_from(texts: Iterable[str]) -> tuple[bytes, ...]:
    """Distinct stems in order of appearance: names first, then their case variants."""
    names: list[str] = []
    for text in texts:
        names += _names(text.strip())
    seen: set[str] = set()
    ordered: list[str] = []
    for name in names:
        for form in (name, name.lower(), name.capitalize(), name.upper()):
            if len(form) >= MIN_STEM and form not in seen:
                seen.add(form)
                ordered.append(form)
    return tuple(stem.encode() for stem in ordered[:MAX_STEMS])


def _names(text: str) -> list[str]:
    """Product names in one text: a URL's host and path, a bare host, or a title."""
    if not text:
        return []
    if "://" in text:
        parts = urlsplit(text)
        path_words = [s for s in parts.path.split("/") if s and s.lower() not in GENERIC]
        return _host_names(parts.hostname or "") + [n for s in path_words for n in _title(s)]
    if " " not in text and "." in text:
        return _host_names(text.split(":")[0])
    return _title(text)


def _host_names(host: str) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return []  # 127.0.0.1 names nothing
    except ValueError:
        pass
    names: list[str] = []
    for label in host.lower().split("."):
        if label and label not in GENERIC:
            names += _title(label)
    return names


def _title(text: str) -> list[str]:
    """``Acme Billing API`` → acme-billing, acmebilling, acme_billing, AcmeBilling, Acme…"""
    words = [w for w in _WORD.findall(text) if w.lower() not in GENERIC]
    if not words:
        return []
    joined: list[str] = []
    if len(words) > 1:
        lower = [w.lower() for w in words]
        joined = ["-".join(lower), "".join(lower), "_".join(lower), "".join(map(str.title, words))]
    whole = [text] if " " not in text and text not in joined and len(words) > 1 else []
    return [*joined[:1], *whole, *joined[1:], *words]
