"""Structure and validity of every forgery in jose.forge and jose.forge_keys."""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any

import jwt as pyjwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from authsift.jose import (
    alg_none_variants,
    b64url_decode,
    embedded_jwk,
    hmac_confusion,
    key_encodings,
    kid_injection,
    parse_compact,
    psychic_signature,
    remote_key_url,
    serialization_confusion,
    sign,
    signature_tampering,
)
from authsift.jose.forge import CURVE_ORDERS, PSYCHIC_DER
from authsift.jose.keys import jwk_to_public_key
from tests.jose.jose_factories import CLAIMS


def test_alg_none_variants_cover_spellings_and_signature_forms(rs_token: str) -> None:
    forgeries = alg_none_variants(rs_token)
    assert len(forgeries) == 4 * 2 + 1
    original = parse_compact(rs_token)
    algs = []
    for _label, token in forgeries:
        parsed = parse_compact(token)
        assert parsed.raw_payload == original.raw_payload
        assert parsed.raw_signature in ("", original.raw_signature)
        assert parsed.header.get("kid") == "k1" and parsed.header.get("typ") == "JWT"
        algs.append(parsed.header.get("alg"))
    assert sorted(algs, key=str) == sorted(
        ["none", "none", "None", "None", "NONE", "NONE", "nOnE", "nOnE", None], key=str
    )
    # Header member order is kept: alg stays where it was.
    assert list(parse_compact(forgeries[0][1]).header) == list(original.header)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_signature_tampering_variants(hs_token: str) -> None:
    other = sign({"typ": "JWT"}, {**CLAIMS, "sub": "bob"}, b"secret123", "HS256")
    forgeries = dict(signature_tampering(hs_token, other))
    assert len(forgeries) == 5
    h, p, s = hs_token.split(".")
    flipped = forgeries["signature: one middle character flipped"].split(".")[2]
    differing = [i for i, (a, b) in enumerate(zip(flipped, s, strict=True)) if a != b]
    assert len(differing) == 1 and differing[0] not in (0, len(s) - 1)
    assert b64url_decode(flipped) != b64url_decode(s)
    assert forgeries["signature: empty"] == f"{h}.{p}."
    assert forgeries["signature: segment removed"] == f"{h}.{p}"
    changed = parse_compact(forgeries['payload +{"x":1}, original signature kept'])
    assert changed.payload == {**CLAIMS, "x": 1} and changed.raw_signature == s
    assert forgeries["signature taken from another token"] == f"{h}.{p}.{other.split('.')[2]}"
    for token in forgeries.values():
        with pytest.raises(pyjwt.InvalidTokenError):
            pyjwt.decode(token, b"secret123", algorithms=["HS256"], audience="api")


