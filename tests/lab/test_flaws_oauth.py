"""The lab's authorization server (`/idp`): each oauth- flaw proven on, and absent when hardened."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from typing import TYPE_CHECKING, Any

import pytest

from authsift.checks.oauth._dpop import Proof, ProofKey
from authsift.lab.flaws import LabSettings
from authsift.lab.idp_server import CLIENT_REDIRECT, CLIENTS

if TYPE_CHECKING:
    from conftest import Http, LabUrl, Reply

VULNERABLE = LabSettings.vulnerable()
HARDENED = LabSettings.hardened_twin()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _basic(client_id: str) -> dict[str, str]:
    pair = f"{client_id}:{CLIENTS[client_id]}".encode()
    return {**FORM, "Authorization": "Basic " + base64.b64encode(pair).decode()}


class Idp:
    """A signed-in user agent at one lab's /idp."""

    def __init__(self, base: str, http: Http) -> None:
        self.base, self.http = base, http
        reply = http(
            "POST",
            f"{base}/idp/login",
            headers=FORM,
            data=urllib.parse.urlencode(
                {"username": "alice", "password": "alice-lab-pass-1"}
            ).encode(),
        )
        self.cookie = reply.headers["Set-Cookie"].split(";")[0]

    def authorize(self, **params: str | None) -> Reply:
        query = {
            "response_type": "code",
            "client_id": "lab-web",
            "redirect_uri": CLIENT_REDIRECT,
            "scope": "openid offline_access",
            "state": "st-1",
            "nonce": "n-1",
            **params,
        }
        encoded = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return self.http(
            "GET", f"{self.base}/idp/authorize?{encoded}", headers={"Cookie": self.cookie}
        )

    def code(self, **params: str | None) -> str:
        reply = self.authorize(**params)
        assert reply.status == 302, reply.text
        return _query(reply)["code"]

    def token(self, as_client: str | None = "lab-web", **fields: str) -> Reply:
        headers = _basic(as_client) if as_client else FORM
        return self.http(
            "POST",
            f"{self.base}/idp/token",
            headers=headers,
            data=urllib.parse.urlencode(fields).encode(),
        )

    def redeem(self, code: str, as_client: str | None = "lab-web", **extra: str) -> Reply:
        fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT_REDIRECT}
        return self.token(as_client, **fields, **extra)


def _query(reply: Reply) -> dict[str, str]:
    parts = urllib.parse.urlsplit(reply.headers["Location"])
    return dict(urllib.parse.parse_qsl(parts.query or parts.fragment))


def _userinfo(idp: Idp, token: str) -> Reply:
    return idp.http("GET", f"{idp.base}/idp/userinfo", headers={"Authorization": f"Bearer {token}"})


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.fixture(scope="module")
def idp(lab_url: LabUrl, http: Http) -> dict[str, Idp]:
    return {"on": Idp(lab_url(VULNERABLE), http), "off": Idp(lab_url(HARDENED), http)}


def test_metadata_issuer(idp: dict[str, Idp], http: Http) -> None:
    for mode, suffix in (("on", ""), ("off", "/idp")):
        base = idp[mode].base
        document = http("GET", f"{base}/idp/.well-known/openid-configuration").json()
        assert document["issuer"] == base + suffix
        assert http("GET", f"{base}/.well-known/oauth-authorization-server/idp").json() == document


def test_the_sign_in_form_is_plain_html(idp: dict[str, Idp], http: Http) -> None:
    reply = http(
        "GET",
        f"{idp['off'].base}/idp/authorize?"
        + urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": "lab-web",
                "redirect_uri": CLIENT_REDIRECT,
                "code_challenge": _pkce()[1],
                "code_challenge_method": "S256",
            }
        ),
    )
    assert reply.status == 302 and "/idp/login?next=" in reply.headers["Location"]
    form = http("GET", idp["off"].base + reply.headers["Location"])
    assert 'type="password" name="password"' in form.text


