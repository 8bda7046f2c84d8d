"""JWKS loading and key hygiene facts; offline lint rules and lifetime wording."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authsift.jose import (
    JoseError,
    b64url_encode,
    load_jwks,
    load_key_material,
    parse_compact,
    public_jwk,
    sign,
)
from authsift.jose.cli_support import display_secret, parse_assignment, signing_key_and_alg
from authsift.jose.lint import describe_duration, lifetime_summary, lint_token
from authsift.model import Severity


def test_public_jwk_round_trips_through_load_jwks(
    rsa_key: rsa.RSAPrivateKey,
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    keys: list[Any] = [rsa_key, ec_keys["ES256"], ec_keys["ES512"], ed_key]
    document = {"keys": [public_jwk(k, kid=f"k{i}") for i, k in enumerate(keys)]}
    entries = load_jwks(document)
    assert [e.kid for e in entries] == ["k0", "k1", "k2", "k3"]
    assert [e.size_bits for e in entries] == [2048, 256, 521, 256]
    for entry, key in zip(entries, keys, strict=True):
        raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        assert entry.public_key.public_bytes(*raw) == key.public_key().public_bytes(*raw)
        assert entry.private_members == ()
    assert len(public_jwk(ec_keys["ES512"])["x"]) == 88  # 66 octets, full coordinate size


def test_load_jwks_reports_private_and_symmetric_members(rsa_key: rsa.RSAPrivateKey) -> None:
    leaked = {**public_jwk(rsa_key), "d": "AQAB", "p": "AQAB"}
    oct_key = {"kty": "oct", "k": b64url_encode(b"x" * 16), "kid": "hmac"}
    entries = load_jwks({"keys": [leaked, oct_key, {"kty": "XYZ"}]})
    assert entries[0].private_members == ("d", "p")
    assert entries[1].public_key is None and entries[1].private_members == ("k",)
    assert entries[1].size_bits == 128
    assert entries[2].public_key is None


@pytest.mark.parametrize(
    "junk",
    [
        [],
        {"keys": "x"},
        {"keys": [1]},
        {"keys": [{"n": "AQAB"}]},
        {"keys": [{"kty": "RSA", "e": "AQAB"}]},
        {"keys": [{"kty": "EC", "crv": "P-999", "x": "AA", "y": "AA"}]},
        {"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB"}]},
    ],
)
def test_load_jwks_rejects_junk(junk: Any) -> None:
    with pytest.raises(JoseError):
        load_jwks(junk)


def test_load_key_material_accepts_common_forms(rsa_key: rsa.RSAPrivateKey) -> None:
    public = rsa_key.public_key()
    forms = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        str(public_jwk(public)).replace("'", '"').encode(),
    ]
    numbers = public.public_numbers()
    for form in forms:
        assert load_key_material(form).public_numbers() == numbers
    with pytest.raises(JoseError):
        load_key_material(b"just a secret")


def test_signing_key_and_alg_defaults(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    key, alg = signing_key_and_alg(pem, None)
    assert alg == "RS256" and isinstance(key, rsa.RSAPrivateKey)
    assert signing_key_and_alg(pem, "PS384")[1] == "PS384"
    assert signing_key_and_alg(pem, "hs256") == (pem, "HS256")  # confusion: PEM bytes as secret
    assert signing_key_and_alg(b"plain", None) == (b"plain", "HS256")
    assert parse_assignment("a=b=c") == ("a", "b=c")
    assert parse_assignment("n=null") == ("n", None)
    assert display_secret(b"") == "(the empty string)"
    assert display_secret(b"\xff\x00") == "hex:ff00"


NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_lint_clean_access_token_has_only_informational_kid(rsa_key: rsa.RSAPrivateKey) -> None:
    start = int(NOW.timestamp())
    claims = {"iss": "https://i/", "aud": "api", "sub": "u", "iat": start, "exp": start + 300}
    token = sign({"typ": "at+jwt", "kid": "k"}, claims, rsa_key, "RS256")
    findings = lint_token(parse_compact(token), NOW)
    assert [(f.code, f.severity) for f in findings] == [("kid-present", Severity.INFO)]


def test_lint_flags_long_lifetime_weak_alg_and_embedded_key() -> None:
    start = int(NOW.timestamp())
    claims = {"iss": "i", "aud": "a", "iat": start, "exp": start + 30 * 86400}
    header = b64url_encode(b'{"alg":"HS1","jwk":{"kty":"oct"}}')
    token = f"{header}.{b64url_encode(str(claims).replace(chr(39), chr(34)).encode())}.AA"
    codes = {f.code for f in lint_token(parse_compact(token), NOW)}
    assert {"lifetime-long", "alg-weak", "jwk-present"} <= codes
    assert "exp-missing" not in codes


def test_lifetime_wording() -> None:
    start = int(NOW.timestamp())
    summary = lifetime_summary({"iat": start - 7200, "nbf": start + 60, "exp": start + 3900}, NOW)
    assert summary["iat"]["relative"] == "issued 2 h ago"
    assert summary["nbf"]["relative"] == "valid in 1 min (not yet valid)"
    assert summary["exp"]["relative"] == "expires in 1 h 5 min"
    assert summary["lifetime"] == "3 h 5 min" and summary["expired"] is False
    assert lifetime_summary({"exp": "soon"}, NOW)["exp"]["time"] is None
    assert describe_duration(0) == "0 s" and describe_duration(90061) == "1 d 1 h"
