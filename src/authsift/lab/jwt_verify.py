"""Access-token verification: where the JWT flaws live, each beside the check it skips.

The hardened path is RFC 8725 §3 done right: compact serialization only (RFC 7519 §1), the key
chosen by `kid` among the lab's own keys, the algorithm fixed by that key (§3.1: "each key MUST be
used with exactly one algorithm"), a constant-time signature check, then `typ` = `at+jwt`,
`iss`, `aud`, `exp` and `nbf` (RFC 9068 §4). Each flaw is one `if settings.on(...)` that a real
codebase grew: the algorithm taken from the header, keys taken from the token, a legacy `kid`
file loader, a hand-rolled ECDSA, a JSON-serialization fallback, skipped claim checks.

`jwt-signature-not-verified` is not here: it lives on one endpoint (`GET /auth/session`) that
decodes without verifying, so that it does not mask the forgeries this verifier must catch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from authsift.lab.ecdsa_legacy import legacy_es256_verify
from authsift.lab.flaws import LabSettings
from authsift.lab.key_fetch import KeyFetchRefused, is_loopback_http_url
from authsift.lab.tokens import LEGACY_KEYS_DIR, KeyRing, b64url_decode, raw_ecdsa_to_der

logger = logging.getLogger(__name__)

ACCESS_AUDIENCE = "authsift-lab-api"
CLOCK_SKEW_SECONDS = 30
_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

KeyMaterial = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | bytes
JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]


class TokenRejected(Exception):
    """The token is not acceptable; the message is for the lab's log, never for the client."""


@dataclass(frozen=True, slots=True)
class _Parts:
    header_b64: str
    payload_b64: str  # the payload the signature covers
    signature_b64: str
    claims_b64: str  # the payload the claims are read from (differs only under a flaw)


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as error:
        raise TokenRejected("segment is not base64url JSON") from error
    if not isinstance(value, dict):
        raise TokenRejected("segment is not a JSON object")
    return value


def jwk_to_key(jwk: object) -> KeyMaterial:
    """Public key from an RSA or P-256 JWK (RFC 7518 §6.2, §6.3)."""
    if not isinstance(jwk, dict):
        raise TokenRejected("jwk is not an object")
    try:
        if jwk.get("kty") == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            x = int.from_bytes(b64url_decode(jwk["x"]), "big")
            y = int.from_bytes(b64url_decode(jwk["y"]), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, TypeError, ValueError) as error:
        raise TokenRejected("malformed jwk") from error
    raise TokenRejected("unsupported jwk")


