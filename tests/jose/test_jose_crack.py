"""HMAC secret recovery: bundled list, streamed files, processes, odd bytes, exports."""

from __future__ import annotations

import hmac
import random
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authsift.jose import JoseError, parse_compact, sign
from authsift.jose.crack import (
    builtin_candidates,
    crack,
    export_hashcat,
    export_john,
    iter_blocks,
    split_block,
)
from tests.jose.jose_factories import CLAIMS

PLANTED = b"kqzvmtrelwpa"


@pytest.fixture(scope="module")
def big_wordlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 random words with the secret as the very last line."""
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("words") / "200k.txt"
    letters = string.ascii_lowercase
    lines = ["".join(rng.choices(letters, k=rng.randint(6, 14))) for _ in range(200_000)]
    path.write_bytes(("\n".join(lines) + "\n").encode() + PLANTED + b"\n")
    return path


def _token(secret: bytes, alg: str = "HS256") -> str:
    return sign({"typ": "JWT"}, CLAIMS, secret, alg)


@pytest.mark.parametrize("jobs", [1, 2])
def test_finds_secret_planted_at_end_of_200k_list(big_wordlist: Path, jobs: int) -> None:
    seen: list[tuple[int, int]] = []
    progress = lambda tried, planned: seen.append((tried, planned))  # noqa: E731
    result = crack(_token(PLANTED), [big_wordlist], jobs=jobs, digits=0, progress=progress)
    assert result.secret == PLANTED and result.found_in == "wordlist 200k.txt"
    assert result.tried >= 200_000 and result.rate > 0
    tried = [count for count, _ in seen]
    assert tried == sorted(tried) and tried[-1] == result.tried
    assert all(planned >= count for count, planned in seen)


def test_not_found_reports_every_candidate(big_wordlist: Path) -> None:
    result = crack(_token(b"not-in-any-list-4711"), [big_wordlist], jobs=2, digits=0)
    assert result.secret is None and not result.timed_out
    tried = {tally.label: tally.tried for tally in result.sources}
    assert result.tried == sum(tried.values())
    assert tried.pop("derived") > 0  # from the claims' iss and aud (idp.example.com, api)
    assert tried == {
        "curated": len(builtin_candidates()),
        "common passwords": 30_000,
        "English words": 49_160,
        "wordlist 200k.txt": 200_001,
    }


@pytest.mark.parametrize(
    ("secret", "alg"),
    [
        (b"secret123", "HS256"),
        (b"your-256-bit-secret", "HS256"),
        (b"", "HS256"),
        (b"shhhhh", "HS384"),
        (b"Fischl von Luftschloss Narfidort", "HS512"),
    ],
)
def test_builtin_list_finds_known_defaults(secret: bytes, alg: str) -> None:
    assert crack(_token(secret, alg), jobs=1).secret == secret


def test_builtin_list_decodes_base64_directives() -> None:
    nacos = next(w for w in builtin_candidates() if not w.isascii())
    assert len(nacos) == 51  # 68 base64 characters -> 51 bytes
    assert crack(_token(nacos), jobs=1).secret == nacos


def test_handles_crlf_blank_lines_binary_and_long_words(tmp_path: Path) -> None:
    long_word = b"L" * 200  # longer than the SHA-512 block: RFC 2104 hashes it first
    binary = b"caf\xe9-\xff\xfe"
    path = tmp_path / "odd.txt"
    path.write_bytes(b"alpha\r\n\r\n\nbeta\r\n" + binary + b"\r\n" + long_word)
    for secret in (binary, long_word, b"beta"):
        for alg in ("HS256", "HS512"):
            result = crack(_token(secret, alg), [path], builtin=False, jobs=1)
            assert result.secret == secret
    missing = crack(_token(b"zzz"), [path], builtin=False, jobs=1)
    assert missing.secret is None and missing.tried == 4


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=12).filter(lambda w: not set(w) & {10, 13})),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
)
def test_blocks_never_split_a_line(words: list[bytes], block_bytes: int, final_eol: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.txt"
        path.write_bytes(b"\n".join(words) + (b"\n" if final_eol and words else b""))
        blocks = list(iter_blocks(path, block_bytes))
    assert [word for block in blocks for word in split_block(block)] == words


def test_rejects_non_hmac_tokens(rs_token: str) -> None:
    with pytest.raises(JoseError):
        crack(rs_token, jobs=1)
    with pytest.raises(JoseError):
        export_john(rs_token)


def test_exports(hs_token: str) -> None:
    assert export_hashcat(f"Bearer {hs_token}") == hs_token
    line = export_john(hs_token)
    message, hex_signature = line.split("#")
    assert message.encode() == parse_compact(hs_token).signing_input
    assert bytes.fromhex(hex_signature) == hmac.digest(b"secret123", message.encode(), "sha256")
