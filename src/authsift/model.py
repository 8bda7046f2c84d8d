"""Shared nouns of the scan: every layer speaks in these types and nothing else.

They are plain frozen dataclasses so that checks, the judge and the reporters can pass them
around without caring who made them, and so that a finding, once made, cannot change under a
reporter's feet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


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


# --------------------------------------------------------------------------- the API description


class ParamLocation(enum.StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: ParamLocation
    required: bool = False
    schema: dict[str, Any] = field(default_factory=dict)
    example: Any = None  # an example, the default, or a minimal valid value generated from schema


@dataclass(frozen=True, slots=True)
class RequestBody:
    content_type: str  # e.g. application/json, application/x-www-form-urlencoded
    schema: dict[str, Any] = field(default_factory=dict)
    example: Any = None  # an example, the default, or a minimal valid value generated from schema
    required: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    """One method + path template of the API, with everything needed to build a valid request.

    `security` is the effective requirement list after inheritance from the document root:
    `None` means the spec says nothing, `()` means it is explicitly public (`security: []`),
    otherwise a tuple of alternatives, each mapping scheme name → required scopes.
    """

    method: str  # upper case
    path: str  # the template as in the spec, e.g. /users/{user_id}
    operation_id: str | None = None
    summary: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    security: tuple[dict[str, tuple[str, ...]], ...] | None = None
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)  # status → JSON schema
    deprecated: bool = False
    public_by_omission: bool = False  # no `security` where other operations declare it (FastAPI)
    # Not in the spec: found by unlisted-endpoint discovery (engine/discovery.py) and offered to
    # the checks like a documented operation; its kind ("debug", "admin", "ops", "derived")
    undocumented: str | None = None

    @property
    def key(self) -> str:
        """`GET /users/{id}`: the name used in reports, config filters and fingerprints."""
        return f"{self.method} {self.path}"

    @property
    def is_read_only(self) -> bool:
        return self.method in READ_ONLY_METHODS

    @property
    def declared_public(self) -> bool:
        """OpenAPI `security: []` (or an empty alternative `{}`) makes authentication optional;
        so does leaving `security` out where the rest of the spec declares it."""
        return self.needs_no_credential or any(len(alt) == 0 for alt in self.security or ())

    @property
    def needs_no_credential(self) -> bool:
        """The spec says no authentication at all (`security: []`, or omitted as above), which is
        more than "optional" (`[{bearer: []}, {}]`): then anyone may read what it returns."""
        return self.public_by_omission or self.security == ()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    type: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    scheme: str | None = None  # for http: bearer, basic
    location: str | None = None  # for apiKey: header, query, cookie
    param_name: str | None = None  # for apiKey
    bearer_format: str | None = None
    flows: dict[str, Any] = field(default_factory=dict)
    openid_connect_url: str | None = None


@dataclass(frozen=True, slots=True)
class ApiSpec:
    title: str
    version: str
    openapi_version: str  # "2.0", "3.0.3", "3.1.0"
    source: str  # file path or URL the spec came from
    servers: tuple[str, ...] = ()
    operations: tuple[Operation, ...] = ()
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)


# --------------------------------------------------------------------------- HTTP traffic


Headers = tuple[tuple[str, str], ...]


def header_value(headers: Headers, name: str) -> str | None:
    """First value of a header, case-insensitively (RFC 9110 §5.1)."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str  # absolute
    headers: Headers = ()
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""
    elapsed: float = 0.0  # seconds, time to the full (capped) body
    truncated: bool = False  # body was cut at the configured cap

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and what came of it: a response, or the error that prevented one."""

    id: int
    request: HttpRequest
    response: HttpResponse | None
    error: str | None = None  # "timeout", "connection reset", "out of scope", ...
    identity: str | None = None  # whose credentials were applied; None = anonymous
    started_at: float = 0.0  # unix time

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class OperationRef:
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @classmethod
    def of(cls, operation: Operation) -> OperationRef:
        return cls(operation.method, operation.path)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One exchange in a finding's proof, labelled for the reader ("valid request as alice")."""

    label: str
    exchange: Exchange
    note: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    check_id: str
    title: str
    severity: Severity
    confidence: Confidence
    family: Family
    cwe: tuple[int, ...]
    owasp: str  # e.g. "API2:2023"
    operation: OperationRef | None  # None: the finding is API-wide
    identity: str | None
    description: str
    evidence: tuple[Evidence, ...]
    reproduce: str  # curl command, secrets replaced by $NAME_TOKEN placeholders
    remediation: str
    fingerprint: str  # stable across runs: check + operation + identity (+ victim)
    victim: str | None = None
    references: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def mistake(self) -> int | None:
        return self.family.mistake


class Outcome(enum.StrEnum):
    """What became of one task (a check on one operation as one identity)."""

    PASSED = "passed"  # the check ran and found nothing
    FINDING = "finding"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"  # the check crashed; recorded, the scan went on
    NOT_RUN = "not-run"  # budget, max_time, Ctrl-C, or precondition missing
    SKIPPED = "skipped"  # planned out (needs, safety, excluded) or covered by a finding elsewhere


@dataclass(frozen=True, slots=True)
class TaskResult:
    check_id: str
    operation: OperationRef | None
    identity: str | None
    outcome: Outcome
    reason: str = ""  # why inconclusive / not run / skipped, or the error message
    requests: int = 0
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class CheckEntry:
    """A check of the catalogue as this scan saw it: selected, or left out and why."""

    check_id: str
    family: Family
    title: str
    left_out: str = ""  # why it was not selected ("excluded by checks.exclude"); "" = selected


@dataclass(frozen=True, slots=True)
class IdentitySummary:
    """Per identity, proof that the scan really ran logged in (issue #2 §6)."""

    name: str
    role: str
    auth_type: str
    requests: int  # requests sent with this identity's credentials
    succeeded: int  # of those, answered 2xx/3xx (not 401/403)
    logged_in: bool


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    finding: Finding
    reason: str
    expires: str | None = None


@dataclass(slots=True)
class ScanStats:
    requests: int = 0
    operations: int = 0
    checks_run: int = 0
    tasks: int = 0
    duration: float = 0.0
    requests_by_status: dict[str, int] = field(default_factory=dict)
    errors: int = 0


@dataclass(slots=True)
class ScanResult:
    """Everything a reporter gets. Reporters render it; they never call back into the engine."""

    tool_version: str
    target: str
    started_at: str  # ISO 8601 UTC
    finished_at: str
    partial: bool = False  # Ctrl-C, max_time or budget cut the scan short
    partial_reason: str = ""
    stats: ScanStats = field(default_factory=ScanStats)
    identities: list[IdentitySummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[SuppressedFinding] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)
    checks: list[CheckEntry] = field(default_factory=list)  # the whole catalogue (coverage)
    spec_source: str | None = None
    baseline_source: str | None = None  # --baseline file; findings then are only the new ones
    # free-form structured sections added by later work (e.g. the access matrix, issue #5)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def inconclusive(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.INCONCLUSIVE]

    @property
    def errors(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.ERROR]

    @property
    def not_run(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.NOT_RUN]
