"""Offline HS256/384/512 secret recovery (CHECKS #9, RFC 8725 §3.5).

``crack`` tries what an attacker tries, cheapest and likeliest first (``candidates.py``): the
curated list of default secrets, words derived from the target and the token's ``iss``/``aud``
(``derive.py``), 30,000 common passwords, 49,160 English words, every digit string of up to 6
digits, then the caller's wordlists and hashcat masks (``mask.py``), within an optional time
budget. The result says what was tried, source by source, so "not found" is informative. The
hot loop and the process pool are in ``hmac_search.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from authsift.jose.candidates import (
    BLOCK_BYTES,
    DEFAULT_DIGITS,
    MAX_DIGITS,
    Source,
    builtin_candidates,
    default_sources,
    file_source,
    iter_blocks,
    mask_source,
    split_block,
)
from authsift.jose.derive import claim_texts
from authsift.jose.errors import JoseError
from authsift.jose.hmac_search import HmacTarget, Progress, Search, search_words
from authsift.jose.jws import parse_compact
from authsift.jose.mask import Mask, parse_mask

__all__ = [
    "BLOCK_BYTES",
    "DEFAULT_DIGITS",
    "MAX_DIGITS",
    "CrackResult",
    "HmacTarget",
    "SourceTally",
    "builtin_candidates",
    "crack",
    "crack_sources",
    "export_hashcat",
    "export_john",
    "iter_blocks",
    "john_format",
    "plan_sources",
    "search_words",
    "split_block",
    "usable_cores",
]


@dataclass(frozen=True)
class SourceTally:
    """How many candidates of one source were tried, of how many (``None``: not known)."""

    label: str
    tried: int
    size: int | None
    generated: bool = False

    def describe(self, stopped: bool = False) -> str:
        """``curated 470``, ``digits ≤ 6 (1,111,110)``, ``common passwords 12,000 of 30,000``."""
        if stopped and self.tried == 0:
            return f"{self.label} (not reached)"
        count = f"{self.tried:,}"
        if self.size is not None and self.tried < self.size:
            count += f" of {self.size:,}"
        return f"{self.label} ({count})" if self.generated else f"{self.label} {count}"


@dataclass(frozen=True)
class CrackResult:
    """Outcome of a run: the secret (``None`` when not found) and how hard we tried."""

    secret: bytes | None
    tried: int
    seconds: float
    rate: float
    sources: tuple[SourceTally, ...] = ()
    timed_out: bool = False  # the time budget ran out before every candidate was tried
    found_in: str | None = None  # the label of the source the secret came from

    @property
    def tried_summary(self) -> str:
        """``curated 470, common passwords 30,000, digits ≤ 6 (1,111,110)``."""
        cut = self.timed_out
        return ", ".join(tally.describe(cut) for tally in self.sources if tally.tried or cut)

    def summary(self) -> str:
        """What was tried and how it ended, in one line for a report or a terminal."""
        if self.secret is not None:
            outcome = f"found in {self.seconds:.1f} s"
        elif self.timed_out:
            outcome = f"not found in {self.seconds:.1f} s, when the time budget ran out"
        else:
            outcome = f"not found in {self.seconds:.1f} s"
        return f"{self.tried_summary} — {outcome}"


def usable_cores() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def plan_sources(
    token: str,
    wordlists: Sequence[Path] = (),
    *,
    builtin: bool = True,
    digits: int | None = None,
    masks: Sequence[str | Mask] = (),
    about: Sequence[str] = (),
) -> list[Source]:
    """The sources ``crack`` tries, in order (see the module docstring).

    ``digits``: digit strings of 1 to ``digits`` digits (``None``: 6 with the built-in
    candidates, none without). ``about``: texts besides the token's ``iss`` and ``aud`` to derive
    candidates from (the target's URL, the API's title). Bad masks raise ``JoseError``.
    """
    count = (DEFAULT_DIGITS if builtin else 0) if digits is None else digits
    if not 0 <= count <= MAX_DIGITS:
        raise JoseError(f"digits must be 0 to {MAX_DIGITS} (more is a job for --mask), not {count}")
    parsed_masks = [parse_mask(mask) if isinstance(mask, str) else mask for mask in masks]
    sources: list[Source] = []
    if builtin:
        texts = [*about, *claim_texts(parse_compact(token).payload)]
        sources = default_sources(texts, count)
    elif count:
        sources = [s for s in default_sources((), count) if s.label.startswith("digits")]
    sources += [file_source(path) for path in wordlists]
    sources += [mask_source(mask) for mask in parsed_masks]
    return sources


def crack(
    token: str,
    wordlists: Sequence[Path] = (),
    *,
    builtin: bool = True,
    digits: int | None = None,
    masks: Sequence[str | Mask] = (),
    about: Sequence[str] = (),
    jobs: int = 0,
    max_seconds: float | None = None,
    progress: Progress | None = None,
) -> CrackResult:
    """Try the sources of ``plan_sources`` in order until the secret or ``max_seconds``.

    ``jobs=0`` uses every core; ``jobs=1`` stays in this process (no fork, safe anywhere).
    ``progress`` receives (candidates tried, candidates planned) after every batch.
    """
    sources = plan_sources(
        token, wordlists, builtin=builtin, digits=digits, masks=masks, about=about
    )
    return crack_sources(token, sources, jobs=jobs, max_seconds=max_seconds, progress=progress)


def crack_sources(
    token: str,
    sources: Sequence[Source],
    *,
    jobs: int = 0,
    max_seconds: float | None = None,
    progress: Progress | None = None,
) -> CrackResult:
    """``crack`` over sources of the caller's choosing."""
    target = HmacTarget.from_token(token)
    started = time.perf_counter()
    deadline = None if max_seconds is None else started + max_seconds
    search = Search(target, sources, deadline, progress)
    secret = search.run(jobs if jobs > 0 else usable_cores())
    seconds = time.perf_counter() - started
    tried = sum(search.tried)
    tallies = tuple(
        SourceTally(source.label, count, source.size, source.generated)
        for source, count in zip(sources, search.tried, strict=True)
    )
    timed_out = secret is None and search.timed_out
    rate = tried / seconds if seconds > 0 else 0.0
    found_in = None if search.found_in is None else sources[search.found_in].label
    return CrackResult(secret, tried, seconds, rate, tallies, timed_out, found_in)


def export_hashcat(token: str) -> str:
    """hashcat ``-m 16500`` (JWT) takes the token itself; we only check that it is HS*."""
    HmacTarget.from_token(token)
    parsed = parse_compact(token)
    return f"{parsed.raw_header}.{parsed.raw_payload}.{parsed.raw_signature}"


def export_john(token: str) -> str:
    """John jumbo ``--format=HMAC-SHA256`` (or -SHA384/-SHA512): ``signing_input#hex(sig)``."""
    target = HmacTarget.from_token(token)
    return f"{target.message.decode('ascii')}#{target.signature.hex()}"


def john_format(token: str) -> str:
    """The John format name matching the token's algorithm, e.g. ``HMAC-SHA256``."""
    return "HMAC-" + HmacTarget.from_token(token).hash_name.upper()
