"""The redactor's derived forms (issue 14): a credential is hidden in every form a check or a
report can give it — its JWS signature, encodings, and near copies — while forgeries signed with
a key the scanner recovered stay readable, because they are the proof. Pure logic."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from authsift.engine.redact import Redactor
from authsift.engine.secret_forms import edit_distance, literal_pattern
from authsift.jose import (
    alg_none_variants,
    b64url_decode,
    serialization_confusion,
    sign,
    signature_tampering,
)
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    HttpResponse,
    Severity,
)

ISSUER_HEADER = {"typ": "at+jwt", "kid": "lab-rs256-2026"}


def _claims(sub: str = "1") -> dict[str, Any]:
    return {"iss": "https://idp.example", "sub": sub, "jti": secrets.token_urlsafe(16)}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture
def token(rsa_key: rsa.RSAPrivateKey) -> str:
    return sign(ISSUER_HEADER, _claims(), rsa_key, "RS256")


def _redactor(token: str, placeholder: str = "$ALICE_TOKEN") -> Redactor:
    redactor = Redactor()
    redactor.add(token, placeholder)
    return redactor


def _signature(token: str) -> str:
    return token.rsplit(".", 1)[1]


def test_every_signature_variant_a_check_sends_is_redacted(token: str) -> None:
    redactor = _redactor(token)
    other = sign(ISSUER_HEADER, _claims("2"), b"another-key-0123456789", "HS256")
    variants = signature_tampering(token, other) + alg_none_variants(token)
    variants += serialization_confusion(token, {"sub": "2"})
    for label, variant in variants:
        redacted = redactor.text(f"Authorization: Bearer {variant}")
        assert _signature(token) not in redacted, label
        assert _signature(token)[:40] not in redacted, label
    flipped = redactor.text(signature_tampering(token)[0][1])
    assert flipped.endswith(".$ALICE_TOKEN.signature (1 character changed)")
    mixed = redactor.text(serialization_confusion(token, {"sub": "2"})[0][1])
    assert json.loads(mixed)["signature"] == "$ALICE_TOKEN.signature"


def test_header_and_payload_stay_readable_only_the_signature_goes(token: str) -> None:
    """The header is shared by every token of the issuer and the payload is readable claims:
    neither gives the token back, and a forgery's claims are what a finding proves."""
    header, payload, signature = token.split(".")
    redactor = _redactor(token)
    assert redactor.text(f"{header}.{payload}.") == f"{header}.{payload}."
    assert redactor.text(f"{header}.{payload}") == f"{header}.{payload}"
    assert redactor.text(f"eyJhbGciOiJub25lIn0.{payload}.{signature}") == (
        f"eyJhbGciOiJub25lIn0.{payload}.$ALICE_TOKEN.signature"
    )
    assert redactor.text(f"x {token} y") == "x $ALICE_TOKEN y"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s[:100] + ("A" if s[100] != "A" else "B") + s[101:], "1 character changed"),
        (lambda s: s[:-1], "1 character changed"),  # truncated
        (lambda s: s[:-2], "2 characters changed"),
        (lambda s: s[:50] + "Q" + s[50:], "1 character changed"),  # one inserted
        (lambda s: s[1:] + "A", "2 characters changed"),  # shifted: every position differs
        (lambda s: s[:10] + s[11:200] + "-" + s[200:], "2 characters changed"),
    ],
)
def test_near_copies_of_a_signature_within_two_edits(
    token: str, change: Any, expected: str
) -> None:
    header, payload, signature = token.split(".")
    text = f"{header}.{payload}.{change(signature)}"
    assert _redactor(token).text(text) == f"{header}.{payload}.$ALICE_TOKEN.signature ({expected})"


