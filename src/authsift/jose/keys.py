"""Public keys: their byte serialisations, JWK ⇄ key, and JWKS loading (RFC 7517, RFC 7518 §6).

Why the serialisations matter: an RS/ES→HS confusion (RFC 8725 §2.1) only works when the
attacker's HMAC secret is the *exact* byte string the server passes to its verify call, so we
enumerate every form a key commonly takes on disk or on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from authsift.jose.errors import JoseError
from authsift.jose.jws import b64url_decode, b64url_encode

#: RFC 7517 §9.3 / RFC 7518 §6.2.2, §6.3.2: members that must never appear in a public JWK.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
    "secp256k1": ec.SECP256K1(),
}
_CURVE_NAMES = {curve.name: name for name, curve in _CURVES.items()}


@dataclass(frozen=True)
class JwkEntry:
    """One key of a JWKS, with what a hygiene check needs to judge it.

    ``public_key`` is ``None`` for symmetric (``oct``) keys and key types we cannot load.
    ``private_members`` lists the private-key members present (any is a leak, OIDC-Disc §3).
    """

    kid: str | None
    kty: str
    alg: str | None
    use: str | None
    public_key: Any
    raw: dict[str, Any] = field(repr=False)
    private_members: tuple[str, ...] = ()
    size_bits: int | None = None


def public_jwk(public_key: Any, kid: str | None = None) -> dict[str, Any]:
    """The public JWK of a key (RFC 7518 §6.3.1 RSA, §6.2.1 EC; RFC 8037 §2 OKP)."""
    key = _as_public_key(public_key)
    jwk: dict[str, Any]
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        jwk = {"kty": "RSA", "e": _int_b64(numbers.e), "n": _int_b64(numbers.n)}
    elif isinstance(key, ec.EllipticCurvePublicKey):
        size = (key.curve.key_size + 7) // 8
        point = key.public_numbers()
        # RFC 7518 §6.2.1.2: "The length of this octet string MUST be the full size of a
        # coordinate for the curve".
        jwk = {
            "kty": "EC",
            "crv": _CURVE_NAMES.get(key.curve.name, key.curve.name),
            "x": b64url_encode(point.x.to_bytes(size, "big")),
            "y": b64url_encode(point.y.to_bytes(size, "big")),
        }
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        crv = "Ed25519" if isinstance(key, ed25519.Ed25519PublicKey) else "Ed448"
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": crv, "x": b64url_encode(raw)}
    else:
        raise JoseError(f"cannot express {type(key).__name__} as a JWK")
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def key_encodings(
    public_key: Any, *, served_jwk: bytes | str | None = None
) -> list[tuple[str, bytes]]:
    """Every common byte form of a public key, labelled, for HMAC-confusion candidates.

    ``public_key`` is a ``cryptography`` key (public or private), a :class:`JwkEntry` or a JWK
    dict. The JWK JSON candidate is ``served_jwk`` when given (the exact bytes the server
    published), else the entry's own JSON, else a compact JWK we derive.
    """
    jwk_json: bytes
    if isinstance(public_key, JwkEntry):
        jwk_json = json.dumps(public_key.raw, separators=(",", ":")).encode()
        key = public_key.public_key
        if key is None:
            raise JoseError(f"JWK kid={public_key.kid!r} ({public_key.kty}) has no public key")
    elif isinstance(public_key, Mapping):
        jwk_json = json.dumps(dict(public_key), separators=(",", ":")).encode()
        key = jwk_to_public_key(public_key)
    else:
        key = _as_public_key(public_key)
        jwk_json = json.dumps(public_jwk(key), separators=(",", ":")).encode()
    if served_jwk is not None:
        jwk_json = served_jwk.encode() if isinstance(served_jwk, str) else served_jwk
    key = _as_public_key(key)
    spki_pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encodings = [
        ("pem-spki", spki_pem),
        ("pem-spki-no-newline", spki_pem.rstrip(b"\n")),
    ]
    if isinstance(key, rsa.RSAPublicKey):
        pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        encodings += [("pem-pkcs1", pkcs1), ("pem-pkcs1-no-newline", pkcs1.rstrip(b"\n"))]
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encodings += [("der-spki", der), ("jwk-json", jwk_json)]
    try:
        openssh = key.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        encodings.append(("openssh", openssh))
    except (ValueError, UnsupportedAlgorithm):
        pass  # e.g. Ed448 or secp256k1 have no OpenSSH form
    return encodings


def jwk_to_public_key(jwk: Mapping[str, Any]) -> Any:
    """Build the ``cryptography`` public key a JWK describes; ``None`` for ``oct`` keys."""
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            n, e = _b64_int(jwk["n"]), _b64_int(jwk["e"])
            return rsa.RSAPublicNumbers(e, n).public_key()
        if kty == "EC":
            curve = _CURVES.get(str(jwk.get("crv")))
            if curve is None:
                raise JoseError(f"unsupported EC curve {jwk.get('crv')!r}")
            x, y = _b64_int(jwk["x"]), _b64_int(jwk["y"])
            return ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        if kty == "OKP":
            raw = b64url_decode(str(jwk["x"]))
            if jwk.get("crv") == "Ed25519":
                return ed25519.Ed25519PublicKey.from_public_bytes(raw)
            if jwk.get("crv") == "Ed448":
                return ed448.Ed448PublicKey.from_public_bytes(raw)
            return None
        if kty == "oct":
            return None
    except KeyError as exc:
        raise JoseError(f"{kty} JWK lacks required member {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, JoseError):
            raise
        raise JoseError(f"invalid {kty} JWK: {exc}") from None
    if not isinstance(kty, str):
        raise JoseError("a JWK must have a string 'kty' member (RFC 7517 §4.1)")
    return None


def load_jwks(document: Mapping[str, Any]) -> list[JwkEntry]:
    """Parse a JWK Set (RFC 7517 §5: an object with a ``keys`` array of JWK objects)."""
    if not isinstance(document, Mapping):
        raise JoseError("a JWKS must be a JSON object")
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise JoseError("a JWKS must have a 'keys' array (RFC 7517 §5.1)")
    entries = []
    for index, jwk in enumerate(keys):
        if not isinstance(jwk, dict):
            raise JoseError(f"JWKS key #{index} is not a JSON object")
        if not isinstance(jwk.get("kty"), str):
            raise JoseError(f"JWKS key #{index} lacks 'kty' (RFC 7517 §4.1)")
        public_key = jwk_to_public_key(jwk)
        entries.append(
            JwkEntry(
                kid=_optional_str(jwk.get("kid")),
                kty=jwk["kty"],
                alg=_optional_str(jwk.get("alg")),
                use=_optional_str(jwk.get("use")),
                public_key=public_key,
                raw=dict(jwk),
                private_members=tuple(m for m in PRIVATE_MEMBERS if m in jwk),
                size_bits=_size_bits(jwk, public_key),
            )
        )
    return entries


def load_key_material(material: bytes) -> Any:
    """A key from PEM/DER (private, public or certificate), JWK JSON or an OpenSSH line.

    Returns a ``cryptography`` key object; raises ``JoseError`` when the bytes are none of these
    (callers then treat them as an HMAC secret if that is what they wanted).
    """
    text = material.strip()
    loaders = (
        lambda: serialization.load_pem_private_key(text, password=None),
        lambda: serialization.load_pem_public_key(text),
        lambda: _load_certificate_key(text),
        lambda: serialization.load_der_private_key(material, password=None),
        lambda: serialization.load_der_public_key(material),
        lambda: serialization.load_ssh_public_key(text),
    )
    for loader in loaders:
        try:
            return loader()
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JoseError("not a PEM, DER, OpenSSH or JWK key") from None
    if isinstance(document, dict) and "keys" in document:
        entries = [e for e in load_jwks(document) if e.public_key is not None]
        if not entries:
            raise JoseError("the JWKS holds no asymmetric key")
        return entries[0].public_key
    if isinstance(document, dict) and (key := jwk_to_public_key(document)) is not None:
        return key
    raise JoseError("not a PEM, DER, OpenSSH or JWK key")


def _load_certificate_key(pem: bytes) -> Any:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).public_key()


def _as_public_key(key: Any) -> Any:
    if hasattr(key, "public_key") and callable(key.public_key) and hasattr(key, "sign"):
        key = key.public_key()  # a private key: its public half
    public_types = (
        rsa.RSAPublicKey,
        ec.EllipticCurvePublicKey,
        ed25519.Ed25519PublicKey,
        ed448.Ed448PublicKey,
    )
    if not isinstance(key, public_types):
        raise JoseError(f"not a supported public key: {type(key).__name__}")
    return key


def _size_bits(jwk: Mapping[str, Any], public_key: Any) -> int | None:
    if isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return int(public_key.key_size)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return 456
    if jwk.get("kty") == "oct" and isinstance(jwk.get("k"), str):
        try:
            return len(b64url_decode(jwk["k"])) * 8
        except JoseError:
            return None
    return None


def _int_b64(value: int) -> str:
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _b64_int(value: Any) -> int:
    if not isinstance(value, str):
        raise JoseError("a JWK integer member must be a base64url string")
    return int.from_bytes(b64url_decode(value), "big")


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
