"""The shared judge: baselines, similarity with volatile fields masked, verdicts, markers.

Pure functions and frozen values only: no HTTP, no asyncio. The engine sends the requests; this
package decides what their answers mean (DESIGN.md §4, CHECKS.md §1.2).
"""

from authsift.analysis.baseline import Baseline, alike, answers_like
from authsift.analysis.bodies import (
    JsonBody,
    exchange_json,
    json_body,
    json_pairs,
    loads_or_none,
    text_tokens,
)
from authsift.analysis.calibration import Calibration, calibrate
from authsift.analysis.markers import (
    identity_markers,
    is_strong_marker,
    markers_present,
    unique_markers,
)
from authsift.analysis.similarity import SIMILARITY_THRESHOLD, similar_at_least, similarity
from authsift.analysis.verdict import (
    CONFIRMATION_HEADERS,
    CONFIRMATION_RESENDS,
    Judgement,
    Verdict,
    confirm,
    confirmation_failure,
    judge,
)
from authsift.analysis.volatile import learn_volatile, masked_headers
from authsift.analysis.wording import human_list, human_mapping, human_value

__all__ = [
    "CONFIRMATION_HEADERS",
    "CONFIRMATION_RESENDS",
    "SIMILARITY_THRESHOLD",
    "Baseline",
    "Calibration",
    "JsonBody",
    "Judgement",
    "Verdict",
    "alike",
    "answers_like",
    "calibrate",
    "confirm",
    "confirmation_failure",
    "exchange_json",
    "human_list",
    "human_mapping",
    "human_value",
    "identity_markers",
    "is_strong_marker",
    "json_body",
    "json_pairs",
    "judge",
    "learn_volatile",
    "loads_or_none",
    "markers_present",
    "masked_headers",
    "similar_at_least",
    "similarity",
    "text_tokens",
    "unique_markers",
]
