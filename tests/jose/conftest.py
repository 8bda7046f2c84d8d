"""Shared keys and tokens for the JOSE tests (key generation is the slow part, so once)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authsift.jose import sign
from tests.jose.jose_factories import CLAIMS


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_keys() -> dict[str, ec.EllipticCurvePrivateKey]:
    return {
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "ES384": ec.generate_private_key(ec.SECP384R1()),
        "ES512": ec.generate_private_key(ec.SECP521R1()),
    }


@pytest.fixture(scope="session")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def rs_token(rsa_key: rsa.RSAPrivateKey) -> str:
    return sign({"typ": "JWT", "kid": "k1"}, CLAIMS, rsa_key, "RS256")


@pytest.fixture(scope="session")
def hs_token() -> str:
    return sign({"typ": "JWT"}, CLAIMS, b"secret123", "HS256")
