"""jwt-jwks-key-hygiene: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from authsift.checks.jwt import _keys as _keys_module
from authsift.checks.jwt._keys import Discovery, KeySet
from authsift.checks.jwt.jwt_jwks_key_hygiene import review
from authsift.jose import public_jwk
from authsift.model import Exchange, HttpRequest, HttpResponse, Severity
from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-jwks-key-hygiene"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    issues = " ".join(i["issue"] for i in finding.details["issues"])
    assert finding.severity == "critical"
    assert "private members d" in issues and "1024 bits" in issues
    assert "lab-rs256-2026" not in issues  # the current keys are fine


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert "passed" in " ".join(outcomes(result, CHECK).values())


def _key_set(url: str, keys: list[dict[str, object]]) -> KeySet:
    exchange = Exchange(1, HttpRequest("GET", url), HttpResponse(200))
    return _keys_module._key_set(url, exchange, {"keys": keys})


def test_review_grades_each_hygiene_rule() -> None:
    ec = public_jwk(ec_key(), kid="shared")
    good = {**public_jwk(rsa_key(), kid="good"), "use": "sig"}
    discovery = Discovery(
        key_sets=[
            _key_set(
                "https://idp.example/jwks",
                [
                    good,
                    {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
                    {**ec, "use": None},
                    {**public_jwk(rsa_key(), kid="shared"), "use": "enc"},
                ],
            )
        ],
        jwks_uris=["http://idp.example/jwks", "http://127.0.0.1:8080/jwks"],
    )
    issues = {text: severity for severity, text in review(discovery)}
    assert issues["key hmac (oct) is a symmetric key with its value k"] == Severity.CRITICAL
    assert issues['kid "shared" is shared by key types EC and RSA'] == Severity.LOW
    assert issues["jwks_uri http://idp.example/jwks is served over plain http"] == Severity.LOW
    assert not any("127.0.0.1" in text for text in issues)  # a local sidecar is fine
    assert not any("key good" in text for text in issues)  # RSA 2048 with use: nothing to say
    assert any("mixes encryption keys" in text for text in issues)


@functools.cache
def rsa_key() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(65537, 2048).public_key()


def ec_key() -> ec.EllipticCurvePublicKey:
    return ec.generate_private_key(ec.SECP256R1()).public_key()
