"""The default candidates find what a pentester finds in seconds (a dictionary word, a 6-digit
number, the product's name), say what they tried, and keep a time budget."""

from __future__ import annotations

import datetime as dt
import gzip
import secrets
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from authsift.jose import hmac_search as engine_room
from authsift.jose import sign
from authsift.jose.candidates import bundled_size, iter_blocks, split_block
from authsift.jose.crack import crack, plan_sources
from authsift.jose.derive import Derived, affixes, claim_texts, derived, stems_from
from authsift.jose.hmac_search import Batch
from tests.jose.jose_factories import CLAIMS

WORDLISTS = resources.files("authsift.jose") / "wordlists"


def _token(secret: bytes, **claims: object) -> str:
    return sign({"typ": "JWT"}, {**CLAIMS, **claims}, secret, "HS256")


@pytest.mark.parametrize(
    ("secret", "source"),
    [(b"muffin", "common passwords"), (b"483920", "digits ≤ 6"), (b"7", "digits ≤ 6")],
)
def test_default_candidates_find_a_common_word_and_a_six_digit_number(
    secret: bytes, source: str
) -> None:
    result = crack(_token(secret), jobs=2)
    assert result.secret == secret and result.found_in == source


def test_a_strong_secret_is_not_found_and_the_result_says_what_was_tried() -> None:
    result = crack(_token(secrets.token_bytes(32)), jobs=2)
    assert result.secret is None and not result.timed_out
    summary = result.summary()
    for part in (
        "curated 429",
        "common passwords 30,000",
        "English words 49,160",
        "digits ≤ 6 (1,111,110)",
        "— not found in",
    ):
        assert part in summary, summary
    assert "derived (" in summary  # idp, from the claims' iss
    assert result.tried == sum(tally.tried for tally in result.sources) > 1_190_000


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_time_budget_stops_the_search_and_says_so(jobs: int) -> None:
    """Only the digit strings are planned, so the budget lands inside them however slow the
    machine is (with the built-in words first, a loaded CI runner spent all 0.5 s before the
    digits); the bound on the wall time is loose, this is not a speed test."""
    started = time.perf_counter()
    result = crack(
        _token(secrets.token_bytes(32)), builtin=False, jobs=jobs, digits=8, max_seconds=0.5
    )
    assert time.perf_counter() - started < 10
    assert result.secret is None and result.timed_out
    digits = next(t for t in result.sources if t.label == "digits ≤ 8")
    assert 0 < digits.tried < 111_111_110
    assert "of 111,111,110)" in result.summary()
    assert result.summary().endswith("when the time budget ran out")


def test_words_derived_from_the_target_and_the_token() -> None:
    token = _token(b"Muffinbank2024!", iss="https://auth.muffinbank.example", aud=["ledger"])
    result = crack(token, jobs=1, digits=0)
    assert result.secret == b"Muffinbank2024!" and result.found_in == "derived"
    about = crack(_token(b"acme-corp_jwt_secret"), about=["https://api.acme-corp.io"], jobs=1)
    assert about.secret == b"acme-corp_jwt_secret" and about.found_in == "derived"


def test_stems_from_hosts_urls_and_titles() -> None:
    stems = stems_from(["https://auth.acme-corp.io/realms/payments", "Acme Billing API"])
    text = [stem.decode() for stem in stems]
    for expected in ("acme-corp", "acmecorp", "acme_corp", "Acme", "ACME", "payments"):
        assert expected in text
    for expected in ("acme-billing", "AcmeBilling", "Billing"):
        assert expected in text
    assert not {"auth", "io", "realms", "api", "API"} & set(text)
    assert stems_from(["http://127.0.0.1:8080", "http://localhost:3000"]) == ()
    assert claim_texts({"iss": "a", "aud": ["b", 3], "sub": "c"}) == ["a", "b"]


def test_derived_keyspace_ranges_and_years() -> None:
    keyspace = derived(["acme"], today=dt.date(2026, 5, 1))
    every = keyspace.words(0, keyspace.size)
    assert len(every) == keyspace.size == len(set(every))
    for word in (b"acme", b"acme-secret", b"Acme2026", b"ACME_2027", b"jwt-acme", b"acme123"):
        assert word in every
    for start, stop in ((0, 1), (5, 300), (117, 118), (keyspace.size - 3, keyspace.size + 9)):
        assert keyspace.words(start, stop) == every[start:stop]
    assert Derived((), affixes()).size == 0


def test_bundled_lists_are_counted_gzipped_and_licensed() -> None:
    assert bundled_size("common-passwords.txt.gz") == 30_000
    assert bundled_size("english-words.txt.gz") == 49_160
    common = [w for b in iter_blocks(WORDLISTS / "common-passwords.txt.gz") for w in split_block(b)]
    assert common[:2] == [b"123456", b"password"] and b"muffin" in common
    notice = (WORDLISTS / "LICENSE-zxcvbn.txt").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Dan Wheeler and Dropbox" in notice


def test_a_gzipped_wordlist_is_read_like_a_plain_one(tmp_path: Path) -> None:
    path = tmp_path / "words"  # no .gz suffix: the magic bytes tell
    path.write_bytes(gzip.compress(b"alpha\nbeta\n" + b"x" * 3 + b"\nzeta-4711-secret"))
    result = crack(_token(b"zeta-4711-secret"), [path], builtin=False, jobs=1)
    assert result.secret == b"zeta-4711-secret" and result.tried == 4


def test_plan_without_builtins_and_bad_digits() -> None:
    plan = plan_sources(_token(b"k"), builtin=False, masks=["?d?d"])
    assert [s.label for s in plan] == ["mask ?d?d"]
    assert [s.label for s in plan_sources(_token(b"k"), builtin=False, digits=2)] == ["digits ≤ 2"]
    with pytest.raises(ValueError, match="digits must be 0 to 8"):
        plan_sources(_token(b"k"), digits=9)


def test_a_pool_that_cannot_start_falls_back_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("this worker cannot start")

    inline = engine_room.Search._inline
    fallbacks: list[bool] = []

    def spy(search: engine_room.Search, batches: Iterator[tuple[int, Batch]]) -> bytes | None:
        fallbacks.append(True)
        return inline(search, batches)

    monkeypatch.setattr(engine_room, "_init_worker", broken)
    monkeypatch.setattr(engine_room, "_start_method", lambda: "fork")
    monkeypatch.setattr(engine_room.Search, "_inline", spy)
    result = crack(_token(b"0042"), builtin=False, masks=["?d?d?d?d"], jobs=2)
    assert result.secret == b"0042" and result.tried >= 43 and fallbacks == [True]
