"""hashcat masks: the parser, its one-line errors, and index ranges a worker expands."""

from __future__ import annotations

import itertools
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authsift.jose import JoseError
from authsift.jose.mask import TAIL_MAX, digit_masks, parse_mask


@pytest.mark.parametrize(
    ("mask", "size"),
    [
        ("?d", 10),
        ("?l", 26),
        ("?u", 26),
        ("?s", 33),
        ("?a", 95),
        ("?h?H", 256),
        ("?b", 256),
        ("??", 1),
        ("acme?d?d", 100),
        ("?d?d?d?d?d?d", 1_000_000),
    ],
)
def test_sizes(mask: str, size: int) -> None:
    assert parse_mask(mask).size == size


def test_classes_and_literals() -> None:
    mask = parse_mask("a?l?u?d?s?a??é")
    assert mask.positions[0] == b"a"
    assert mask.positions[1] == b"abcdefghijklmnopqrstuvwxyz"
    assert mask.positions[2] == b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert mask.positions[3] == b"0123456789"
    assert mask.positions[4] == b" !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    assert len(mask.positions[5]) == 95 == len(set(mask.positions[5]))
    assert mask.positions[6:] == (b"?", b"\xc3", b"\xa9")  # a literal é is its UTF-8 bytes


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        ("", "empty mask"),
        ("?", "lone '?'"),
        ("abc?", "lone '?'"),
        ("?d?x", "unknown class ?x at position 3"),
        ("?1?d", "custom charsets (?1) are not supported"),
    ],
)
def test_bad_masks_are_one_line_errors(mask: str, message: str) -> None:
    with pytest.raises(JoseError, match=re.escape(message)) as error:
        parse_mask(mask)
    assert "\n" not in str(error.value)


def test_enumerates_every_candidate_once_last_position_fastest() -> None:
    mask = parse_mask("x?d?l")
    words = mask.words(0, mask.size)
    assert words[:3] == [b"x0a", b"x0b", b"x0c"] and words[-1] == b"x9z"
    letters = string.ascii_lowercase.encode()
    assert words == [b"x" + bytes(p) for p in itertools.product(b"0123456789", letters)]
    assert mask.words(mask.size - 1, mask.size + 50) == [b"x9z"]
    assert mask.words(7, 7) == [] and mask.words(mask.size, mask.size + 1) == []


def test_six_digits_are_zero_padded_and_complete() -> None:
    mask = parse_mask("?d?d?d?d?d?d")
    assert mask.words(0, mask.size) == [b"%06d" % i for i in range(1_000_000)]
    assert sum(m.size for m in digit_masks(6)) == 1_111_110
    assert [m.text for m in digit_masks(2)] == ["?d", "?d?d"]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 26 * 26 * 10 * 10 * 26), st.integers(0, 70_000))
def test_any_range_matches_the_full_enumeration(start: int, length: int) -> None:
    mask = parse_mask("?l?l?d?d?u")  # 1,757,600 > TAIL_MAX: heads and a tail table
    assert mask.size > TAIL_MAX
    full = _full("?l?l?d?d?u")
    assert mask.words(start, start + length) == full[start : start + length]


_FULL: dict[str, list[bytes]] = {}


def _full(text: str) -> list[bytes]:
    if text not in _FULL:
        mask = parse_mask(text)
        _FULL[text] = [bytes(p) for p in itertools.product(*mask.positions)]
    return _FULL[text]
