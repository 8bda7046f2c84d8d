"""Per-operation baselines: what "accepted" and "rejected" look like for this one operation.

CHECKS.md §1.2: `R_valid` (the identity's request, sent twice to learn the volatile fields),
`R_none` (all credentials removed, expected 401/403) and `R_junk` (a random credential of the
same format, expected 401). A probe is judged against these, never against a status code alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from authsift.analysis.bodies import (
    body_text,
    is_empty_container,
    json_body,
    json_leaves,
    last_key,
    text_tokens,
)
from authsift.analysis.markers import is_id_key, markers_present
from authsift.analysis.similarity import similar_at_least, similarity
from authsift.analysis.volatile import MASK, is_volatile_leaf, learn_volatile, mask_text
from authsift.model import HttpResponse

DEFAULT_THRESHOLD = 0.90
# If more than this share of the valid answer changes between two identical calls, there is too
# little stable content left to tell one answer from another.
MAX_VOLATILE_SHARE = 0.5
_GENERIC_WORDS = frozenset({"ok", "true", "false", "null", "none", "success", "done", "yes", "no"})


def alike(a: HttpResponse, b: HttpResponse, volatile: frozenset[str], threshold: float) -> bool:
    """ "≈" of CHECKS.md §1.2: same status and similar bodies.

    Status is part of "≈" but not of similarity: a 401 and a 200 with the same empty body are
    different answers (the credential changed the outcome).
    """
    return a.status == b.status and similar_at_least(a, b, threshold, volatile)


@dataclass(frozen=True)
class Baseline:
    """The reference answers of one operation for one identity."""

    valid: tuple[HttpResponse, HttpResponse]
    none: HttpResponse | None = None
    junk: HttpResponse | None = None
    volatile: frozenset[str] = frozenset()
    markers: frozenset[str] = frozenset()  # the identity's markers found in both valid answers
    threshold: float = DEFAULT_THRESHOLD
    identity: str | None = None  # whose valid request this is (None: not recorded)

    @classmethod
    def from_responses(
        cls,
        valid: tuple[HttpResponse, HttpResponse],
        *,
        none: HttpResponse | None = None,
        junk: HttpResponse | None = None,
        identity_markers: frozenset[str] = frozenset(),
        threshold: float = DEFAULT_THRESHOLD,
        identity: str | None = None,
    ) -> Baseline:
        """Learn volatile fields from the two valid answers and keep the identity's markers that
        this operation actually returns (in *both* valid answers: a marker that comes and goes
        cannot be required of a probe)."""
        first, second = valid
        markers = markers_present(first, identity_markers) & markers_present(
            second, identity_markers
        )
        return cls(
            valid=valid,
            none=none,
            junk=junk,
            volatile=learn_volatile(first, second),
            markers=markers,
            threshold=threshold,
            identity=identity,
        )

    @property
    def reference(self) -> HttpResponse:
        """The valid answer probes are compared with."""
        return self.valid[0]

    @property
    def rejected_baselines(self) -> tuple[tuple[str, HttpResponse], ...]:
        """The "no credential" and "junk credential" answers that were collected, labelled."""
        labelled = (("no-credential", self.none), ("junk-credential", self.junk))
        return tuple((label, resp) for label, resp in labelled if resp is not None)

    @cached_property
    def is_public(self) -> bool:
        """The valid answer ≈ the no-credential answer: the operation needs no credential."""
        return self.none is not None and alike(
            self.reference, self.none, self.volatile, self.threshold
        )

    @cached_property
    def accepts_junk(self) -> bool:
        """The valid answer ≈ the junk-credential answer: any credential is taken (fail-open).

        For `authz-invalid-credential-accepted` that *is* the flaw; judge its probes against
        `without_junk()`, since "not like R_junk" cannot hold when R_junk was accepted.
        """
        return self.junk is not None and alike(
            self.reference, self.junk, self.volatile, self.threshold
        )

    @property
    def depends_on_auth(self) -> bool:
        """False when the valid answer ≈ the no-credential or junk-credential answer.

        Then the credential does not change the outcome (a public endpoint, or one that accepts
        anything), and no probe on it can show a credential being accepted: checks must say
        inconclusive (CHECKS.md §1.2, "E is public: skip credential-mutation checks on E"; #6,
        "INCONCLUSIVE if R_junk is not rejected"). With neither rejected baseline collected,
        there is no evidence either way: True (and `judge()` then refuses to accept anything).
        """
        return not (self.is_public or self.accepts_junk)

    def without_junk(self) -> Baseline:
        """This baseline minus the junk-credential answer (for checks whose probe *is* junk)."""
        return replace(self, junk=None)

    @cached_property
    def usable(self) -> tuple[bool, str]:
        """(True, "") when the valid answers can serve as a reference, else (False, why).

        CHECKS.md §1.2: "`R_valid` … must be 2xx; otherwise the check is INCONCLUSIVE (baseline
        failed)". Also required: both copies alike once volatile fields are masked, and most of
        the answer stable (an answer that is all request ids and clocks proves nothing).
        """
        first, second = self.valid
        if not 200 <= first.status < 300:
            return False, f"baseline failed: the valid request was answered {first.status}"
        if second.status != first.status:
            return False, (
                f"baseline unstable: two identical valid requests were answered "
                f"{first.status} and {second.status}"
            )
        if similarity(first, second, self.volatile) < self.threshold:
            return False, "baseline unstable: two identical valid requests got different bodies"
        share = self._learned_volatile_share()
        if share > MAX_VOLATILE_SHARE:
            return False, (
                f"baseline too volatile: {share:.0%} of the answer changes between identical "
                "requests"
            )
        return True, ""

    def _learned_volatile_share(self) -> float:
        parsed = json_body(self.reference)
        if parsed is None:
            return 0.0
        paths = [path for path, _ in json_leaves(parsed.value)]
        if not paths:
            return 0.0
        return sum(1 for path in paths if path in self.volatile) / len(paths)

    @cached_property
    def generic_reason(self) -> str | None:
        """Why the valid answer carries no data that could tell callers apart, or None.

        CHECKS.md §1.2 lists "2xx with a generic body (… `{"data":[]}`)" as inconclusive. Without
        caller markers, only an answer with some substance can show that a probe got the
        identity's data: at least one non-volatile string that is not a bare yes/no, or a
        number under an id-like key. Counts and page numbers alone (`{"total": 0}`) are generic.
        """
        parsed = json_body(self.reference)
        if parsed is None:
            unmasked = mask_text(body_text(self.reference)).replace(MASK, " ")
            words = [token for token in text_tokens(unmasked) if token.isalnum()]
            if any(word.lower() not in _GENERIC_WORDS for word in words):
                return None
            return "the valid answer is empty or generic text"
        for path, leaf in json_leaves(parsed.value):
            if path in self.volatile or is_volatile_leaf(path, leaf) or is_empty_container(leaf):
                continue
            if isinstance(leaf, str) and leaf.strip().lower() not in _GENERIC_WORDS | {""}:
                return None
            if isinstance(leaf, int) and not isinstance(leaf, bool) and is_id_key(last_key(path)):
                return None
        return "the valid answer carries no data (empty lists, counts or flags only)"
