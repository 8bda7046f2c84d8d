"""DPoP proofs (RFC 9449 §4) as a client makes them, and the deliberately wrong ones.

A fresh P-256 key per check (cryptography), ES256 proofs signed with PyJWT: header
`{typ: dpop+jwt, alg: ES256, jwk}`, claims `jti`, `htm`, `htu`, `iat`, and `ath` (base64url
SHA-256 of the access token, §4.2) when the proof goes with a token. `Proof.make` takes the
mistakes a probe wants: another signing key, wrong `htm`/`htu`, no `ath`, an old `iat`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ALG = "ES256"
STALE_SECONDS = 600  # an `iat` this old is outside any acceptance window of "a few minutes"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def ath_of(access_token: str) -> str:
    """RFC 9449 §4.2: base64url(SHA-256(ASCII of the access token))."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class ProofKey:
    """An EC P-256 key pair for DPoP proofs."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    @property
    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    @property
    def thumbprint(self) -> str:
        """RFC 7638 §3: SHA-256 of the required members in lexicographic order, no spaces."""
        canonical = json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(slots=True)
class Proof:
    """Makes the proofs of one bound key; `nonce` once a server asks for one (§8, §9)."""

    key: ProofKey = field(default_factory=ProofKey)
    nonce: str | None = None

    def make(
        self,
        method: str,
        url: str,
        access_token: str | None = None,
        *,
        signer: ProofKey | None = None,
        header_key: ProofKey | None = None,
        with_ath: bool = True,
        age: int = 0,
    ) -> str:
        """A proof for `method url`; `signer` signs instead of the bound key, `header_key` is
        the key named in the header (default: the signer), `age` seconds back-dates `iat`."""
        signer = signer or self.key
        named = header_key or signer
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method,
            "htu": url.split("#", 1)[0].split("?", 1)[0],
            "iat": int(time.time()) - age,
        }
        if access_token is not None and with_ath:
            claims["ath"] = ath_of(access_token)
        if self.nonce:
            claims["nonce"] = self.nonce
        headers = {"typ": "dpop+jwt", "jwk": named.jwk}
        return jwt.encode(claims, signer.private, algorithm=ALG, headers=headers)
