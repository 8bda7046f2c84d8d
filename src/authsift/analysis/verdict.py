"""The judge: was a probe's credential accepted, rejected, or can nobody tell?

This is CHECKS.md §1.2 as code, and the reason authsift's findings can be trusted:

* **accepted(R)** only if *all* hold: R is 2xx and has the valid baseline's status;
  `sim(R, R_valid) ≥ 0.90`; `sim(R, R_none) < 0.90` (and the same for `R_junk`); the
  caller-unique markers of the identity (or of the impersonated user) are present.
* **rejected(R)** if R is 401 or 403, or R ≈ `R_none`/`R_junk`, or the calibration recognises a
  disguised refusal (login redirect, 200 with an error body, soft 404; DESIGN.md §4).
* **inconclusive** otherwise, always with the reason: 5xx, 400, 429, other 3xx, no response,
  a 2xx that differs from the valid answer, a 2xx with a generic body.

Where the rules leave room, the judge takes the reading with fewer false positives; each such
choice is named in `judge()`'s docstring.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from authsift.analysis.baseline import Baseline, alike
from authsift.analysis.calibration import Calibration
from authsift.analysis.markers import markers_present
from authsift.analysis.similarity import SIMILARITY_THRESHOLD, similar_at_least, similarity
from authsift.analysis.wording import human_list
from authsift.model import HttpResponse

DEFAULT_THRESHOLD = SIMILARITY_THRESHOLD
# "Any positive result is re-sent twice, interleaved with a fresh R_junk" (CHECKS.md §1.2).
CONFIRMATION_RESENDS = 2
# Sent with confirmation re-sends so that a cache cannot answer for the server.
CONFIRMATION_HEADERS = (("Cache-Control", "no-cache"),)
_CACHE_STATUS_HEADERS = ("X-Cache", "X-Cache-Status", "CF-Cache-Status", "X-Proxy-Cache")


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict with its reason and the numbers behind it, for the finding's evidence."""

    verdict: Verdict
    reason: str
    sim_valid: float
    sim_none: float | None
    markers_found: frozenset[str]
    sim_junk: float | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED

    @property
    def rejected(self) -> bool:
        return self.verdict is Verdict.REJECTED


