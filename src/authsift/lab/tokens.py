"""The lab's signing keys, its JWKS, and JWS compact encoding (RFC 7515 §7.1).

Keys are generated when the lab starts (nothing secret ships with the package), except the
deliberately weak ones that two flaws need: the HS256 secret of the legacy service-client tokens
(`jwt-weak-hmac-secret`) and the retired 1024-bit RSA key still published in the JWKS
(`jwt-jwks-key-hygiene`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from authsift.lab.flaws import LabSettings

# The secret of the legacy service tokens: it is in every "JWT secret" wordlist.
WEAK_HMAC_SECRET = b"secret123"

RSA_KID = "lab-rs256-2026"
EC_KID = "lab-es256-2026"
LEGACY_RSA_KID = "lab-rs1024-2019"
SERVICE_HMAC_KID = "svc-hs256-legacy"

# `kid` values the legacy loader resolves as file names under this directory. It sits directly
# under the system temp dir so that a `../` sequence of ordinary length reaches `/`.
LEGACY_KEYS_DIR = Path(tempfile.gettempdir()) / "authsift-lab-keys"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def b64url_encode(data: bytes) -> str:
    """RFC 7515 §2: base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url: padding characters and non-alphabet bytes are errors (RFC 7515 §2)."""
    if "=" in text or any(c not in _B64URL_ALPHABET for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _int_to_b64(value: int) -> str:
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One key and the one algorithm it may be used with (RFC 8725 §3.1)."""

    kid: str
    alg: str  # RS256 | ES256 | HS256
    private: PrivateKey | bytes

    @property
    def public(self) -> PublicKey | bytes:
        if isinstance(self.private, bytes):
            return self.private
        return self.private.public_key()

    def public_pem(self) -> bytes:
        """PEM SubjectPublicKeyInfo, exactly as a careless verifier would load it from disk."""
        public = self.public
        if isinstance(public, bytes):
            return public
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk(self) -> dict[str, Any]:
        public = self.public
        if isinstance(public, rsa.RSAPublicKey):
            numbers = public.public_numbers()
            return {
                "kty": "RSA",
                "kid": self.kid,
                "use": "sig",
                "alg": self.alg,
                "n": _int_to_b64(numbers.n),
                "e": _int_to_b64(numbers.e),
            }
        if isinstance(public, ec.EllipticCurvePublicKey):
            point = public.public_numbers()
            return {
                "kty": "EC",
                "kid": self.kid,
                "use": "sig",
                "alg": self.alg,
                "crv": "P-256",
                "x": b64url_encode(point.x.to_bytes(32, "big")),
                "y": b64url_encode(point.y.to_bytes(32, "big")),
            }
        raise TypeError("symmetric keys are never published")

    def sign(self, signing_input: bytes) -> bytes:
        return sign_bytes(self.alg, self.private, signing_input)


def sign_bytes(alg: str, key: PrivateKey | bytes, signing_input: bytes) -> bytes:
    """JWS signature per RFC 7518 §3.2 (HS256), §3.3 (RS256), §3.4 (ES256: raw R‖S, 32+32)."""
    if alg == "HS256" and isinstance(key, bytes):
        return hmac.new(key, signing_input, hashlib.sha256).digest()
    if alg == "RS256" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    raise ValueError(f"cannot sign {alg} with {type(key).__name__}")


def raw_ecdsa_to_der(signature: bytes) -> bytes:
    if len(signature) != 64:
        raise ValueError("ES256 signatures are 64 bytes (RFC 7518 §3.4)")
    return encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )


def encode_jws(header: dict[str, Any], claims: dict[str, Any], key: SigningKey) -> str:
    """JWS compact serialization: BASE64URL(header).BASE64URL(payload).BASE64URL(signature)."""
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    return f"{head}.{body}.{b64url_encode(key.sign(signing_input))}"


@functools.cache
def _process_keys() -> tuple[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]:
    """One set of key pairs per process, generated on first use.

    RSA key generation costs 50–500 ms; labs started in one process (the test suite, the
    scoreboard's vulnerable-then-hardened runs) share the keys instead of paying that each time.
    Tokens still do not cross labs: each lab's issuer is its own origin.
    """
    return (
        rsa.generate_private_key(65537, 2048),
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(65537, 1024),
    )


class KeyRing:
    """Every key the lab signs or verifies with, by `kid`."""

    def __init__(self, settings: LabSettings) -> None:
        self.settings = settings
        rsa_key, ec_key, legacy_rsa_key = _process_keys()
        self.rsa = SigningKey(RSA_KID, "RS256", rsa_key)
        self.ec = SigningKey(EC_KID, "ES256", ec_key)
        self._keys: dict[str, SigningKey] = {RSA_KID: self.rsa, EC_KID: self.ec}
        self.legacy_rsa: SigningKey | None = None
        if settings.on("jwt-jwks-key-hygiene"):
            # Retired in 2019, never removed from the JWKS. RFC 7518 §3.3: "A key of size 2048
            # bits or larger MUST be used with these algorithms."
            self.legacy_rsa = SigningKey(LEGACY_RSA_KID, "RS256", legacy_rsa_key)
        self.service_hmac: SigningKey | None = None
        if settings.on("jwt-weak-hmac-secret"):
            self.service_hmac = SigningKey(SERVICE_HMAC_KID, "HS256", WEAK_HMAC_SECRET)
            self._keys[SERVICE_HMAC_KID] = self.service_hmac

    def by_kid(self, kid: object) -> SigningKey | None:
        return self._keys.get(kid) if isinstance(kid, str) else None

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set (RFC 7517 §5). Hardened: public members of the signing keys only."""
        keys = [self.rsa.public_jwk(), self.ec.public_jwk()]
        if self.legacy_rsa is not None:
            legacy = self.legacy_rsa.public_jwk()
            private = self.legacy_rsa.private
            assert isinstance(private, rsa.RSAPrivateKey)
            # Exported with the wrong serializer: the private exponent leaks (OIDC Discovery §3,
            # jwks_uri "MUST NOT contain private or symmetric key values").
            legacy["d"] = _int_to_b64(private.private_numbers().d)
            keys.append(legacy)
        return {"keys": keys}
