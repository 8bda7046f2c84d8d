"""The scan's vocabulary: severities, confidences, safety classes and check families."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    """Severity per CHECKS.md §1.4, ordered so that `max()` and `>=` mean "worse"."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        return self.rank >= other.rank if isinstance(other, Severity) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > other.rank if isinstance(other, Severity) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= other.rank if isinstance(other, Severity) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return self.rank < other.rank if isinstance(other, Severity) else NotImplemented


_SEVERITY_ORDER = list(Severity)


class Confidence(enum.StrEnum):
    """How sure the tool is: `certain` means confirmed by re-sending, with controls."""

    TENTATIVE = "tentative"
    FIRM = "firm"
    CERTAIN = "certain"


class Safety(enum.StrEnum):
    """What a check's probes may do to the target; the last two are opt-in (`intrusive`)."""

    READ_ONLY = "read-only"
    STATE_CHANGING = "state-changing"
    NOISY = "noisy"


class Family(enum.StrEnum):
    """Check families: the id prefix, the checks/ subpackage and the mistake they belong to."""

    APIKEY = "apikey"
    JWT = "jwt"
    AUTHZ = "authz"
    TOKEN = "token"
    RATELIMIT = "rl"
    OAUTH = "oauth"
    TRANSPORT = "transport"

    @property
    def mistake(self) -> int | None:
        """The number of the five preventable mistakes (CHECKS.md §1.1), None for the extras."""
        return _MISTAKES.get(self)

    @property
    def label(self) -> str:
        """The mistake's name for humans ("Improper JWT validation")."""
        return _FAMILY_TITLES[self]


_MISTAKES = {
    Family.APIKEY: 1,
    Family.JWT: 2,
    Family.AUTHZ: 3,
    Family.TOKEN: 4,
    Family.RATELIMIT: 5,
}

_FAMILY_TITLES = {
    Family.APIKEY: "API keys as the sole authentication",
    Family.JWT: "Improper JWT validation",
    Family.AUTHZ: "Missing or broken authorization",
    Family.TOKEN: "Long-lived or non-expiring tokens",
    Family.RATELIMIT: "No rate limiting or abuse detection",
    Family.OAUTH: "OAuth 2.0 / OpenID Connect misconfiguration",
    Family.TRANSPORT: "Credential leakage and transport",
}
