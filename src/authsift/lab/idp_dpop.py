"""DPoP (RFC 9449) for the lab's authorization server: proof checks and the key binding.

A proof is verified as RFC 9449 §4.3 lists it: one `DPoP` header, a JWS with `typ: dpop+jwt`, an
advertised asymmetric `alg`, a public `jwk` in its header that verifies the signature (joserfc),
`htm` and `htu` of the request, `iat` within five minutes, a `jti` not seen before (§11.1) and,
at a resource, `ath` = base64url(SHA-256(access token)). The binding is the key's RFC 7638 JWK
thumbprint (`cnf.jkt`, §6.1), which the token endpoint stores with the access token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

ALGS = ("ES256", "RS256")  # dpop_signing_alg_values_supported
MAX_AGE = 300  # seconds either side of now for `iat` (RFC 9449 §4.3 step 11, "a few minutes")


class ProofError(Exception):
    """An unacceptable proof; the message is the error_description."""


def ath_of(access_token: str) -> str:
    """RFC 9449 §4.2: base64url of the SHA-256 of the token's ASCII bytes."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class DpopVerifier:
    """Checks proofs and remembers their `jti` for the acceptance window."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.seen: dict[str, float] = {}

    def verify(
        self, proofs: list[str], method: str, url: str, access_token: str | None = None
    ) -> str:
        """The proof's JWK thumbprint (its `jkt`), or ProofError."""
        if len(proofs) != 1:
            raise ProofError("exactly one DPoP header is required")
        proof = proofs[0]
        header = _header(proof)
        alg = header.get("alg")
        if header.get("typ") != "dpop+jwt" or alg not in ALGS:
            raise ProofError("typ must be dpop+jwt and alg one of " + " ".join(ALGS))
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or "d" in jwk:
            raise ProofError("the header must carry the public key (jwk)")
        try:
            key = JWKRegistry.import_key(jwk)
            payload = jws.deserialize_compact(proof, key, algorithms=[str(alg)]).payload
            claims: Any = json.loads(payload)
        except (JoseError, ValueError, TypeError) as error:
            raise ProofError(f"the proof's signature does not verify: {error}") from None
        if not isinstance(claims, dict):
            raise ProofError("the proof's payload is not a JSON object")
        if claims.get("htm") != method:
            raise ProofError("htm does not match the request method")
        if not isinstance(claims.get("htu"), str) or _bare(claims["htu"]) != _bare(url):
            raise ProofError("htu does not match the request URI")
        now = self.clock()
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or abs(now - iat) > MAX_AGE:
            raise ProofError("iat is missing or not recent")
        if access_token is not None and claims.get("ath") != ath_of(access_token):
            raise ProofError("ath does not match the access token")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise ProofError("jti is missing")
        self.seen = {j: t for j, t in self.seen.items() if now - t <= 2 * MAX_AGE}
        if jti in self.seen:
            raise ProofError("the proof was already used (jti replayed)")
        self.seen[jti] = now
        return str(key.thumbprint())


def _header(proof: str) -> dict[str, Any]:
    part = proof.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        raise ProofError("the proof is not a compact JWS") from None
    if not isinstance(header, dict):
        raise ProofError("the proof is not a compact JWS")
    return header


def _bare(url: str) -> str:
    """RFC 9449 §4.3 step 9: htu compared without query and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]