def test_a_strict_flow_completes_with_pkce(idp: dict[str, Idp]) -> None:
    verifier, challenge = _pkce()
    reply = idp["off"].authorize(code_challenge=challenge, code_challenge_method="S256")
    assert _query(reply)["state"] == "st-1"
    tokens = idp["off"].redeem(_query(reply)["code"], code_verifier=verifier).json()
    assert tokens["expires_in"] == 300 and _claims(tokens["id_token"])["nonce"] == "n-1"
    assert idp["off"].redeem(_query(reply)["code"], code_verifier=verifier).status == 400  # used


def test_implicit_and_ropc(idp: dict[str, Idp]) -> None:
    assert "access_token" in _query(idp["on"].authorize(response_type="token"))
    assert (
        _query(idp["off"].authorize(response_type="token"))["error"] == "unsupported_response_type"
    )
    grant = {"grant_type": "password", "username": "alice", "password": "alice-lab-pass-1"}
    assert "access_token" in idp["on"].token(**grant).json()
    assert idp["off"].token(**grant).json()["error"] == "unsupported_grant_type"


def test_pkce_plain_missing_and_downgrade(idp: dict[str, Idp]) -> None:
    plain = secrets.token_urlsafe(48)
    on_code = idp["on"].code(code_challenge=plain, code_challenge_method="plain")
    assert idp["on"].redeem(on_code, code_verifier=plain).status == 200
    assert (
        _query(idp["off"].authorize(code_challenge=plain, code_challenge_method="plain"))["error"]
        == "invalid_request"
    )
    assert idp["on"].redeem(idp["on"].code()).status == 200  # no challenge at all
    assert _query(idp["off"].authorize())["error"] == "invalid_request"
    downgraded = idp["on"].redeem(idp["on"].code(), code_verifier=_pkce()[0])
    assert downgraded.status == 200


def test_redirect_uri_prefix(idp: dict[str, Idp]) -> None:
    longer = CLIENT_REDIRECT + ".evil.example/x"
    _, challenge = _pkce()
    assert (
        idp["on"]
        .authorize(redirect_uri=longer, code_challenge=challenge, code_challenge_method="S256")
        .headers["Location"]
        .startswith(longer)
    )
    assert (
        idp["off"]
        .authorize(redirect_uri=longer, code_challenge=challenge, code_challenge_method="S256")
        .status
        == 400
    )


def test_state_and_nonce(idp: dict[str, Idp]) -> None:
    verifier, challenge = _pkce()
    reply = idp["on"].authorize(code_challenge=challenge, code_challenge_method="S256")
    assert "state" not in _query(reply)
    id_token = idp["on"].redeem(_query(reply)["code"], code_verifier=verifier).json()["id_token"]
    assert "nonce" not in _claims(id_token)
    assert json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "==="))["alg"] == "none"


def test_code_replay_and_client_binding(idp: dict[str, Idp]) -> None:
    verifier, challenge = _pkce()
    code = idp["on"].code(code_challenge=challenge, code_challenge_method="S256")
    assert idp["on"].redeem(code, code_verifier=verifier).status == 200
    first = idp["on"].redeem(code, code_verifier=verifier).json()["access_token"]
    assert idp["on"].redeem(code, code_verifier=verifier).status == 200  # replayed
    assert _userinfo(idp["on"], first).status == 200
    strict_code = idp["off"].code(code_challenge=challenge, code_challenge_method="S256")
    strict_token = idp["off"].redeem(strict_code, code_verifier=verifier).json()["access_token"]
    assert _userinfo(idp["off"], strict_token).json()["preferred_username"] == "alice"
    assert idp["off"].redeem(strict_code, code_verifier=verifier).status == 400
    assert _userinfo(idp["off"], strict_token).status == 401  # revoked by the replay
    other = idp["on"].code(code_challenge=challenge, code_challenge_method="S256")
    assert idp["on"].redeem(other, as_client="lab-partner", code_verifier=verifier).status == 200
    strict = idp["off"].code(code_challenge=challenge, code_challenge_method="S256")
    assert idp["off"].redeem(strict, as_client="lab-partner", code_verifier=verifier).status == 400