def test_three_edits_and_unrelated_runs_of_the_same_length_are_left_alone(token: str) -> None:
    signature = _signature(token)
    # each of the first three characters replaced by one it is not (the signature is random:
    # "xyz" + signature[3:] is only two edits when the signature happens to start with an x)
    three = "".join("A" if c != "A" else "B" for c in signature[:3]) + signature[3:]
    unrelated = base64.urlsafe_b64encode(secrets.token_bytes(256)).decode().rstrip("=")
    assert len(unrelated) == len(signature)
    redactor = _redactor(token)
    assert redactor.text(three) == three  # the documented bound: at most two edits
    assert redactor.text(unrelated) == unrelated  # a JWKS modulus has the same length


def test_signature_in_other_alphabets_and_encodings(token: str) -> None:
    signature = _signature(token)
    standard = signature.replace("-", "+").replace("_", "/")
    redactor = _redactor(token)
    assert redactor.text(f"sig={standard}==") == "sig=$ALICE_TOKEN.signature=="
    quoted = standard.replace("+", "%2B").replace("/", "%2F")
    assert redactor.text(f"?s={quoted}") == "?s=$ALICE_TOKEN.signature"
    raw_hex = b64url_decode(signature).hex()
    assert redactor.text(f"bytes {raw_hex}") == "bytes $ALICE_TOKEN.signature"


def test_a_token_in_base64_at_any_offset(token: str) -> None:
    redactor = _redactor(token)
    for prefix in ("", "u", "us", "user:"):
        blob = base64.b64encode(f"{prefix}{token}".encode()).decode()
        assert "$ALICE_TOKEN.base64" in redactor.text(blob), prefix


def test_forgeries_signed_with_a_recovered_key_stay_readable(token: str) -> None:
    """The proof of jwt-weak-hmac-secret or alg confusion: a new signature, not the genuine one."""
    claims = json.loads(b64url_decode(token.split(".")[1]))
    forged = sign({**ISSUER_HEADER}, {**claims, "sub": "2"}, b"secret123", "HS256")
    redactor = _redactor(token)
    assert redactor.text(forged) == forged
    ec_token = sign({}, _claims(), ec.generate_private_key(ec.SECP256R1()), "ES256")
    redactor.add(ec_token, "$BOT_TOKEN")
    assert redactor.text(forged) == forged
    flipped = signature_tampering(ec_token)[0][1]
    assert redactor.text(flipped).endswith(".$BOT_TOKEN.signature (1 character changed)")


def test_opaque_secrets_whole_value_forms_and_near_copies() -> None:
    redactor = Redactor()
    api_key = "lab_ak_" + secrets.token_urlsafe(24)
    redactor.add(api_key, "$OPS_KEY")
    redactor.add('pa"ss/word+1', "$ALICE_PASSWORD")
    near = api_key[:-3] + ("x" if api_key[-3] != "x" else "y") + api_key[-2:]
    assert redactor.text(f"X-API-Key: {near}") == "X-API-Key: $OPS_KEY (1 character changed)"
    assert redactor.text(json.dumps({"password": 'pa"ss/word+1'})) == (
        '{"password": "$ALICE_PASSWORD"}'
    )
    basic = base64.b64encode(b'admin:pa"ss/word+1').decode()  # another user name, same password
    assert "$ALICE_PASSWORD.base64" in redactor.text(f"Basic {basic}")
    assert redactor.text("pa%22ss%2Fword%2B1") == "$ALICE_PASSWORD"


def test_learns_tokens_and_cookies_the_target_hands_out(token: str) -> None:
    redactor = Redactor()
    id_token, refresh = token, "rt-" + secrets.token_urlsafe(24)
    body = json.dumps({"access_token": "a" * 8, "refresh_token": refresh, "id_token": id_token})
    response = HttpResponse(
        200,
        (("Set-Cookie", "sid=" + "s" * 20 + "; HttpOnly"), ("Set-Cookie", "lang=en")),
        body.encode(),
    )
    login = Exchange(1, HttpRequest("POST", "http://h/login"), response, identity="alice")
    redactor.learn(login)
    learned = redactor.secrets
    assert learned[id_token] == "$ALICE_ID_TOKEN" and learned[refresh] == "$ALICE_REFRESH_TOKEN"
    assert learned["s" * 20] == "$ALICE_COOKIE"
    assert "en" not in learned and "a" * 8 not in learned  # too short to be credentials
    anonymous = Exchange(2, HttpRequest("POST", "http://h/login"), response)
    fresh = Redactor()
    fresh.learn(anonymous)
    assert fresh.secrets[id_token] == "$ISSUED_ID_TOKEN"


