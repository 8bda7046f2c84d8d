"""How alike two answers are, in [0, 1], once volatile values are masked.

CHECKS.md §1.2: "`sim` compares JSON bodies by the Jaccard index of their (key path, value)
pairs after masking volatile values (timestamps, request ids, nonces, ETags). Non-JSON bodies use
a normalized token-sequence ratio." The status code is deliberately *not* part of similarity: the
judge weighs status separately, so that "same body, different status" stays visible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from difflib import SequenceMatcher
from functools import lru_cache

from authsift.analysis.bodies import body_text, parse_json_bytes, text_tokens
from authsift.analysis.volatile import mask_text, masked_pairs
from authsift.model import HttpResponse

# difflib is quadratic in the worst case (repetitive HTML): measured on this machine, 6,000
# tokens of markup take ~1 s exactly, ~0.04 s with difflib's "popular token" heuristic. Up to
# EXACT_TOKENS per side the ratio is exact; above, the heuristic is on (it can only *under*-state
# similarity, by ~3 points on a 5%-edited page: the safe direction for "accepted"), and no more
# than MAX_TOKENS tokens of the first 64 KiB are compared.
EXACT_TOKENS = 2000
MAX_TOKENS = 16000
# CHECKS.md §1.2: "≈" means similarity ≥ 0.90 once volatile fields are masked. The one place this
# number is written: baselines, calibration, verdicts and every check read it from here.
SIMILARITY_THRESHOLD = 0.90


def similarity(a: HttpResponse, b: HttpResponse, volatile: frozenset[str] = frozenset()) -> float:
    """Similarity of two response bodies in [0, 1]; symmetric, and 1.0 for identical bodies.

    Both JSON: Jaccard index of the masked (key path, value) pairs, so `{}` vs `{}` is 1.0 and
    `[]` vs `{"x": 1}` is 0.0 (an empty container is a pair of its own). Otherwise: the
    normalized token-sequence ratio of the first 64 KiB of both bodies as text.
    """
    return _similarity(a, b, volatile, floor=None)


def similar_at_least(
    a: HttpResponse, b: HttpResponse, threshold: float, volatile: frozenset[str] = frozenset()
) -> bool:
    """`similarity(a, b, volatile) >= threshold`, without the exact ratio when a cheap upper
    bound already falls short (most "is this the soft-404 page?" questions end there)."""
    return _similarity(a, b, volatile, floor=threshold) >= threshold


def _similarity(
    a: HttpResponse, b: HttpResponse, volatile: frozenset[str], floor: float | None
) -> float:
    pairs_a = _masked_body_pairs(a.body, a.header("Content-Type") or "", volatile)
    pairs_b = _masked_body_pairs(b.body, b.header("Content-Type") or "", volatile)
    if pairs_a is not None and pairs_b is not None:
        return jaccard(pairs_a, pairs_b)
    return _text_similarity(_text_tokens(body_text(a)), _text_tokens(body_text(b)), floor)


@lru_cache(maxsize=64)
def _masked_body_pairs(
    body: bytes, content_type: str, volatile: frozenset[str]
) -> frozenset[tuple[str, str]] | None:
    """Masked pairs of a JSON body, None for a body that is not JSON (cached: the judge compares
    the same baseline bodies against many probes)."""
    parsed = parse_json_bytes(body, content_type)
    return None if parsed is None else frozenset(masked_pairs(parsed.value, volatile))


@lru_cache(maxsize=64)
def _text_tokens(text: str) -> tuple[str, ...]:
    return tuple(text_tokens(mask_text(text))[:MAX_TOKENS])


def jaccard(a: AbstractSet[tuple[str, str]], b: AbstractSet[tuple[str, str]]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty sets are identical (1.0)."""
    union = len(a | b)
    if union == 0:
        return 1.0
    return len(a & b) / union


def text_similarity(a: str, b: str) -> float:
    """Normalized token-sequence ratio (difflib) of two texts, date-times masked.

    difflib's ratio is not exactly symmetric (its matching breaks ties by position), so the two
    token sequences are put in a canonical order first: similarity(a, b) == similarity(b, a).
    """
    return _text_similarity(_text_tokens(a), _text_tokens(b), floor=None)


def _text_similarity(
    tokens_a: tuple[str, ...], tokens_b: tuple[str, ...], floor: float | None
) -> float:
    """The ratio; with a `floor`, an upper bound below the floor is returned as is (the caller
    only asks "at least `floor`?", and the bound already answers no)."""
    if tokens_a == tokens_b:
        return 1.0
    first, second = sorted((tokens_a, tokens_b), key=lambda tokens: (len(tokens), tokens))
    total = len(first) + len(second)
    # difflib's real_quick_ratio and quick_ratio, computed before building the matcher: its
    # constructor indexes the second sequence, the expensive part for a page that is rejected
    # by the bounds anyway.
    bound = 2 * len(first) / total
    if bound == 0.0 or (floor is not None and bound < floor):
        return bound
    if floor is not None:
        bound = 2 * sum((Counter(first) & Counter(second)).values()) / total
        if bound < floor:
            return bound
    exact = len(second) <= EXACT_TOKENS
    return SequenceMatcher(None, first, second, autojunk=not exact).ratio()