def test_client_auth_and_refresh_binding(idp: dict[str, Idp]) -> None:
    verifier, challenge = _pkce()
    for mode, expected in (("on", 200), ("off", 401)):
        code = idp[mode].code(code_challenge=challenge, code_challenge_method="S256")
        fields = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT,
            "code_verifier": verifier,
            "client_id": "lab-web",
        }
        assert idp[mode].token(None, **fields).status == expected
    for mode, expected in (("on", 200), ("off", 400)):
        code = idp[mode].code(code_challenge=challenge, code_challenge_method="S256")
        refresh = idp[mode].redeem(code, code_verifier=verifier).json()["refresh_token"]
        reply = idp[mode].token("lab-partner", grant_type="refresh_token", refresh_token=refresh)
        assert reply.status == expected, reply.text


def _bound(idp: Idp, proof: Proof) -> str:
    """A DPoP-bound access token (RFC 9449 §5) for `proof`'s key."""
    verifier, challenge = _pkce()
    code = idp.code(code_challenge=challenge, code_challenge_method="S256")
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLIENT_REDIRECT,
        "code_verifier": verifier,
    }
    reply = idp.http(
        "POST",
        f"{idp.base}/idp/token",
        headers={**_basic("lab-web"), "DPoP": proof.make("POST", f"{idp.base}/idp/token")},
        data=urllib.parse.urlencode(fields).encode(),
    )
    answer = reply.json()
    assert answer["token_type"] == "DPoP", answer
    return str(answer["access_token"])


def _present(idp: Idp, scheme: str, token: str, dpop: str | None = None) -> Reply:
    headers = {"Authorization": f"{scheme} {token}", **({"DPoP": dpop} if dpop else {})}
    return idp.http("GET", f"{idp.base}/idp/userinfo", headers=headers)


def test_dpop_is_advertised_and_binds_tokens(idp: dict[str, Idp], http: Http) -> None:
    for mode in ("on", "off"):
        base = idp[mode].base
        document = http("GET", f"{base}/idp/.well-known/openid-configuration").json()
        assert "ES256" in document["dpop_signing_alg_values_supported"]
    proof = Proof()
    token = _bound(idp["off"], proof)
    url = f"{idp['off'].base}/idp/userinfo"
    good = proof.make("GET", url, token)
    assert _present(idp["off"], "DPoP", token, good).json()["preferred_username"] == "alice"
    # a bad proof at the token endpoint is refused, not ignored
    wrong = proof.make("GET", f"{idp['off'].base}/idp/token")
    reply = idp["off"].http(
        "POST", f"{idp['off'].base}/idp/token", headers={**_basic("lab-web"), "DPoP": wrong}
    )
    assert reply.status == 400 and reply.json()["error"] == "invalid_dpop_proof"


def test_dpop_proofs_are_checked_in_both_modes(idp: dict[str, Idp]) -> None:
    """RFC 9449 §4.3 and §11.1: every wrong proof is refused, flaw on or off."""
    for mode in ("on", "off"):
        proof, other = Proof(), ProofKey()
        token = _bound(idp[mode], proof)
        url = f"{idp[mode].base}/idp/userinfo"
        wrong = [
            proof.make("GET", url, token, signer=other),
            proof.make("GET", url, token, signer=other, header_key=proof.key),
            proof.make("POST", url, token),
            proof.make("GET", f"{idp[mode].base}/idp/token", token),
            proof.make("GET", url, token, with_ath=False),
            proof.make("GET", url, token, age=600),
        ]
        for bad in wrong:
            reply = _present(idp[mode], "DPoP", token, bad)
            assert reply.status == 401, (mode, reply.text)
            assert reply.headers["WWW-Authenticate"].startswith("DPoP ")
        assert _present(idp[mode], "DPoP", token).status == 401  # no proof at all
        once = proof.make("GET", url, token)
        assert _present(idp[mode], "DPoP", token, once).status == 200
        assert _present(idp[mode], "DPoP", token, once).status == 401  # replayed


def test_sender_constraint_downgrade(idp: dict[str, Idp]) -> None:
    """The flaw: the bound token works as a plain Bearer token (RFC 9449 §7.2 says reject)."""
    on = _present(idp["on"], "Bearer", _bound(idp["on"], Proof()))
    assert on.status == 200 and on.json()["preferred_username"] == "alice"
    off = _present(idp["off"], "Bearer", _bound(idp["off"], Proof()))
    assert off.status == 401 and 'error="invalid_token"' in off.headers["WWW-Authenticate"]
