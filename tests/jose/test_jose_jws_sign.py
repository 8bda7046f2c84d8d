"""Compact JWS parse/assemble round trips and sign() verified by PyJWT and cryptography."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from authsift.jose import (
    JoseError,
    assemble,
    b64url_decode,
    b64url_encode,
    hmac_verify,
    parse_compact,
    resign,
    sign,
)
from tests.jose.jose_factories import CLAIMS


@given(st.binary(max_size=200))
def test_b64url_round_trip_without_padding(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert b64url_decode(encoded) == data


@pytest.mark.parametrize("junk", ["a+b/", "ab$c", "abcde", "ab cd"])
def test_b64url_decode_rejects_junk(junk: str) -> None:
    with pytest.raises(JoseError):
        b64url_decode(junk)


def test_parse_keeps_raw_segments(hs_token: str) -> None:
    parsed = parse_compact(hs_token)
    h, p, s = hs_token.split(".")
    assert (parsed.raw_header, parsed.raw_payload, parsed.raw_signature) == (h, p, s)
    assert parsed.header == {"typ": "JWT", "alg": "HS256"}
    assert parsed.payload == CLAIMS
    assert parsed.signing_input == f"{h}.{p}".encode()
    assert len(parsed.signature) == 32
    assert assemble(h, p, s) == hs_token


def test_parse_accepts_bearer_prefix_and_non_object_payload() -> None:
    token = assemble({"alg": "none"}, b64url_encode(b"not json"))
    assert parse_compact(f"Bearer {token}").payload is None
    assert parse_compact(token).payload_bytes == b"not json"


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "a.b", "a.b.c.d", "a.b.c.d.e", "!!!.e30.", "e30K.e30.%%", "WzFd.e30."],
)
def test_parse_rejects_malformed(bad: str) -> None:
    with pytest.raises(JoseError):
        parse_compact(bad)


def test_assemble_uses_compact_json() -> None:
    token = assemble({"alg": "none", "typ": "JWT"}, {"a": 1}, b"")
    assert b64url_decode(token.split(".")[0]) == b'{"alg":"none","typ":"JWT"}'
    assert token.endswith(".")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_sign_verifies_with_pyjwt(alg: str) -> None:
    secret = b"x" * 64
    token = sign({"typ": "JWT"}, CLAIMS, secret, alg)
    decoded = pyjwt.decode(token, secret, algorithms=[alg], audience="api")
    assert decoded == CLAIMS
    assert hmac_verify(token, secret) and not hmac_verify(token, b"y" * 64)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
def test_rsa_sign_verifies_with_pyjwt(alg: str, rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign({}, CLAIMS, rsa_key, alg)
    decoded = pyjwt.decode(token, rsa_key.public_key(), algorithms=[alg], audience="api")
    assert decoded["sub"] == "alice"


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_ecdsa_sign_is_raw_r_s_and_verifies(
    alg: str, ec_keys: dict[str, ec.EllipticCurvePrivateKey]
) -> None:
    key = ec_keys[alg]
    token = sign({}, CLAIMS, key, alg)
    parsed = parse_compact(token)
    size = {"ES256": 32, "ES384": 48, "ES512": 66}[alg]
    assert len(parsed.signature) == 2 * size
    r = int.from_bytes(parsed.signature[:size], "big")
    s = int.from_bytes(parsed.signature[size:], "big")
    digest = {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}[alg]
    key.public_key().verify(encode_dss_signature(r, s), parsed.signing_input, ec.ECDSA(digest))
    assert pyjwt.decode(token, key.public_key(), algorithms=[alg], audience="api") == CLAIMS


def test_eddsa_sign_verifies(ed_key: ed25519.Ed25519PrivateKey) -> None:
    token = sign({}, CLAIMS, ed_key, "EdDSA")
    parsed = parse_compact(token)
    ed_key.public_key().verify(parsed.signature, parsed.signing_input)


@pytest.mark.parametrize(
    ("alg", "key"),
    [("RS256", b"secret"), ("ES256", b"secret"), ("HS256", 42), ("XX256", b"k"), ("EdDSA", b"")],
)
def test_sign_rejects_wrong_key_type(alg: str, key: Any) -> None:
    with pytest.raises(JoseError):
        sign({}, CLAIMS, key, alg)


def test_resign_changes_only_what_was_asked(rs_token: str) -> None:
    forged = resign(
        rs_token, b"k", "HS256", header={"typ": None, "x": 1}, claims={"role": "admin"},
        drop_claims=["aud"],
    )  # fmt: skip
    parsed = parse_compact(forged)
    assert parsed.header == {"kid": "k1", "alg": "HS256", "x": 1}
    expected = {k: v for k, v in CLAIMS.items() if k != "aud"} | {"role": "admin"}
    assert parsed.payload == expected
    assert hmac_verify(forged, b"k")


def test_resign_keeps_payload_bytes_when_claims_unchanged(rs_token: str) -> None:
    forged = resign(rs_token, b"k" * 64, "HS512")
    assert forged.split(".")[1] == rs_token.split(".")[1]
    assert pyjwt.decode(forged, b"k" * 64, algorithms=["HS512"], audience="api") == CLAIMS
