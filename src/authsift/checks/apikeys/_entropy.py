"""How guessable API keys are, from their text alone (pure; CHECKS.md #3).

Two questions, both answered without sending anything:
1. An upper bound on the key's entropy: its length (after a vendor prefix) times log2 of the
   smallest standard alphabet its characters fit. An upper bound, not an estimate: a key can
   be weaker than this (a counter written in base64), never stronger, so "below 128 bits" is
   never a false alarm. Shannon entropy of one string is not used: over 40 characters it cannot
   tell a CSPRNG key from a shuffled counter, and it measures the sample, not the generator.
   Password estimators (zxcvbn) model human choices — dictionary words, keyboard walks — not
   machine-made keys, so they are not used either.
2. Predictable structure, which no alphabet bound sees: UUIDv1 (a timestamp and a MAC), an
   embedded Unix timestamp, base64 that decodes to readable text (`user:42`, JSON), and — with
   two or more keys — positions that every sample shares far more often than chance, or
   numbers that differ by a small step (a serial).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

# A vendor prefix: letters/digits ending in `_`, `-` or `.` at the start (`sk_live_`, `lab_`,
# `ghp_`), at most 12 characters.
_PREFIX = re.compile(r"^(?:[A-Za-z0-9]{1,8}[_.-]){1,2}")
_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)
_DIGIT_RUN = re.compile(r"\d+")
_B64_TEXT = re.compile(r"^[A-Za-z0-9+/_-]+=*$")
_TIMESTAMP_RANGE = (1_420_070_400, 4_102_444_800)  # 2015-01-01 … 2100-01-01
_FIELD_SEPARATORS = re.compile(r"[-_.:|]")
_SMALL_STEP = 1000  # serials issued this close together are "sequential"
_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_CONFIDENT = 20  # hex characters seen before "hex" is believed over "lower-case base36"

HIGH_BELOW = 64  # CHECKS.md §2: < 64 bits high, < 128 bits medium
MEDIUM_BELOW = 128


@dataclass(frozen=True)
class Assessment:
    bits: float  # upper bound, the weakest sample's
    narrow_bits: float  # the same under the narrowest alphabet that fits (hex over base36)
    alphabet: str  # a name for the alphabet of the bound
    structure: tuple[str, ...]  # predictable structure found, in words

    @property
    def ambiguous(self) -> bool:
        return _band(self.bits) != _band(self.narrow_bits)


def _band(bits: float) -> int:
    return 0 if bits < HIGH_BELOW else 1 if bits < MEDIUM_BELOW else 2


def vendor_prefix(keys: Sequence[str]) -> str:
    """The prefix every key starts with, cut at a separator (`lab_`; `sk_live_` only when two
    keys or more share both parts: one key's `Ab3-` could as well be random characters)."""
    if not keys or any(_UUID.match(k) for k in keys):
        return ""
    segments = re.findall(r"[A-Za-z0-9]{1,8}[_.-]", keys[0][:18])
    prefix = ""
    for index, segment in enumerate(segments[:2]):
        longer = prefix + segment
        if not keys[0].startswith(longer) or (index > 0 and len(keys) < 2):
            break
        if not all(k.startswith(longer) and len(k) > len(longer) for k in keys):
            break
        prefix = longer
    return prefix


def _alphabet(chars: set[str], hex_seen: int) -> tuple[str, int, int]:
    """(name, size, narrow size) of the smallest standard alphabet the characters fit."""
    lower = bool(chars & set(string.ascii_lowercase))
    upper = bool(chars & set(string.ascii_uppercase))
    symbols = chars - set(string.ascii_letters + string.digits)
    if not (lower or upper or symbols):
        return "decimal digits", 10, 10
    if chars <= _HEX and not (lower and upper):
        narrow = 16
        wide = 16 if hex_seen >= _HEX_CONFIDENT else 36
        return ("hexadecimal" if wide == 16 else "hexadecimal or base36"), wide, narrow
    if symbols:
        size = 64 + max(0, len(symbols - set("-_+/=")))
        return "base64", size, size
    if lower and upper:
        return "base62", 62, 62
    return "base36", 36, 36


def assess(keys: Sequence[str]) -> Assessment:
    prefix = vendor_prefix(keys)
    bodies = [k[len(prefix) :] for k in keys]
    if any(_UUID.match(b) for b in bodies):
        bodies = [b.replace("-", "") for b in bodies]
    chars = set("".join(bodies)) - {"="}
    hex_seen = sum(len(b) for b in bodies) if chars <= _HEX else 0
    name, size, narrow = _alphabet(chars, hex_seen)
    shortest = min((len(b.rstrip("=")) for b in bodies), default=0)
    return Assessment(
        bits=shortest * math.log2(size),
        narrow_bits=shortest * math.log2(narrow),
        alphabet=name,
        structure=tuple(structure(keys, prefix, size)),
    )


def structure(keys: Sequence[str], prefix: str = "", alphabet: int = 64) -> list[str]:
    found: list[str] = []
    bodies = [k[len(prefix) :] for k in keys]
    for body in bodies:
        uuid = _UUID.match(body)
        if uuid and uuid.group(1) == "1":
            found.append("a UUID version 1 (a timestamp and the generator's MAC address)")
            break
    for body in bodies:
        stamp = _timestamp(body)
        if stamp:
            found.append(f"an embedded Unix timestamp ({stamp})")
            break
    for body in bodies:
        text = _decoded_text(body)
        if text:
            found.append(f"base64 that decodes to readable text ({text})")
            break
    if len(bodies) >= 2:
        shared = _shared_positions(bodies, alphabet)
        if shared:
            found.append(shared)
        serial = _serial(bodies)
        if serial:
            found.append(serial)
    return found


def _timestamp(body: str) -> str | None:
    """A 10- or 13-digit field (whole, between separators or at an end) that reads as a Unix time
    since 2015: random keys have digit runs too, but not set apart as a field."""
    for field in _FIELD_SEPARATORS.split(body):
        for width, scale in ((10, 1), (13, 1000)):
            if (
                len(field) == width
                and field.isdigit()
                and _TIMESTAMP_RANGE[0] <= int(field) // scale < _TIMESTAMP_RANGE[1]
            ):
                return f"{width} digits"
    return None


def _decoded_text(body: str) -> str | None:
    """What a base64 body says when it decodes to readable text with a separator in it."""
    if len(body) < 8 or not _B64_TEXT.match(body) or body.isdigit():
        return None
    try:
        raw = base64.urlsafe_b64decode(
            body.replace("+", "-").replace("/", "_") + "=" * (-len(body) % 4)
        )
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(text) < 4 or not text.isprintable():
        return None
    if text.startswith("{"):
        return "JSON"
    if "@" in text:
        return "an e-mail address"
    if re.search(r"[:|;=]", text):
        return "fields joined by a separator"
    return None


def _shared_positions(bodies: Sequence[str], alphabet: int) -> str | None:
    """Same-length keys that agree at far more positions than random keys would."""
    length = len(bodies[0])
    if length < 4 or any(len(b) != length for b in bodies):
        return None
    same = sum(1 for i in range(length) if len({b[i] for b in bodies}) == 1)
    expected = length / max(alphabet, 2) ** (len(bodies) - 1)
    if same >= length / 2 and same > 3 * expected:
        return f"{same} of {length} characters identical in every key"
    return None


def _serial(bodies: Sequence[str]) -> str | None:
    """The last number of each key, when the keys have one shape (letters in the same places)
    and their numbers differ by a small step (a counter)."""
    if len({_DIGIT_RUN.sub("#", body) for body in bodies}) != 1:
        return None
    numbers = []
    for body in bodies:
        runs = _DIGIT_RUN.findall(body)
        if not runs or len(runs[-1]) < 3:
            return None
        numbers.append(int(runs[-1]))
    steps = {abs(a - b) for a, b in itertools.pairwise(numbers)}
    if steps and 0 not in steps and max(steps) <= _SMALL_STEP:
        return f"sequential numbers (step {max(steps)})"
    return None