class AccessTokenVerifier:
    def __init__(
        self,
        settings: LabSettings,
        keys: KeyRing,
        clock: Callable[[], float],
        fetch_jwks: JwksFetcher,
        keys_dir: Path = LEGACY_KEYS_DIR,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.clock = clock
        self.fetch_jwks = fetch_jwks
        self.keys_dir = keys_dir

    async def verify(self, token: str, *, issuer: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(header, claims) of a valid access token for this API; TokenRejected otherwise."""
        parts = self._split(token)
        header = _json_object(parts.header_b64)
        claims = _json_object(parts.claims_b64)
        await self._check_signature(parts, header, claims)
        self._check_claims(header, claims, issuer)
        return header, claims

    def _split(self, token: str) -> _Parts:
        if token.startswith("{"):
            if not self.settings.on("jwt-serialization-confusion"):
                raise TokenRejected("RFC 7519 §1: a JWT uses the compact serialization")
            # The JWS library accepts the JSON serialization and verifies it, then the claims are
            # read by splitting the raw string on dots (the python-jwt CVE-2022-39227 pattern).
            try:
                document = json.loads(token)
                protected, payload = str(document["protected"]), str(document["payload"])
                signature = str(document["signature"])
            except (ValueError, KeyError, TypeError) as error:
                raise TokenRejected("malformed JSON serialization") from error
            dotted = token.split(".")
            claims_b64 = dotted[1] if len(dotted) >= 3 else payload
            return _Parts(protected, payload, signature, claims_b64)
        segments = token.split(".")
        if len(segments) != 3:
            raise TokenRejected("not a JWS compact serialization")
        return _Parts(segments[0], segments[1], segments[2], segments[1])

    async def _check_signature(
        self, parts: _Parts, header: dict[str, Any], claims: dict[str, Any]
    ) -> None:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            if self.settings.on("jwt-alg-none"):
                # "Unsecured tokens are only minted by our test fixtures" — and anyone else.
                return
            raise TokenRejected("RFC 7518 §3.6: unsecured JWS not accepted")
        material, key_alg = await self._resolve_key(header, claims, alg)
        if alg != key_alg:
            if not self.settings.on("jwt-alg-confusion-hmac"):
                raise TokenRejected("RFC 8725 §3.1: algorithm does not match the key")
            # The library is called with algorithms=[header["alg"]] and the key as loaded from
            # PEM, so an HS256 token is "verified" with the public key bytes as HMAC secret.
            if not isinstance(material, bytes) and alg in _HMAC_HASHES:
                material = _pem(material)
        try:
            signature = b64url_decode(parts.signature_b64)
        except ValueError as error:
            raise TokenRejected("signature is not base64url") from error
        signing_input = f"{parts.header_b64}.{parts.payload_b64}".encode("ascii", "replace")
        if not self._signature_matches(alg, material, signing_input, signature):
            raise TokenRejected("bad signature")

    async def _resolve_key(
        self, header: dict[str, Any], claims: dict[str, Any], alg: str
    ) -> tuple[KeyMaterial, str]:
        """The key to verify with and the one algorithm it is registered for."""
        if "jwk" in header and self.settings.on("jwt-header-key-injection"):
            # "Self-describing tokens": the verifier uses the key the token brings along.
            return jwk_to_key(header["jwk"]), alg
        if isinstance(header.get("jku"), str) and self.settings.on("jwt-remote-key-url-injection"):
            # Key rotation support that follows whatever `jku` says, no allowlist.
            return await self._remote_key(str(header["jku"]), header.get("kid")), alg
        known = self.keys.by_kid(header.get("kid"))
        if known is not None:
            return known.public, known.alg
        kid = header.get("kid")
        if isinstance(kid, str) and self.settings.on("jwt-kid-injection"):
            # Legacy HS256 keys are files named after their kid; the kid is joined unchecked,
            # so `../../../../dev/null` yields the empty key.
            return self._key_file(kid), "HS256"
        iss = claims.get("iss")
        if (
            isinstance(iss, str)
            and self.settings.on("jwt-issuer-not-validated")
            and is_loopback_http_url(iss)
        ):
            # Multi-tenant shortcut: keys are discovered from whatever issuer the token names.
            return await self._remote_key(iss.rstrip("/") + "/.well-known/jwks.json", kid), alg
        raise TokenRejected("unknown key")

    def _key_file(self, kid: str) -> bytes:
        path = self.keys_dir / kid
        try:
            with open(path, "rb") as handle:
                return handle.read(4096)
        except (OSError, ValueError) as error:  # ValueError: a NUL byte in the kid
            raise TokenRejected("no key file") from error

    async def _remote_key(self, url: str, kid: object) -> KeyMaterial:
        try:
            document = await self.fetch_jwks(url)
        except KeyFetchRefused as error:
            raise TokenRejected(f"key fetch refused: {error}") from error
        candidates = document.get("keys")
        if not isinstance(candidates, list) or not candidates:
            raise TokenRejected("empty key set")
        for jwk in candidates:
            if isinstance(jwk, dict) and (kid is None or jwk.get("kid") == kid):
                return jwk_to_key(jwk)
        return jwk_to_key(candidates[0])

    def _signature_matches(
        self, alg: str, material: KeyMaterial, signing_input: bytes, signature: bytes
    ) -> bool:
        if alg in _HMAC_HASHES:
            if not isinstance(material, bytes):
                return False
            expected = hmac.new(material, signing_input, _HMAC_HASHES[alg]).digest()
            return hmac.compare_digest(expected, signature)
        try:
            if alg == "RS256" and isinstance(material, rsa.RSAPublicKey):
                material.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
                return True
            if alg == "ES256" and isinstance(material, ec.EllipticCurvePublicKey):
                if self.settings.on("jwt-ecdsa-psychic-signature"):
                    return legacy_es256_verify(material, signing_input, signature)
                der = raw_ecdsa_to_der(signature)
                material.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
                return True
        except (InvalidSignature, ValueError):
            return False
        return False

    def _check_claims(self, header: dict[str, Any], claims: dict[str, Any], issuer: str) -> None:
        typ = str(header.get("typ", "")).lower()
        typ_ok = typ in ("at+jwt", "application/at+jwt")
        if not typ_ok and not self.settings.on("jwt-token-type-confusion"):
            raise TokenRejected("RFC 9068 §4: typ must be at+jwt")
        if claims.get("iss") != issuer and not self.settings.on("jwt-issuer-not-validated"):
            raise TokenRejected("RFC 9068 §4: iss must match exactly")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if ACCESS_AUDIENCE not in audiences and not self.settings.on("jwt-audience-not-validated"):
            raise TokenRejected("RFC 7519 §4.1.3: not intended for this API")
        now = self.clock()
        expiry = claims.get("exp")
        # RFC 7519 §4.1.4: reject on or after exp, "a small leeway, usually no more than a few
        # minutes"; RFC 9068 §2.2 makes exp REQUIRED. The flaw: "verify_exp": False, set while
        # debugging clock drift and never removed.
        expired = not isinstance(expiry, int | float) or now >= expiry + CLOCK_SKEW_SECONDS
        if expired and not self.settings.on("token-expired-accepted"):
            raise TokenRejected("expired")
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and now < not_before - CLOCK_SKEW_SECONDS:
            raise TokenRejected("RFC 7519 §4.1.5: not yet valid")


def _pem(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