def test_hmac_confusion_uses_exactly_the_listed_encodings(
    rs_token: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    public = rsa_key.public_key()
    encodings = dict(key_encodings(public))
    assert list(encodings) == [
        "pem-spki", "pem-spki-no-newline", "pem-pkcs1", "pem-pkcs1-no-newline",
        "der-spki", "jwk-json", "openssh",
    ]  # fmt: skip
    assert encodings["pem-spki"].endswith(b"-----\n")
    assert encodings["pem-spki-no-newline"] == encodings["pem-spki"][:-1]
    assert encodings["pem-pkcs1"].startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    assert encodings["openssh"].startswith(b"ssh-rsa ")
    jwk = json.loads(encodings["jwk-json"])
    assert jwk_to_public_key(jwk).public_numbers() == public.public_numbers()

    forgeries = hmac_confusion(rs_token, [public])
    assert len(forgeries) == len(encodings) * 3
    original = parse_compact(rs_token)
    for label, token in forgeries:
        parsed = parse_compact(token)
        alg = parsed.alg or ""
        secret = encodings[label.rsplit(" as ", 1)[1]]
        assert parsed.header["kid"] == "k1" and parsed.raw_payload == original.raw_payload
        expected = hmac.digest(secret, parsed.signing_input, "sha" + alg[2:])
        assert parsed.signature == expected


def test_key_encodings_for_ec_have_no_pkcs1_and_honour_served_jwk(
    ec_keys: dict[str, ec.EllipticCurvePrivateKey],
) -> None:
    served = b'{"kty": "EC", "crv": "P-256"}'
    labels = dict(key_encodings(ec_keys["ES256"], served_jwk=served))
    assert "pem-pkcs1" not in labels and labels["jwk-json"] == served
    assert labels["openssh"].startswith(b"ecdsa-sha2-nistp256 ")


def test_kid_injection_signs_with_the_matching_key(rs_token: str) -> None:
    forgeries = kid_injection(rs_token)
    kids = [parse_compact(t).header["kid"] for _, t in forgeries]
    assert "../../../../../../dev/null" in kids and "/dev/null" in kids
    assert any(len(kid) >= 4096 for kid in kids) and any(not kid.isascii() for kid in kids)
    for label, token in forgeries:
        key = b"k" if "UNION SELECT" in parse_compact(token).header["kid"] else b""
        assert parse_compact(token).alg == "HS256", label
        assert parse_compact(token).signature == hmac.digest(
            key, parse_compact(token).signing_input, "sha256"
        )


@pytest.mark.parametrize(("alg", "size"), [("ES256", 32), ("ES384", 48), ("ES512", 66)])
def test_psychic_signature_sizes_match_the_curve(
    alg: str, size: int, ec_keys: dict[str, ec.EllipticCurvePrivateKey]
) -> None:
    token = sign({}, CLAIMS, ec_keys[alg], alg)
    signatures = [parse_compact(t).signature for _, t in psychic_signature(token)]
    assert signatures[0] == bytes(2 * size)
    assert signatures[1] == PSYCHIC_DER
    n = CURVE_ORDERS[alg].to_bytes(size, "big")
    assert signatures[2] == n + n
    # n is the real order: n - 1 is a valid private scalar, n is not.
    curve = ec_keys[alg].curve
    ec.derive_private_key(CURVE_ORDERS[alg] - 1, curve)
    with pytest.raises(ValueError):
        ec.derive_private_key(CURVE_ORDERS[alg], curve)


def test_psychic_signature_skips_non_ecdsa(rs_token: str) -> None:
    assert psychic_signature(rs_token) == []


def test_serialization_confusion_forms(hs_token: str) -> None:
    h, p, s = hs_token.split(".")
    forms = dict(serialization_confusion(hs_token, {"sub": "bob"}))
    mixed = json.loads(forms["CVE-2022-39227 mixed compact/JSON form"])
    first_key = next(iter(mixed))
    fh, fp, fs = first_key.split(".")
    assert fh == h and fs == "" and json.loads(b64url_decode(fp))["sub"] == "bob"
    assert (mixed["protected"], mixed["payload"], mixed["signature"]) == (h, p, s)
    flat = json.loads(forms["flattened JWS JSON serialization"])
    assert flat == {"protected": h, "payload": p, "signature": s}
    general = json.loads(forms["general JWS JSON serialization"])
    assert general["signatures"] == [{"protected": h, "signature": s}]


def test_embedded_jwk_tokens_verify_with_their_own_key(rs_token: str) -> None:
    forgeries = embedded_jwk(rs_token)
    assert len(forgeries) == 5  # RS256/ES256 × kid kept/removed + x5c
    for label, token in forgeries:
        parsed = parse_compact(token)
        if "jwk" in parsed.header:
            key = jwk_to_public_key(parsed.header["jwk"])
        else:
            der = base64.b64decode(parsed.header["x5c"][0])
            certificate = x509.load_der_x509_certificate(der)
            assert "idp.example.com" in certificate.subject.rfc4514_string()
            key = certificate.public_key()
        assert pyjwt.decode(token, key, algorithms=[parsed.alg or ""], audience="api") == CLAIMS
        assert ("kid" in parsed.header) == ("kid removed" not in label)


def test_remote_key_url_serves_the_signing_key(rs_token: str) -> None:
    forgeries, files = remote_key_url(rs_token, "http://127.0.0.1:8765/")
    jwks_path = next(p for p in files if p.endswith("jwks.json"))
    cert_path = next(p for p in files if p.endswith(".pem"))
    jwks = json.loads(files[jwks_path])
    served_key = jwk_to_public_key(jwks["keys"][0])
    certificate = x509.load_pem_x509_certificate(files[cert_path])
    labels = [label for label, _ in forgeries]
    # Direct jku and x5u plus the userinfo bypass (trusted host from iss); no subdomain for IPs.
    assert len(forgeries) == 4 and sum("idp.example.com@" in label for label in labels) == 2
    for _label, token in forgeries:
        parsed = parse_compact(token)
        assert parsed.header["kid"] == jwks["keys"][0]["kid"]
        url = parsed.header.get("jku") or parsed.header["x5u"]
        assert url.endswith(jwks_path if "jku" in parsed.header else cert_path)
        key: Any = served_key if "jku" in parsed.header else certificate.public_key()
        assert pyjwt.decode(token, key, algorithms=["RS256"], audience="api") == CLAIMS
    named, _ = remote_key_url(rs_token, "https://oob.example.net")
    headers = [parse_compact(token).header for _, token in named]
    assert any("idp.example.com.oob.example.net" in str(h.get("jku")) for h in headers)
