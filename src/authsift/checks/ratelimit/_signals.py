"""Has the target started limiting? The "counts as limited" list of CHECKS.md §2, in one place.

A `LimitWatch` learns what an ordinary failure looks like (the baseline failures F), then looks
at each later answer and says whether it carries a limit signal:

- HTTP 429 (RFC 6585 §4), 423 Locked (RFC 4918 §11.3) or 503, with or without `Retry-After`;
- the connection refused or reset;
- a `RateLimit` field whose remaining quota `r` is 0 (draft-ietf-httpapi-ratelimit-headers);
- a failure that differs from F and carries lockout wording ("locked", "too many", "try again
  later", "temporarily") that F does not carry;
- a CAPTCHA demand (captcha / recaptcha / hcaptcha / turnstile, or a redirect to a challenge);
- growing delay: the median latency of 5 consecutive attempts ≥ 2 × the baseline median and
  ≥ baseline + 1 s (800-63B §5.2.2 lists "increasing wait" among the mitigations).

The last signal of the list, a correct password refused after the failures (a silent lockout),
needs the correct password: `correct_refused` judges that one answer, once, at the end.

A signal is returned with the threshold it was met at ("429 after 5 failures in 1.2 s").
Nothing here sends a request; nothing here knows any API's paths, fields or wording beyond the
generic words above.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from authsift.analysis import SIMILARITY_THRESHOLD, similarity
from authsift.model import Exchange

LIMIT_STATUSES = {429: "HTTP 429 Too Many Requests", 423: "HTTP 423 Locked", 503: "HTTP 503"}
SIMILAR = SIMILARITY_THRESHOLD
DELAY_WINDOW = 5
DELAY_FACTOR = 2.0
DELAY_MIN_EXTRA = 1.0

_LOCKOUT = re.compile(
    r"\b(locked|lock(ed)?\s*out|too\s+many|try\s+again(\s+later|\s+in)?|temporar(il)?y|"
    r"rate[\s_-]?limit(ed)?|slow\s+down|throttl\w*|exceeded|blocked|suspended|cool(ing)?[\s-]?down)",
    re.I,
)
# Wording that says "limited" on its own, without a baseline to compare with (an answer that was
# already limited when a probe began): narrower than _LOCKOUT, which also matches the "try
# again" of many ordinary failures.
_LIMITED_ALONE = re.compile(
    r"\b(locked|lock(ed)?\s*out|too\s+many|rate[\s_-]?limit(ed)?|slow[\s_]+down|throttled|"
    r"temporarily\s+(blocked|locked|disabled|unavailable)|blocked)\b",
    re.I,
)
_CAPTCHA = re.compile(
    r"captcha|recaptcha|hcaptcha|turnstile|cf-chl|challenge[-_ ]?(page|token)", re.I
)
_RATELIMIT_ZERO = re.compile(r"(^|[;,\s])r=0(\D|$)|remaining=0(\D|$)")


@dataclass(frozen=True, slots=True)
class Signal:
    """The first limit signal: what it was, and when (after how many failures, how long)."""

    kind: str  # "HTTP 429 Too Many Requests", "lockout wording", "CAPTCHA demanded", ...
    failures: int  # failed attempts sent before the limited answer
    seconds: float  # since the first attempt
    exchange: Exchange | None = None
    detail: str = ""  # "Retry-After: 42", the wording seen

    def describe(self) -> str:
        """`HTTP 429 Too Many Requests after 5 failures in 1.2 s (Retry-After: 42)`."""
        plural = "s" if self.failures != 1 else ""
        text = f"{self.kind} after {self.failures} failure{plural} in {self.seconds:.1f} s"
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass(slots=True)
class LimitWatch:
    """Judges answers against the baseline failures F. Feed every attempt to `observe`."""

    baseline: Sequence[Exchange]
    started: float = 0.0  # monotonic time of the first attempt (set by the caller)
    latencies: list[float] = field(default_factory=list)
    failures: int = 0  # attempts observed without a signal

    def __post_init__(self) -> None:
        self.failures = len(self.baseline)

    @property
    def baseline_text(self) -> str:
        return " ".join(_text(e) for e in self.baseline)

    @property
    def baseline_statuses(self) -> set[int | None]:
        return {e.status for e in self.baseline}

    def baseline_latency(self) -> float:
        times = [e.response.elapsed for e in self.baseline if e.response is not None]
        return statistics.median(times) if times else 0.0

    def observe(self, exchange: Exchange, now: float) -> Signal | None:
        """The signal this answer carries, or None (then it counts as one more failure)."""
        kind, detail = self.classify(exchange)
        if kind is None and exchange.response is not None:
            self.latencies.append(exchange.response.elapsed)
            kind, detail = self._growing_delay()
        if kind is not None:
            return Signal(kind, self.failures, max(0.0, now - self.started), exchange, detail)
        self.failures += 1
        return None

    def classify(self, exchange: Exchange) -> tuple[str | None, str]:
        """(kind, detail) of the signal in this one answer, without the delay trend."""
        response = exchange.response
        if response is None:
            error = exchange.error or "no answer"
            if re.search(r"refused|reset|closed|disconnect", error, re.I):
                return "connection refused or reset", error
            return None, ""
        retry_after = response.header("Retry-After")
        detail = f"Retry-After: {retry_after}" if retry_after else "no Retry-After"
        if response.status in LIMIT_STATUSES and response.status not in self.baseline_statuses:
            return LIMIT_STATUSES[response.status], detail
        if _zero_quota(exchange) and not any(_zero_quota(e) for e in self.baseline):
            remaining = response.header("RateLimit") or response.header("X-RateLimit-Remaining")
            return "RateLimit quota exhausted", f"RateLimit: {remaining}"
        if self._differs(exchange):
            text = _text(exchange)
            captcha = _new_words(_CAPTCHA, text, self.baseline_text)
            if captcha:
                return "CAPTCHA demanded", f"“{captcha}”"
            wording = _new_words(_LOCKOUT, text, self.baseline_text)
            if wording:
                return "lockout wording", f"“{wording}”"
        return None, ""

    def _differs(self, exchange: Exchange) -> bool:
        response = exchange.response
        if response is None:
            return False
        for base in self.baseline:
            if base.response is None:
                continue
            if base.status == response.status and similarity(base.response, response) >= SIMILAR:
                location = response.header("Location") or ""
                if location == (base.response.header("Location") or ""):
                    return False
        return True

    def _growing_delay(self) -> tuple[str | None, str]:
        if len(self.latencies) < DELAY_WINDOW:
            return None, ""
        recent = statistics.median(self.latencies[-DELAY_WINDOW:])
        base = self.baseline_latency()
        if recent >= DELAY_FACTOR * base and recent >= base + DELAY_MIN_EXTRA:
            return "growing delay", f"median {recent:.2f} s vs {base:.2f} s at baseline"
        return None, ""

    def correct_refused(self, exchange: Exchange, now: float) -> Signal | None:
        """The correct password, sent once after the failures, was refused: a silent lockout
        (or a limit that answers like a wrong password). None when it was accepted."""
        response = exchange.response
        if response is not None and 200 <= response.status < 400:
            return None
        kind, detail = self.classify(exchange)
        return Signal(
            "correct password refused afterwards" + (f" ({kind})" if kind else ""),
            self.failures,
            max(0.0, now - self.started),
            exchange,
            detail if kind else f"HTTP {exchange.status}",
        )


def _text(exchange: Exchange) -> str:
    response = exchange.response
    if response is None:
        return exchange.error or ""
    location = response.header("Location") or ""
    return f"{response.text[:8192]} {location}"


def _new_words(pattern: re.Pattern[str], text: str, baseline: str) -> str | None:
    """The first match of `pattern` in `text` that the baseline failures do not contain (an F
    saying "try again" must not hide a later "temporarily locked")."""
    seen = {" ".join(m.group(0).lower().split()) for m in pattern.finditer(baseline)}
    for match in pattern.finditer(text):
        if " ".join(match.group(0).lower().split()) not in seen:
            return match.group(0)
    return None


def _zero_quota(exchange: Exchange) -> bool:
    response = exchange.response
    if response is None:
        return False
    value = response.header("RateLimit") or response.header("X-RateLimit-Remaining") or ""
    return bool(_RATELIMIT_ZERO.search(value)) or value.strip() == "0"


def limited_alone(exchange: Exchange) -> str | None:
    """The signal an answer carries by itself, with nothing to compare it with: a limiting
    status, limiting wording, a CAPTCHA demand or an exhausted quota; None otherwise."""
    response = exchange.response
    if response is None:
        return None
    if response.status in LIMIT_STATUSES:
        return LIMIT_STATUSES[response.status]
    if _zero_quota(exchange):
        return "RateLimit quota exhausted"
    text = _text(exchange)
    if 400 <= response.status < 500 and _LIMITED_ALONE.search(text):
        return "lockout wording"
    if _CAPTCHA.search(text):
        return "CAPTCHA demanded"
    return None


def ordinary_alone(exchange: Exchange, limited: Exchange) -> bool:
    """Without a baseline failure to compare with: a 4xx refusal that carries no signal of its
    own and does not answer like the limited answer (not a routing or parsing error either)."""
    response, refused = exchange.response, limited.response
    if response is None or refused is None or limited_alone(exchange) is not None:
        return False
    if not 400 <= response.status < 500 or response.status in (404, 405, 415, 422):
        return False
    return response.status != refused.status or similarity(response, refused) < SIMILAR


def is_failure_like(watch: LimitWatch, exchange: Exchange) -> bool:
    """The answer looks like a baseline failure F (same status, similar body)."""
    return not watch._differs(exchange) and watch.classify(exchange)[0] is None