def test_every_text_of_a_finding_is_redacted(token: str) -> None:
    redactor = _redactor(token)
    flipped = signature_tampering(token)[0][1]
    request = HttpRequest("GET", "http://h/me", (("Authorization", f"Bearer {flipped}"),))
    finding = Finding(
        check_id="x",
        title=f"title {token}",
        severity=Severity.HIGH,
        confidence=Confidence.FIRM,
        family=Family.JWT,
        cwe=(347,),
        owasp="API2:2023",
        operation=None,
        identity="alice",
        description=f"description {_signature(token)}",
        evidence=(Evidence(f"label {token}", Exchange(1, request, None), f"note {flipped}"),),
        reproduce=f"curl -H 'Authorization: Bearer {flipped}'",
        remediation="verify",
        fingerprint="f",
        details={"variant": [flipped, {"token": token}], "n": 1},
    )
    assert _signature(token)[:40] not in repr(redactor.finding(finding))
    assert "$ALICE_TOKEN" in redactor.finding(finding).title


def test_many_tokens_of_one_issuer_are_all_found() -> None:
    """Short-lived tokens accumulate during a scan; the trie keeps one comparison per shared
    prefix, and every token must still be matched whole, longest first."""
    redactor = Redactor()
    tokens = [sign(ISSUER_HEADER, _claims(), b"k" * 32, "HS256") for _ in range(300)]
    for index, issued in enumerate(tokens):
        redactor.add(issued, f"$T{index}")
    text = " ".join(tokens[::37])
    assert redactor.text(text) == " ".join(f"$T{index}" for index in range(0, 300, 37))


def test_registering_a_known_secret_again_keeps_the_compiled_matcher(token: str) -> None:
    """Static tokens are registered at every renewal and unrotated refresh tokens come back with
    every refresh: neither may cost a recompilation."""
    redactor = _redactor(token)
    redactor.text("warm")
    compiled = redactor._matcher
    redactor.add(token, "$ALICE_TOKEN")
    assert redactor._matcher is compiled
    redactor.add("a-new-secret-value", "$BOB_PASSWORD")
    assert redactor._matcher is None


def test_literal_pattern_prefers_the_longest_literal() -> None:
    pattern = literal_pattern(["abcd", "abcdef", "abx", "abcdefgh"])
    assert pattern.findall("abcdefg abcdefgh abx abc") == ["abcdef", "abcdefgh", "abx"]


def test_edit_distance_is_bounded() -> None:
    assert edit_distance("kitten", "sitting", 3) == 3
    assert edit_distance("kitten", "sitting", 2) is None
    assert edit_distance("abc", "abc", 2) == 0
    assert edit_distance("abcdef", "abc", 2) is None


def test_found_in_names_the_secrets_a_text_holds_each_value_once() -> None:
    redactor = Redactor()
    assert redactor.found_in("anything") == ()
    redactor.add("s3cret-token-value-0001", "$ALICE_TOKEN")
    redactor.add("s3cret-token-value-0002", "$ALICE_TOKEN")  # renewed: same placeholder
    redactor.add("hunter2-password", "$ALICE_PASSWORD")
    text = 'pw=hunter2-password; {"t": "s3cret-token-value-0001", "again": "hunter2-password"}'
    assert redactor.found_in(text) == (
        ("$ALICE_PASSWORD", "hunter2-password"),
        ("$ALICE_TOKEN", "s3cret-token-value-0001"),
    )
    assert redactor.found_in("nothing of theirs") == ()