def judge(
    response: HttpResponse | None,
    baseline: Baseline,
    calibration: Calibration,
    *,
    markers: frozenset[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Judgement:
    """Judge one probe's answer against the operation's baselines (CHECKS.md §1.2).

    `markers` overrides the baseline's markers, for the impersonation proof ("B's markers
    present"); pass `baseline_b.markers` together with B's baseline.

    Readings chosen for fewer false positives:
    - a body ≈ `R_none`/`R_junk` counts as a rejection only if R is 2xx or has that baseline's
      status; a 5xx that happens to look like the 401 page stays inconclusive, so it can never
      pass as a "rejected" junk control during confirmation;
    - a redirect to a login page is a rejection (DESIGN.md §4: calibrated answers "are treated
      as rejections"); any other 3xx is inconclusive;
    - nothing is accepted without a rejected baseline to differ from, or when the valid baseline
      is unusable, looks like a refusal itself, or does not depend on the credential;
    - with no caller markers on this operation, a 2xx is accepted only when the valid answer
      carries data (not `{"data": []}`, counts or flags);
    - a would-be acceptance served from a cache (`Age` > 0, `X-Cache: HIT`) is inconclusive:
      the cache may be replaying the valid request's answer.
    """
    if response is None:
        return Judgement(
            Verdict.INCONCLUSIVE,
            "no response (timeout or connection error)",
            0.0,
            None,
            frozenset(),
        )
    volatile = baseline.volatile
    sim_valid = similarity(response, baseline.reference, volatile)
    sim_none = None if baseline.none is None else similarity(response, baseline.none, volatile)
    sim_junk = None if baseline.junk is None else similarity(response, baseline.junk, volatile)
    wanted = baseline.markers if markers is None else markers
    found = markers_present(response, wanted)

    def verdict(kind: Verdict, reason: str) -> Judgement:
        return Judgement(kind, reason, sim_valid, sim_none, found, sim_junk)

    refusal = _refusal_reason(response, baseline, calibration, threshold)
    if refusal is not None:
        if response.status not in (401, 403) and sim_valid >= threshold:
            reference_refusal = calibration.looks_like_rejection(baseline.reference)
            if reference_refusal is not None:
                # the valid request got the same "refusal": nothing tells the two apart
                return verdict(
                    Verdict.INCONCLUSIVE,
                    f"baseline failed: the valid answer itself looks like a refusal "
                    f"({reference_refusal})",
                )
        return verdict(Verdict.REJECTED, refusal)
    if not 200 <= response.status < 300:
        return verdict(Verdict.INCONCLUSIVE, _non_success_reason(response))
    blocker = _baseline_blocker(baseline, calibration)
    if blocker is not None:
        return verdict(Verdict.INCONCLUSIVE, blocker)
    gap = _acceptance_gap(response, baseline, sim_valid, (sim_none, sim_junk), threshold)
    if gap is None:
        gap = _proof_gap(response, baseline, wanted, found)
    if gap is not None:
        return verdict(Verdict.INCONCLUSIVE, gap)
    evidence = (
        f"caller markers {human_list(found)}" if wanted else "no caller markers on this operation"
    )
    return verdict(
        Verdict.ACCEPTED,
        f"answered like the valid request (similarity {sim_valid:.2f}, "
        f"{_rejected_similarities(sim_none, sim_junk)}; {evidence})",
    )


def _acceptance_gap(
    response: HttpResponse,
    baseline: Baseline,
    sim_valid: float,
    sim_rejected: tuple[float | None, float | None],
    threshold: float,
) -> str | None:
    """Why a 2xx does not match the valid answer while differing from the rejected ones."""
    reference = baseline.reference
    if response.status != reference.status:
        return f"{response.status} where the valid request got {reference.status}"
    if sim_valid < threshold:
        return f"2xx but unlike the valid answer (similarity {sim_valid:.2f} < {threshold:.2f})"
    for label, sim in zip(("no-credential", "junk-credential"), sim_rejected, strict=True):
        if sim is not None and sim >= threshold:
            return f"body indistinguishable from the {label} answer (similarity {sim:.2f})"
    return None


def _proof_gap(
    response: HttpResponse, baseline: Baseline, wanted: frozenset[str], found: frozenset[str]
) -> str | None:
    """Why an answer like the valid one still does not prove whose data it is."""
    cached = _served_from_cache(response)
    if cached is not None:
        return cached
    if wanted:
        missing = wanted - found
        if missing:
            return (
                f"answer like the valid one but {len(missing)} of {len(wanted)} caller markers "
                "missing"
            )
        return None
    if baseline.generic_reason is not None:
        return f"2xx with a generic body: {baseline.generic_reason}"
    return None


def _refusal_reason(
    response: HttpResponse, baseline: Baseline, calibration: Calibration, threshold: float
) -> str | None:
    """Why the answer is a refusal: by status, in disguise, or by looking like R_none/R_junk."""
    if response.status in (401, 403):
        return f"{response.status} {HTTPStatus(response.status).phrase}"
    disguised = calibration.looks_like_rejection(response)
    if disguised is not None:
        return disguised
    is_success = 200 <= response.status < 300
    for label, rejected in baseline.rejected_baselines:
        if alike(baseline.reference, rejected, baseline.volatile, baseline.threshold):
            continue  # that "rejected" answer is the valid one (a public endpoint): no refusal
        comparable = is_success or response.status == rejected.status
        if comparable and similar_at_least(response, rejected, threshold, baseline.volatile):
            return f"same answer as the {label} request got ({rejected.status})"
    return None


def _baseline_blocker(baseline: Baseline, calibration: Calibration) -> str | None:
    """Why this baseline cannot support an acceptance, or None."""
    usable, why = baseline.usable
    if not usable:
        return why
    refusal = calibration.looks_like_rejection(baseline.reference)
    if refusal is not None:
        return f"baseline failed: the valid answer itself looks like a refusal ({refusal})"
    if not baseline.rejected_baselines:
        return "no rejected baseline (no credential or junk credential) to compare with"
    if baseline.is_public:
        return "the operation does not depend on the credential: it answers the same without one"
    if baseline.accepts_junk:
        return (
            "the operation does not depend on the credential: a junk credential gets the same "
            "answer (not authenticating)"
        )
    return None


def _non_success_reason(response: HttpResponse) -> str:
    status = response.status
    if 300 <= status < 400:
        return f"{status} redirect to {response.header('Location') or '(no Location)'}"
    if status == 429:
        return "429 rate limited"
    if status in (400, 422):
        return f"{status}: the request was not understood (parse or validation error)"
    if status >= 500:
        return f"{status} server error"
    return f"{status} answer (neither success nor a credential refusal)"


def _served_from_cache(response: HttpResponse) -> str | None:
    """RFC 9111 §5.1: `Age` > 0 means the answer came from a cache, not from the origin."""
    age = response.header("Age")
    if age is not None and age.strip().isdigit() and int(age.strip()) > 0:
        return f"served from a cache (Age: {age.strip()})"
    for name in _CACHE_STATUS_HEADERS:
        value = response.header(name)
        if value is not None and "hit" in value.lower():
            return f"served from a cache ({name}: {value})"
    return None


def _rejected_similarities(sim_none: float | None, sim_junk: float | None) -> str:
    parts = []
    if sim_none is not None:
        parts.append(f"{sim_none:.2f} to no credential")
    if sim_junk is not None:
        parts.append(f"{sim_junk:.2f} to junk credential")
    return ", ".join(parts)


def confirmation_failure(
    resends: Sequence[Judgement], junk_controls: Sequence[Judgement]
) -> str | None:
    """Why a positive result is not confirmed, or None when it is.

    CHECKS.md §1.2: "any positive result is re-sent twice, interleaved with a fresh R_junk. It
    must reproduce while R_junk stays rejected, which rules out caching and flapping." Too few
    re-sends or no control at all is a failure: nothing was shown.
    """
    if len(resends) < CONFIRMATION_RESENDS:
        return f"needs {CONFIRMATION_RESENDS} re-sends, got {len(resends)}"
    if not junk_controls:
        return "no fresh junk-credential control was interleaved"
    for index, resend in enumerate(resends, start=1):
        if not resend.accepted:
            return f"re-send {index} was {resend.verdict}: {resend.reason}"
    for index, control in enumerate(junk_controls, start=1):
        if not control.rejected:
            return (
                f"junk control {index} was {control.verdict} ({control.reason}): the endpoint "
                "may be caching or not authenticating"
            )
    return None


def confirm(judgements: Sequence[Judgement], junk_controls: Sequence[Judgement]) -> bool:
    """True when every re-send was accepted and every interleaved junk control rejected."""
    return confirmation_failure(judgements, junk_controls) is None
