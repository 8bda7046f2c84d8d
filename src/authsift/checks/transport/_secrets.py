"""What a secret looks like in a response: detect-secrets' maintained plugins, plus the few
formats only a scanner of authentication cares about (password hashes, TOTP seeds).

detect-secrets (Yelp) brings the vendor patterns (AWS, GitHub, Slack, Stripe, private keys…) and
its keyword detector (`"password": "…"`, `"client_secret": "…"`, `DB_PASSWORD=…`). Its entropy
plugins are left out on purpose: a UUID, a SHA-256 of public data and every opaque id would be
"high entropy". So is its JWT plugin: a JWT in a response is judged by whose it is (the scan's
own tokens, `ctx.secrets_in`), not by its shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detect_secrets.plugins.base import BasePlugin

_LEFT_OUT = frozenset(
    {"Base64HighEntropyString", "HexHighEntropyString", "JwtTokenDetector", "IPPublicDetector"}
)

# Password-hash formats with a fixed, self-describing shape: the PHC string format
# ($argon2id$v=19$m=…, $scrypt$, $pbkdf2-sha256$ of passlib), the modular crypt format
# ($2b$ bcrypt, $1$ MD5-crypt, $5$/$6$ SHA-crypt, $y$ yescrypt) and Django's
# `algorithm$iterations$salt$hash`. A plain hex digest is not among them: it is as likely a
# checksum of public data.
_HASHES = (
    ("bcrypt", re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")),
    ("argon2", re.compile(r"\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/.=-]+")),
    ("scrypt", re.compile(r"\$scrypt\$[^\s\"$]+\$[A-Za-z0-9+/.=]+\$[A-Za-z0-9+/.=]+")),
    (
        "pbkdf2",
        re.compile(
            r"(?:\$pbkdf2(?:-sha\d+)?\$\d+\$[A-Za-z0-9+/.=]+\$[A-Za-z0-9+/.=]{16,}"
            r"|pbkdf2_sha\d+\$\d+\$[A-Za-z0-9+/.=]+\$[A-Za-z0-9+/=]{16,})"
        ),
    ),
    ("crypt", re.compile(r"\$(?:1|5|6|y|md5|sha1)\$[^\s\"$]{1,64}\$[./A-Za-z0-9]{22,}")),
)
# An otpauth:// URI (Google Authenticator key-URI format) carries the TOTP/HOTP seed itself.
_OTPAUTH = re.compile(r"otpauth://[th]otp/[^\s\"']*[?&]secret=[A-Z2-7]{16,}", re.IGNORECASE)
# A base32 seed of 16+ characters (RFC 4648 §6) under a member naming an OTP secret.
_SEED_VALUE = re.compile(r"[A-Z2-7]{16,}={0,6}")
_SEED_NAME = re.compile(r"(?:totp|otp|mfa|2fa|two_?factor).*(?:secret|seed|key)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "password hash (bcrypt)", "private key", "Secret Keyword"…
    value: str  # the secret itself: registered with the redactor before anything is reported
    strong: bool  # a server secret or another account's credential by its very shape


@lru_cache(maxsize=1)
def _plugins() -> tuple[BasePlugin, ...]:
    """detect-secrets' plugins, imported on first use (a scan without the review never pays)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    kept = sorted((c for c in classes if c.__name__ not in _LEFT_OUT), key=lambda c: c.__name__)
    return tuple(cls() for cls in kept)


@lru_cache(maxsize=1)
def _keyword() -> BasePlugin:
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def in_text(text: str) -> list[Hit]:
    """Secrets anywhere in a text: hashes, OTP URIs and PEM private keys (whole-body shapes)."""
    hits = [
        Hit(f"password hash ({name})", m.group(0), True)
        for name, pattern in _HASHES
        for m in pattern.finditer(text)
    ]
    hits += [Hit("TOTP seed (otpauth URI)", m.group(0), True) for m in _OTPAUTH.finditer(text)]
    if "PRIVATE KEY" in text:
        for match in re.finditer(
            r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----", text
        ):
            hits.append(Hit("private key (PEM)", match.group(0), True))
    return hits


@lru_cache(maxsize=8192)
def in_member(name: str, value: str) -> tuple[Hit, ...]:
    """Secrets in one JSON member (`"name": "value"`), by detect-secrets' plugins; cached, since
    the same members come back in every baseline."""
    if not _worth_a_look(value):
        return ()
    hits: list[Hit] = []
    if _SEED_NAME.search(name) and _SEED_VALUE.fullmatch(value.replace(" ", "").upper()):
        hits.append(Hit("TOTP seed", value, True))
    line = f'"{name}": "{value}"'
    for plugin in _plugins():
        if type(plugin).__name__ == "PrivateKeyDetector":
            continue  # whole-text shape, see in_text
        for secret in plugin.analyze_line(filename="response.json", line=line, line_number=1):
            found = secret.secret_value or value
            keyword = plugin is _keyword() or type(plugin).__name__ == "KeywordDetector"
            if keyword and not _looks_like_a_secret(found):
                continue
            hits.append(Hit(secret.type, found, not keyword))
    return tuple(hits)


def in_line(line: str) -> tuple[Hit, ...]:
    """Secrets in one line of a text body (`DB_PASSWORD=…`, `key: value`), keyword plugin only."""
    if len(line) > 2000 or ("=" not in line and ":" not in line):
        return ()
    found = _keyword().analyze_line(filename="response.yaml", line=line, line_number=1)
    return tuple(
        Hit(s.type, s.secret_value or "", False)
        for s in found
        if s.secret_value and _looks_like_a_secret(s.secret_value)
    )


def _worth_a_look(value: str) -> bool:
    return 6 <= len(value) <= 4096 and not value.isspace()


def _looks_like_a_secret(value: str) -> bool:
    """A keyword hit whose value is a word of prose ("min 12 characters"), a placeholder
    (`********`, `<redacted>`), a boolean or a date names a setting, not a secret."""
    stripped = value.strip()
    if len(stripped) < 6 or " " in stripped:
        return False
    if set(stripped) <= set("*•xX#.-_") or stripped.lower() in {"redacted", "<redacted>", "hidden"}:
        return False
    if re.search(r"…|\.\.\.|\*{3,}|•{3,}|x{4,}|X{4,}", stripped):
        return False  # masked for display: `whsec_…a5f1`, `sk_live_****4242`
    if stripped.lower() in {"true", "false", "null", "none"}:
        return False
    return not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]?[\d:.+Z-]*", stripped)
