"""Compact JWS parsing and assembly *without* validation (RFC 7515 §3.1, §7.1).

Why hand-rolled: every JOSE library refuses to produce the broken tokens authsift must send
(``alg: none``, stripped or garbled signatures, headers pointing at attacker keys). Parsing keeps
the three base64url segments exactly as received so a forgery can reuse them byte for byte.

RFC 7515 §7.1: "BASE64URL(UTF8(JWS Protected Header)) || '.' || BASE64URL(JWS Payload) || '.' ||
BASE64URL(JWS Signature)". RFC 7515 §2 defines base64url "with all trailing '=' characters
omitted".
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from authsift.jose.errors import JoseError

_B64URL_ALPHABET = re.compile(r"^[A-Za-z0-9_\-]*={0,2}$")


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as RFC 7515 §2 requires for every JWS segment."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Decode a base64url segment, tolerating absent padding; ``JoseError`` on anything else.

    Standard base64 characters (``+``, ``/``) are rejected: RFC 7515 Appendix C allows only the
    URL-safe alphabet, and silently accepting them would hide a mangled token from the user.
    """
    text = segment.strip()
    if not _B64URL_ALPHABET.match(text):
        raise JoseError(f"not base64url: {_preview(text)!r}")
    text = text.rstrip("=")
    if len(text) % 4 == 1:
        raise JoseError(f"impossible base64url length {len(text)}: {_preview(text)!r}")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - alphabet already checked
        raise JoseError(f"not base64url: {_preview(text)!r}") from exc


@dataclass(frozen=True)
class CompactJws:
    """A parsed compact JWS; nothing here has been verified.

    ``payload`` is ``None`` when the payload is not a JSON object (RFC 7515 allows any octets;
    only a JWT (RFC 7519 §7.2 step 10) requires a JSON object).
    """

    header: dict[str, Any]
    payload: dict[str, Any] | None
    raw_header: str
    raw_payload: str
    raw_signature: str

    @property
    def signing_input(self) -> bytes:
        """RFC 7515 §5.1 step 8: ASCII(BASE64URL(header) || '.' || BASE64URL(payload))."""
        return f"{self.raw_header}.{self.raw_payload}".encode("ascii")

    @property
    def signature(self) -> bytes:
        """The decoded signature octets (empty for an unsecured JWS)."""
        return b64url_decode(self.raw_signature)

    @property
    def payload_bytes(self) -> bytes:
        """The decoded payload octets, for payloads that are not JSON objects."""
        return b64url_decode(self.raw_payload)

    @property
    def alg(self) -> str | None:
        """The header ``alg`` when it is a string, else ``None``."""
        value = self.header.get("alg")
        return value if isinstance(value, str) else None


def parse_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS without checking its signature.

    RFC 7515 §5.2 step 1: "Parse the JWS representation to extract the serialized values" — three
    parts separated by two periods; step 3 requires the header to be a JSON object.
    """
    text = token.strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    parts = text.split(".")
    if len(parts) == 5:
        raise JoseError(
            "this is a JWE (5 parts), not a JWS; it cannot be inspected without the key"
        )
    if len(parts) != 3:
        raise JoseError(f"a compact JWS has 3 dot-separated parts, this has {len(parts)}")
    raw_header, raw_payload, raw_signature = parts
    header = _decode_json_object(raw_header, "header")
    if header is None:
        raise JoseError("the JWS header is not a JSON object")
    payload = _decode_json_object(raw_payload, "payload")
    b64url_decode(raw_signature)
    return CompactJws(header, payload, raw_header, raw_payload, raw_signature)


def assemble(
    header: dict[str, Any] | str,
    payload: dict[str, Any] | str,
    signature: bytes | str = b"",
) -> str:
    """Build ``h.p.s`` from parts: dicts are compact JSON then base64url, strings used as-is.

    Strings are taken as already-encoded segments so a forgery can keep the original bytes (a
    re-serialised header would change the signing input and spoil a "signature kept" variant).
    """
    header_segment = header if isinstance(header, str) else b64url_encode(json_bytes(header))
    payload_segment = payload if isinstance(payload, str) else b64url_encode(json_bytes(payload))
    signature_segment = signature if isinstance(signature, str) else b64url_encode(signature)
    return f"{header_segment}.{payload_segment}.{signature_segment}"


def json_bytes(value: dict[str, Any]) -> bytes:
    """Compact JSON, the way most issuers serialise JOSE headers and claims."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decode_json_object(segment: str, what: str) -> dict[str, Any] | None:
    raw = b64url_decode(segment)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        if what == "header":
            raise JoseError(f"the JWS {what} is not JSON: {_preview(segment)!r}") from None
        return None
    return value if isinstance(value, dict) else None


def _preview(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
