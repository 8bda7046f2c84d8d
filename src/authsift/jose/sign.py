"""Signing tokens we control, including deliberately broken ones (RFC 7518 §3).

Why not PyJWT: it refuses unusual headers and keys (an HMAC secret that looks like a PEM public
key, CVE-2022-29217's fix) — exactly the tokens the jwt checks must send. ``cryptography`` does
the maths; this module only lays out the bytes RFC 7518 prescribes.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from authsift.jose.errors import JoseError
from authsift.jose.jws import assemble, b64url_encode, json_bytes, parse_compact

_HASH_BITS = {"256": 256, "384": 384, "512": 512}

#: RFC 7518 §3.4: ES256 uses P-256 (32-byte R and S), ES384 P-384 (48), ES512 P-521 (66).
ECDSA_COORDINATE_BYTES = {"ES256": 32, "ES384": 48, "ES512": 66}

HMAC_ALGS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip


def hash_name(alg: str) -> str:
    """The hashlib name behind an HS/RS/PS/ES algorithm (RFC 7518 §3.1 table)."""
    bits = alg[-3:]
    if alg[:2] not in ("HS", "RS", "PS", "ES") or bits not in _HASH_BITS:
        raise JoseError(f"unsupported alg {alg!r}")
    return f"sha{bits}"


def hmac_key_bytes(key: Any) -> bytes:
    """Accept ``bytes`` or ``str`` (UTF-8) as an HMAC secret; anything else is a caller error."""
    if isinstance(key, bytes | bytearray | memoryview):
        return bytes(key)
    if isinstance(key, str):
        return key.encode("utf-8")
    raise JoseError(f"an HS* key must be bytes or str, not {type(key).__name__}")


def sign_bytes(signing_input: bytes, key: Any, alg: str) -> bytes:
    """The raw JWS signature over ``signing_input`` (RFC 7515 §5.1 step 5)."""
    if alg in HMAC_ALGS:
        # RFC 7518 §3.2: "HMAC SHA-256 ... MAC over the JWS Signing Input".
        return hmac.new(hmac_key_bytes(key), signing_input, hash_name(alg)).digest()
    if alg.startswith(("RS", "PS")) and alg in ASYMMETRIC_ALGS:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise JoseError(f"{alg} needs an RSA private key, not {type(key).__name__}")
        algorithm = _hash_algorithm(alg)
        if alg.startswith("RS"):
            # RFC 7518 §3.3: RSASSA-PKCS1-v1_5.
            return key.sign(signing_input, padding.PKCS1v15(), algorithm)
        # RFC 7518 §3.5: "The size of the salt value is the same size as the hash function output."
        pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
        return key.sign(signing_input, pss, algorithm)
    if alg in ECDSA_COORDINATE_BYTES:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise JoseError(f"{alg} needs an EC private key, not {type(key).__name__}")
        der = key.sign(signing_input, ec.ECDSA(_hash_algorithm(alg)))
        return der_to_raw_ecdsa(der, ECDSA_COORDINATE_BYTES[alg])
    if alg == "EdDSA":
        if not isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
            raise JoseError(f"EdDSA needs an Ed25519/Ed448 private key, not {type(key).__name__}")
        return key.sign(signing_input)  # RFC 8037 §3.1
    raise JoseError(f"unsupported alg {alg!r}")


def der_to_raw_ecdsa(der: bytes, coordinate_bytes: int) -> bytes:
    """DER ECDSA signature → JWS form.

    RFC 7518 §3.4: "turn R and S into octet sequences in big-endian order, with each array being
    ... 32 octets long [for ES256] ... concatenate the two octet sequences in the order R and
    then S".
    """
    r, s = decode_dss_signature(der)
    return r.to_bytes(coordinate_bytes, "big") + s.to_bytes(coordinate_bytes, "big")


def sign(header: dict[str, Any], payload: dict[str, Any], key: Any, alg: str) -> str:
    """Serialise and sign; ``header["alg"]`` is set to ``alg`` so the token says what it is."""
    full_header = {**header, "alg": alg}
    header_segment = b64url_encode(json_bytes(full_header))
    payload_segment = b64url_encode(json_bytes(payload))
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    return assemble(header_segment, payload_segment, sign_bytes(signing_input, key, alg))


def sign_over_segment(header: dict[str, Any], raw_payload: str, key: Any, alg: str) -> str:
    """Sign ``header`` (used exactly as given) with an already-encoded payload segment.

    Forgeries use this to keep the original payload bytes while changing only the header.
    """
    header_segment = b64url_encode(json_bytes(header))
    signing_input = f"{header_segment}.{raw_payload}".encode("ascii")
    return assemble(header_segment, raw_payload, sign_bytes(signing_input, key, alg))


def resign(
    token: str,
    key: Any,
    alg: str,
    *,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    drop_claims: Iterable[str] = (),
) -> str:
    """Re-sign ``token`` with ``key``, keeping everything not explicitly changed.

    Header members in ``header`` override (a ``None`` value deletes the member); ``claims`` are
    merged into the payload and ``drop_claims`` removed. When nothing about the payload changes,
    its original base64url segment is reused byte for byte.
    """
    parsed = parse_compact(token)
    new_header = dict(parsed.header)
    for name, value in (header or {}).items():
        if value is None:
            new_header.pop(name, None)
        else:
            new_header[name] = value
    new_header["alg"] = alg
    drop = tuple(drop_claims)
    payload_segment = parsed.raw_payload
    if claims or drop:
        if parsed.payload is None:
            raise JoseError("cannot change claims: the payload is not a JSON object")
        payload = {k: v for k, v in parsed.payload.items() if k not in drop}
        payload.update(claims or {})
        payload_segment = b64url_encode(json_bytes(payload))
    header_segment = b64url_encode(json_bytes(new_header))
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    return assemble(header_segment, payload_segment, sign_bytes(signing_input, key, alg))


def hmac_verify(token: str, secret: bytes) -> bool:
    """True when ``secret`` reproduces the token's HS* signature (constant-time compare)."""
    parsed = parse_compact(token)
    alg = parsed.alg or ""
    if alg not in HMAC_ALGS:
        raise JoseError(f"not an HMAC token (alg {alg!r})")
    expected = hmac.digest(secret, parsed.signing_input, hash_name(alg))
    return hmac.compare_digest(expected, parsed.signature)


def _hash_algorithm(alg: str) -> hashes.HashAlgorithm:
    by_name: dict[str, hashes.HashAlgorithm] = {
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    return by_name[hash_name(alg)]
