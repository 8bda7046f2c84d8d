"""hashcat-style masks (``?d?d?d?d?d?d``): a parser, and the keyspace a worker enumerates.

A mask is one character class per position: ``?l`` a–z, ``?u`` A–Z, ``?d`` 0–9, ``?h`` 0–9a–f,
``?H`` 0–9A–F, ``?s`` the 33 printable ASCII symbols and space, ``?a`` all of ``?l?u?d?s``
(95), ``?b`` every byte 0x00–0xff, ``??`` a literal ``?``; any other character stands for
itself (UTF-8 bytes). hashcat's custom charsets (``?1``–``?4``) are not supported.

A worker turns an index range into candidates itself (the parent only hands out ``start, stop``):
the last few positions are enumerated once per worker into a table of ≤ ``TAIL_MAX`` tails, so a
candidate costs one ``bytes`` concatenation, not one ``divmod`` per position.
"""

from __future__ import annotations

import itertools
import math
import string
from dataclasses import dataclass

from authsift.jose.errors import JoseError

#: Largest table of tail combinations a worker precomputes per mask (bytes each, a few MB at most).
TAIL_MAX = 1 << 14

_SYMBOLS = " " + string.punctuation  # hashcat ?s: space and !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
CHARSETS: dict[str, bytes] = {
    "l": string.ascii_lowercase.encode(),
    "u": string.ascii_uppercase.encode(),
    "d": string.digits.encode(),
    "h": b"0123456789abcdef",
    "H": b"0123456789ABCDEF",
    "s": _SYMBOLS.encode(),
    "a": (string.ascii_lowercase + string.ascii_uppercase + string.digits + _SYMBOLS).encode(),
    "b": bytes(range(256)),
}


@dataclass(frozen=True)
class Mask:
    """One mask: the class of every position (literals are one-byte classes)."""

    text: str
    positions: tuple[bytes, ...]

    @property
    def size(self) -> int:
        return math.prod(len(charset) for charset in self.positions)

    def words(self, start: int, stop: int) -> list[bytes]:
        """Candidates ``start`` (inclusive) to ``stop`` (exclusive), last position fastest."""
        stop = min(stop, self.size)
        if start >= stop:
            return []
        head_positions, tails = _split(self)
        tail_count = len(tails)
        first_head, offset = divmod(start, tail_count)
        last_head = (stop - 1) // tail_count
        out: list[bytes] = []
        for head_index in range(first_head, last_head + 1):
            head = _nth(head_positions, head_index)
            low = offset if head_index == first_head else 0
            high = stop - head_index * tail_count if head_index == last_head else tail_count
            if low == 0 and high == tail_count:
                out += [head + tail for tail in tails]
            else:
                out += [head + tail for tail in tails[low:high]]
        return out


def parse_mask(text: str) -> Mask:
    """Parse a hashcat mask; a bad one raises ``JoseError`` naming the problem and position."""
    if not text:
        raise JoseError("empty mask: give one class per position, e.g. '?d?d?d?d?d?d'")
    positions: list[bytes] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "?":
            positions.extend(bytes([byte]) for byte in char.encode())
            index += 1
            continue
        if index + 1 == len(text):
            raise JoseError(
                f"mask {text!r} ends with a lone '?' (write '??' for a literal question mark)"
            )
        name = text[index + 1]
        if name == "?":
            positions.append(b"?")
        elif name in CHARSETS:
            positions.append(CHARSETS[name])
        elif name in "1234":
            raise JoseError(f"mask {text!r}: custom charsets (?{name}) are not supported")
        else:
            known = " ".join(f"?{key}" for key in CHARSETS)
            raise JoseError(
                f"mask {text!r}: unknown class ?{name} at position {index + 1} (known: {known} ??)"
            )
        index += 2
    return Mask(text, tuple(positions))


def digit_masks(up_to: int) -> tuple[Mask, ...]:
    """Every digit string of 1 to ``up_to`` digits, as one mask per length (shortest first)."""
    return tuple(parse_mask("?d" * length) for length in range(1, up_to + 1))


_TAILS: dict[tuple[bytes, ...], tuple[tuple[bytes, ...], list[bytes]]] = {}


def _split(mask: Mask) -> tuple[tuple[bytes, ...], list[bytes]]:
    """(head positions, every combination of the tail positions), cached per process."""
    cached = _TAILS.get(mask.positions)
    if cached is not None:
        return cached
    cut, size = len(mask.positions), 1
    while cut > 0 and size * len(mask.positions[cut - 1]) <= TAIL_MAX:
        cut -= 1
        size *= len(mask.positions[cut])
    tail_positions = mask.positions[cut:]
    tails = [bytes(combination) for combination in itertools.product(*tail_positions)]
    result = (mask.positions[:cut], tails)
    _TAILS[mask.positions] = result
    return result


def _nth(positions: tuple[bytes, ...], index: int) -> bytes:
    """The ``index``-th combination of ``positions`` (mixed radix, last position fastest)."""
    out = bytearray(len(positions))
    for place in range(len(positions) - 1, -1, -1):
        index, digit = divmod(index, len(positions[place]))
        out[place] = positions[place][digit]
    return bytes(out)
