"""`authsift jwt inspect|crack|forge` through typer's CliRunner (the sub-app, unmounted)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from authsift.jose import parse_compact, sign
from authsift.jose.commands import app
from tests.jose.jose_factories import CLAIMS

runner = CliRunner()


def _hs_token(secret: bytes = b"secret123", **claims: object) -> str:
    return sign({"typ": "JWT"}, {**CLAIMS, **claims}, secret, "HS256")


def test_inspect_json_reports_lifetime_and_lint() -> None:
    token = sign(
        {"jku": "https://x/jwks"}, {"sub": "a", "password": "p", "email": "e"}, b"k", "HS256"
    )
    result = runner.invoke(app, ["inspect", "--json", token])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["claims"]["sub"] == "a"
    codes = {f["code"] for f in document["findings"]}
    assert {"exp-missing", "aud-missing", "iss-missing", "sensitive-claim"} <= codes
    assert {"personal-data-claim", "jku-present", "typ-not-at-jwt", "alg-symmetric"} <= codes
    assert document["lifetime"] == {}


def test_inspect_text_shows_expiry_in_human_terms() -> None:
    result = runner.invoke(app, ["inspect", _hs_token(exp=1_700_003_600)])
    assert result.exit_code == 0
    assert "expired" in result.stdout and "lifetime: 1 h" in result.stdout


def test_inspect_flags_alg_none_and_clean_at_jwt_token_has_fewer_findings() -> None:
    none_token = runner.invoke(app, ["forge", _hs_token(), "--alg", "none"]).stdout.strip()
    findings = json.loads(runner.invoke(app, ["inspect", "--json", none_token]).stdout)
    assert findings["findings"][0]["code"] == "alg-none"
    assert findings["findings"][0]["severity"] == "critical"


@pytest.mark.parametrize("bad", ["abc", "a.b.c", "e30.e30.e30.e30.e30", "!!.e30."])
def test_malformed_token_exits_2_with_one_line(bad: str) -> None:
    result = runner.invoke(app, ["inspect", bad])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_crack_finds_secret_in_wordlist(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_bytes(b"a\nb\nhunter2-but-longer\n")
    result = runner.invoke(
        app,
        ["crack", _hs_token(b"hunter2-but-longer"), "-w", str(words), "-j", "1", "--digits", "0"],
    )
    assert result.exit_code == 0, result.output
    assert "secret: hunter2-but-longer" in result.stdout


def test_crack_bundled_list_and_not_found(tmp_path: Path) -> None:
    found = runner.invoke(app, ["crack", _hs_token(b"changeme"), "--jobs", "1"])
    assert found.exit_code == 0 and "secret: changeme" in found.stdout
    words = tmp_path / "w.txt"
    words.write_text("one\ntwo\n")
    missing = runner.invoke(
        app, ["crack", _hs_token(b"q" * 40), "-w", str(words), "--no-builtin", "-j", "1"]
    )
    assert missing.exit_code == 1
    assert "not found in 2 candidates" in missing.stdout


def test_crack_export_and_errors(tmp_path: Path) -> None:
    token = _hs_token()
    hashcat = runner.invoke(app, ["crack", token, "--export", "hashcat"])
    assert hashcat.exit_code == 0 and hashcat.stdout.strip() == token
    john = runner.invoke(app, ["crack", token, "--export", "john"])
    assert john.exit_code == 0 and "#" in john.stdout
    absent = runner.invoke(app, ["crack", token, "-w", str(tmp_path / "nope.txt")])
    assert absent.exit_code == 2 and "wordlist not found" in absent.output


def test_crack_mask_finds_a_six_digit_secret_and_says_what_it_tried() -> None:
    token = _hs_token(b"483920")
    found = runner.invoke(app, ["crack", token, "--no-builtin", "--mask", "?d?d?d?d?d?d"])
    assert found.exit_code == 0, found.output
    assert found.stdout.strip() == "secret: 483920"
    assert "tried mask ?d?d?d?d?d?d (" in found.stderr
    literal = runner.invoke(
        app, ["crack", _hs_token(b"acme-07"), "-m", "acme-?d?d", "-j", "1", "--digits", "0"]
    )
    assert literal.exit_code == 0 and "secret: acme-07" in literal.stdout


def test_crack_not_found_lists_the_sources() -> None:
    args = ["crack", _hs_token(b"zz" * 20), "-j", "1", "--digits", "3", "-m", "?u?u"]
    missing = runner.invoke(app, args)
    assert missing.exit_code == 1
    assert missing.stdout.startswith("not found in ")
    for part in ("curated 429", "common passwords 30,000", "digits ≤ 3 (1,110)", "mask ?u?u (676)"):
        assert part in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mask", "?d?q"], "error: mask '?d?q': unknown class ?q"),
        (["--mask", "abc?"], "error: mask 'abc?' ends with a lone '?'"),
        (["--mask", ""], "error: empty mask"),
        (["--digits", "9"], "error: digits must be 0 to 8"),
        (["--no-builtin"], "error: nothing to try"),
    ],
)
def test_crack_bad_masks_and_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["crack", _hs_token(), *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


def test_forge_none_sets_and_unsets_claims() -> None:
    result = runner.invoke(
        app,
        ["forge", _hs_token(), "--alg", "none", "--set", "role=admin", "--set", "level=5",
         "--set", 'groups=["a"]', "--unset", "aud"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    parsed = parse_compact(token)
    assert parsed.header["alg"] == "none" and token.endswith(".")
    assert parsed.payload is not None
    assert parsed.payload["role"] == "admin" and parsed.payload["level"] == 5
    assert parsed.payload["groups"] == ["a"] and "aud" not in parsed.payload


def test_forge_with_literal_env_and_file_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rsa_key: rsa.RSAPrivateKey
) -> None:
    secret = "s" * 64
    literal = runner.invoke(app, ["forge", _hs_token(), "--key", secret, "--set", "sub=bob"])
    decoded = pyjwt.decode(literal.stdout.strip(), secret, algorithms=["HS256"], audience="api")
    assert decoded["sub"] == "bob"
    monkeypatch.setenv("FORGE_KEY", secret)
    from_env = runner.invoke(
        app, ["forge", _hs_token(), "--key", "env:FORGE_KEY", "--alg", "HS512"]
    )
    assert pyjwt.decode(from_env.stdout.strip(), secret, algorithms=["HS512"], audience="api")
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signed = runner.invoke(app, ["forge", _hs_token(), "--key", f"file:{pem}"])
    assert signed.exit_code == 0, signed.output
    token = signed.stdout.strip()
    assert parse_compact(token).header["alg"] == "RS256"
    assert pyjwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], audience="api")


@pytest.mark.parametrize(
    "args",
    [
        ["--alg", "HS256"],
        ["--key", "env:AUTHSIFT_SURELY_UNSET_VARIABLE"],
        ["--key", "file:/nonexistent/key.pem"],
        ["--key", "k", "--alg", "RS256"],
        ["--key", "k", "--set", "novalue"],
    ],
)
def test_forge_argument_errors_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, ["forge", _hs_token(), *args])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ")
