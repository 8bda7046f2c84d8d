"""What in an answer the caller should not see: credential material and undeclared properties.

Pure functions over parsed JSON. A key *name* alone proves nothing (`token_type`,
`password_version`, `api_key_prefix` are harmless), so credential material needs both a
credential-like key and a value shaped like a secret: a bcrypt/argon2/crypt hash, a hex digest,
a JWT, a PEM private key, or a long high-entropy string. Undeclared properties are those the
operation's OpenAPI response schema does not list, found by walking the answer and the schema
together (`allOf`/`anyOf`/`oneOf` merged, arrays through `items`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis.volatile import normalized_key

_CREDENTIAL_KEY = re.compile(
    r"^(?:password|passwd|pwd|passcode|pass)(?:hash|digest|plain|plaintext)?$"
    r"|^(?:hashed|encrypted|current|old|new|user)?(?:password|passwd)(?:hash|digest)?$"
    r"|^(?:password|pwd)?(?:hash|salt)$"
    r"|secret$|^secret|privatekey|apikey$|^apikey|accesskey|signingkey"
    r"|(?:access|refresh|id|auth|session|bearer|api|reset|verification|csrf)token$|^token$"
    r"|^(?:otp|totp|hotp|otpcode|mfacode|mfasecret|totpsecret|recoverycodes?|backupcodes?)$"
)
# Metadata about a credential, not the credential (`password_version`, `token_type`…).
_METADATA_SUFFIX = re.compile(
    r"(?:version|type|at|in|expires|expiry|expiration|count|length|changed|set|required|policy"
    r"|hint|id|ids|prefix|suffix|last4|enabled|url|uri|endpoint|name|algorithm|alg|method"
    r"|methods|supported|status|scope|scopes)$"
)
_HASH_SHAPES = (
    re.compile(r"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$"),  # bcrypt
    re.compile(r"^\$argon2(?:id|i|d)\$"),
    re.compile(r"^\$(?:1|5|6|y|7|scrypt|pbkdf2[-\w]*)\$"),  # crypt(3) family
    re.compile(r"^(?:pbkdf2_sha\d+|bcrypt_sha256|sha\d+|md5)\$"),  # Django-style
    re.compile(r"^(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64}|[a-f0-9]{128})$", re.I),
)
_JWT = re.compile(r"^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$")
_PEM_PRIVATE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_MASKED = re.compile(r"^(?:\*+|x+|•+|redacted|hidden|<hidden>|\[redacted\]|null|none|n/a)$", re.I)
_MIN_SECRET = 16
_MIN_ENTROPY = 3.5  # bits per character of a random-looking string
_SENSITIVE_NAME = re.compile(
    r"internal|budget|cost|margin|salary|ssn|socialsecurity|birth|dob|address|phone|mobile"
    r"|role|permission|privilege|admin|disabled|deleted|banned|flag|password|secret|token|hash"
    r"|salt|ipaddress|lastip|creditcard|cardnumber|iban|account",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Exposed:
    path: str  # JSON path in the answer, e.g. $[0].created_by_user.email
    key: str
    value: Any
    why: str


def is_credential_key(key: str) -> bool:
    norm = normalized_key(key)
    return bool(_CREDENTIAL_KEY.search(norm)) and not _METADATA_SUFFIX.search(norm)


def secret_shape(key: str, value: Any) -> str | None:
    """Why `value` looks like a secret (hash, JWT, private key, random string), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or _MASKED.match(text):
        return None
    if any(shape.match(text) for shape in _HASH_SHAPES):
        return "a password hash or digest"
    if _JWT.match(text):
        return "a JWT"
    if _PEM_PRIVATE.search(text):
        return "a PEM private key"
    if len(text) >= _MIN_SECRET and " " not in text and entropy(text) >= _MIN_ENTROPY:
        return "a high-entropy secret"
    if (
        normalized_key(key).startswith(("password", "passwd", "pwd"))
        and len(text) >= 6
        and " " not in text
    ):
        return "a plaintext password"
    return None


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def credential_material(body: Any, own_secrets: frozenset[str]) -> list[Exposed]:
    """Secrets under credential-like keys, except the caller's own current credential."""
    found: list[Exposed] = []
    for path, key, value in walk(body):
        if key is None or not is_credential_key(key) or value in own_secrets:
            continue
        why = secret_shape(key, value)
        if why is not None:
            found.append(Exposed(path, key, value, why))
    return found


def walk(
    body: Any, path: str = "$", key: str | None = None
) -> Iterator[tuple[str, str | None, Any]]:
    """(path, nearest key, scalar) for every scalar, list items keeping their parent's key."""
    if isinstance(body, dict):
        for child_key, child in body.items():
            yield from walk(child, f"{path}.{child_key}", str(child_key))
    elif isinstance(body, list):
        for index, child in enumerate(body):
            yield from walk(child, f"{path}[{index}]", key)
    else:
        yield path, key, body


def leaves(
    body: Any, path: str = "$", key: str | None = None, holders: tuple[Mapping[str, Any], ...] = ()
) -> Iterator[tuple[str, str | None, Any, tuple[Mapping[str, Any], ...]]]:
    """`walk`, with the objects that hold each scalar, innermost first (whose record it is)."""
    if isinstance(body, dict):
        for child_key, child in body.items():
            yield from leaves(child, f"{path}.{child_key}", str(child_key), (body, *holders))
    elif isinstance(body, list):
        for index, child in enumerate(body):
            yield from leaves(child, f"{path}[{index}]", key, holders)
    else:
        yield path, key, body, holders


def undeclared(body: Any, schema: Mapping[str, Any] | None, path: str = "$") -> list[Exposed]:
    """Properties of `body` that `schema` does not declare (only where the schema lists its
    properties and does not allow additional ones)."""
    if not schema:
        return []
    merged = merge_schema(schema)
    found: list[Exposed] = []
    if isinstance(body, dict):
        properties = merged.get("properties")
        extra = merged.get("additionalProperties")
        for key, value in body.items():
            child_path = f"{path}.{key}"
            if isinstance(properties, dict) and key in properties:
                found += undeclared(value, properties[key], child_path)
            elif isinstance(properties, dict) and properties and extra in (None, False):
                found.append(Exposed(child_path, str(key), value, "not in the response schema"))
            elif isinstance(extra, dict):
                found += undeclared(value, extra, child_path)
    elif isinstance(body, list) and isinstance(merged.get("items"), dict):
        for index, item in enumerate(body):
            found += undeclared(item, merged["items"], f"{path}[{index}]")
    return found


def merge_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`allOf`/`anyOf`/`oneOf` folded into one schema: the union of what any branch declares
    (an answer matching *some* branch may carry that branch's properties)."""
    merged: dict[str, Any] = {
        k: v for k, v in schema.items() if k not in ("allOf", "anyOf", "oneOf")
    }
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    for combinator in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(combinator) or []:
            if not isinstance(branch, Mapping):
                continue
            sub = merge_schema(branch)
            properties.update(sub.get("properties") or {})
            if sub.get("additionalProperties") not in (None, False):
                merged["additionalProperties"] = sub["additionalProperties"]
            if "items" in sub and "items" not in merged:
                merged["items"] = sub["items"]
    if properties:
        merged["properties"] = properties
    return merged


def declared_keys(schema: Mapping[str, Any] | None) -> set[str]:
    """Every property name a response schema declares, at any depth."""
    keys: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            properties = node.get("properties")
            if isinstance(properties, Mapping):
                keys.update(str(k) for k in properties)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


def looks_sensitive(key: str) -> bool:
    return bool(_SENSITIVE_NAME.search(normalized_key(key)))
