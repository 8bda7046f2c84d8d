"""What a check is, and what it may ask of the engine.

A check is one class in one file under `checks/<family>/`, registered when it is defined. It
declares its cost and risk up front (`max_requests`, `safety`, `needs`) so that the planner can
budget and gate it, and it talks to the target only through `ctx` — never through an HTTP client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from authsift.checks._facts import LoginFacts as LoginFacts
from authsift.checks._facts import ScanFacts as ScanFacts
from authsift.checks._throwaway import SessionAbilities
from authsift.checks.docstrings import doc_sections
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Safety,
    Severity,
)

if TYPE_CHECKING:
    from authsift.analysis import Baseline, Calibration, Judgement

_REGISTRY: dict[str, type[Check]] = {}
_BROKEN: dict[str, str] = {}  # check modules that failed to import → why

# Preconditions a check may declare (CHECKS.md §1.5, in the engine's words).
KNOWN_NEEDS = frozenset(
    {"credential", "jwt", "two_identities", "admin", "login", "refresh", "logout", "oidc"}
    | {"api_key", "oob", "oauth", "client", "oauth_user", "abuse_account"}
)


class CheckDefinitionError(TypeError):
    pass


class Check:
    """Base class. Subclasses set the metadata and implement `run`.

    The docstring is the user-facing documentation (`authsift explain ID`, docs/checks/) with the
    sections What it checks / Why it matters / Example / Remediation / References.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    family: ClassVar[Family]
    severity: ClassVar[Severity]
    cwe: ClassVar[tuple[int, ...]]
    owasp: ClassVar[str]
    safety: ClassVar[Safety] = Safety.READ_ONLY
    # Runs alone, after every other task, one task at a time: a timing measurement must not
    # share the wire (or the target's CPU) with the rest of the scan.
    exclusive: ClassVar[bool] = False
    # A NOISY check that also sends non-read-only methods (login attempts are POSTs) needs
    # `checks.intrusive` as well as noisy checks being on; a read-only noisy one does not.
    sends_writes: ClassVar[bool] = False
    needs: ClassVar[frozenset[str]] = frozenset()
    max_requests: ClassVar[int] = 10  # per task; feeds the plan's budget and the dry-run estimate
    # Typical per task, when below max_requests: the mean over a scan's tasks, those that end at
    # once included (an API-wide check's later probe operations reuse what the first found; an
    # operation no identity can use costs nothing). Measured: benchmarks/estimate_accuracy.py.
    expected_requests: ClassVar[int | None] = None
    # "operation": one task per operation;
    # "api": a few representative operations, one finding per API
    granularity: ClassVar[Literal["operation", "api", "server"]] = "operation"
    # Whose baselines a task needs on its operation: "one" identity (the engine picks it), "all"
    # identities (matrices, owner-vs-intruder), or "none". Feeds the plan's request estimate.
    baselines: ClassVar[Literal["one", "all", "none"]] = "one"
    # "probe": runs with the others; "review": runs after every probe task of the scan, to judge
    # what the scan received (`ctx.recorded_exchanges()`: every response, every operation).
    phase: ClassVar[Literal["probe", "review"]] = "probe"
    # Both read from the docstring's "## Remediation" and "## References" sections (one source:
    # what `explain` prints is what every report says); a subclass may still set them.
    remediation: ClassVar[str] = ""
    references: ClassVar[tuple[str, ...]] = ()
    # Root-cause grouping (CHECKS.md §1.2): when this check fires, findings of these checks on the
    # same operation (or API-wide) are folded into this one as "subsumed", not reported apart.
    subsumes: ClassVar[frozenset[str]] = frozenset()
    # The check judges endpoints the spec does not list: the engine runs unlisted-endpoint
    # discovery before planning when a selected check says so (engine/discovery.py), and every
    # endpoint it finds is planned as an operation (`Operation.undocumented`) for every check.
    uses_discovery: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        missing = [
            n for n in ("id", "title", "family", "severity", "cwe", "owasp") if not hasattr(cls, n)
        ]
        if missing:
            raise CheckDefinitionError(f"{cls.__name__} lacks {', '.join(missing)}")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", cls.id) or not cls.id.startswith(
            cls.family.value + "-"
        ):
            raise CheckDefinitionError(
                f"{cls.__name__}: id {cls.id!r} must be kebab-case with prefix {cls.family.value}-"
            )
        if cls.id in _REGISTRY and _REGISTRY[cls.id] is not cls:
            raise CheckDefinitionError(
                f"duplicate check id {cls.id!r}: {_REGISTRY[cls.id].__name__} and {cls.__name__}"
            )
        sections = doc_sections(cls.doc())
        if "remediation" not in cls.__dict__:
            cls.remediation = " ".join(sections.get("Remediation", "").split())
        if "references" not in cls.__dict__:
            cls.references = tuple(
                ref for ref in (r.strip() for r in sections.get("References", "").split("·")) if ref
            )
        unknown = set(cls.needs) - KNOWN_NEEDS
        if unknown:
            raise CheckDefinitionError(f"{cls.id}: unknown needs {sorted(unknown)}")
        _REGISTRY[cls.id] = cls

    def applies_to(self, operation: Operation) -> str | None:
        """None when the check should run on this operation, else the reason it is skipped."""
        return None

    def estimate(self, operation: Operation | None) -> int:
        return self.expected_requests if self.expected_requests is not None else self.max_requests

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        """A NOISY check's requests (where the API limits them, where it does not): these
        checks stop at the first limit signal, so the same plan costs a few requests on an API
        that throttles and up to `abuse.max_attempts` per endpoint on one that does not, and no
        single number can be right for both (measured on the lab, ferry and turnstile, each
        with its hardened twin: benchmarks/estimate_accuracy.py)."""
        estimate = self.estimate(operation)
        return estimate, estimate

    def noisy_estimate(self, operation: Operation | None, max_attempts: int) -> int:
        """The single number the plan adds up: the middle of `noisy_range`."""
        throttled, unthrottled = self.noisy_range(operation, max_attempts)
        return (throttled + unthrottled + 1) // 2

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        raise NotImplementedError
        yield  # pragma: no cover

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def registry() -> Mapping[str, type[Check]]:
    """Every check, imported on first use (one file per check, no wiring)."""
    _import_all()
    return dict(sorted(_REGISTRY.items()))


def _import_all() -> None:
    import importlib
    import pkgutil

    import authsift.checks as package

    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        name = module.name
        if name.rsplit(".", 1)[-1].startswith("_") or name == "authsift.checks.base":
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # one broken check must not take every scan down with it
            _BROKEN[name] = f"{type(exc).__name__}: {exc}"
            logging.getLogger(__name__).error("check module %s failed to import: %s", name, exc)


@dataclass(frozen=True, slots=True)
class SecretRef:
    """One of the scan's secrets found in a text: its placeholder (shared by the successive
    tokens of one identity) and an opaque id of the value (equal for equal values within a
    scan process, irreversible without the engine's key)."""

    placeholder: str
    ref: str
    length: int = 0  # of the matched value


class Inconclusive(Exception):
    """Raised by a check that cannot decide; the task is reported inconclusive with this reason."""


class CredentialView(Protocol):
    """An identity's credential as the engine applies it (`engine.credentials.Credential`)."""

    @property
    def token(self) -> str: ...

    @property
    def is_jwt(self) -> bool: ...


class CallbackHit(Protocol):
    """One request the callback listener received: the proof that the target reached out."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...  # path and query string


class CallbackListener(Protocol):
    """An out-of-band listener the engine opens for a task (`ctx.callback_listener()`)."""

    @property
    def base_url(self) -> str:
        """The URL the target must be given (no trailing slash)."""
        ...

    def publish(self, files: Mapping[str, bytes], content_type: str | None = None) -> None:
        """Serve each body at its path (paths may be absolute URLs on `base_url`)."""
        ...

    def hits(self, prefix: str = "/") -> Sequence[CallbackHit]: ...

    async def wait_for_hit(self, prefix: str = "/", timeout: float = 1.0) -> bool:
        """True once a request under `prefix` arrived; waits at most `timeout` seconds."""
        ...


class NotApplicable(Exception):
    """Raised by a check that learns at run time that the task is outside what it tests (the
    operator's policy declares the operation public, the operation declares no scope to test).
    The task is reported as skipped with this reason, never as passed: "passed" claims a test
    ran and found nothing."""


class CoveredElsewhere(Exception):
    """Raised by a check whose question is answered by another of its tasks (an API-wide review
    done once per scan on another operation). The task is reported as skipped with this reason:
    "done elsewhere" is not "could not decide"."""


class Context(SessionAbilities, Protocol):
    """What a check may ask for. Implemented by the engine (`engine/context.py`)."""

    operation: Operation | None

    @property
    def identity(self) -> str | None:
        """The identity the task runs as (read-only: pass `identity=` to act as another)."""
        ...

    identities: tuple[str, ...]  # all logged-in identities, in config order
    operations: tuple[Operation, ...]  # every operation of the spec in scope (after filters)
    facts: ScanFacts
    shared: dict[str, Any]  # a scan-wide blackboard for checks that build on each other

    def url(self, path: str) -> str:
        """Absolute URL of `path` on the target."""
        ...

    def with_credential(
        self, request: HttpRequest, token: str | None, identity: str | None = None
    ) -> HttpRequest:
        """`request` carrying `token` where the identity's credential goes (same header, format,
        query parameter or cookie); None removes every credential. For forged or mutated
        credentials: send the result anonymously (`ctx.send(request)`)."""
        ...

    def report_extra(self, name: str, value: Any) -> None:
        """Attach a structured section to every report (e.g. the access matrix)."""
        ...

    def callback_listener(self) -> AbstractAsyncContextManager[CallbackListener]:
        """`async with ctx.callback_listener() as listener:` a running out-of-band listener for
        this task (127.0.0.1, or the operator's `oob_url`/`oob_listen`), closed on exit."""

    def add_secret(self, value: str, placeholder: str) -> None:
        """Keep a secret the check obtained itself (a canary account's password or token) out of
        every output (evidence, curl, HAR, logs), replaced by `placeholder` (`$CANARY_TOKEN`)."""
        ...

    def build(
        self, operation: Operation | None = None, *, as_identity: str | None = None
    ) -> HttpRequest:
        """A valid request for the operation with parameters filled for `as_identity`'s objects,
        without credentials."""
        ...

    async def send(
        self,
        request: HttpRequest,
        *,
        identity: str | None = None,
        retry_on_limit: bool = True,
        ceremony: bool = False,
    ) -> Exchange:
        """Send as `identity` (credentials applied and kept fresh) or anonymously (None);
        `ceremony=True`: a step of an OAuth flow at `oauth.issuer` (may POST when read-only)."""
        ...

    async def baseline(
        self, operation: Operation | None = None, identity: str | None = None
    ) -> Baseline:
        """R_valid ×2, R_none and R_junk for the operation as the identity (cached per scan)."""
        ...

    def baseline_exchanges(
        self, operation: Operation | None = None, identity: str | None = None
    ) -> tuple[Exchange, Exchange, Exchange]:
        """The recorded (valid, no-credential, junk-credential) exchanges behind a baseline."""
        ...

    def junk_request(self, request: HttpRequest, identity: str | None = None) -> HttpRequest:
        """`request` with the identity's credential replaced by a random one of the same shape."""
        ...

    def recorded_exchanges(self) -> Sequence[Exchange]:
        """Every exchange of the scan so far, in order, unredacted (logins included); a `review`
        check sees them all. Evidence built from them is redacted at the edge like any other."""
        ...

    def secrets_in(self, text: str) -> tuple[SecretRef, ...]:
        """The scan's own secrets that `text` contains, each distinct value once, in order of
        appearance: their placeholders (`$ALICE_TOKEN`) and opaque ids; never the values."""
        ...

    def credential(self, identity: str | None = None) -> CredentialView | None: ...

    def markers(self, identity: str | None = None) -> frozenset[str]:
        """Caller-unique values of the identity (id, e-mail, username) learnt at preflight."""
        ...

    def role(self, identity: str) -> str: ...

    def is_privileged(self, identity: str) -> bool: ...

    @property
    def calibration(self) -> Calibration: ...

    def judge(
        self, exchange: Exchange, baseline: Baseline, *, markers: frozenset[str] | None = None
    ) -> Judgement: ...

    async def confirm(
        self,
        request: HttpRequest,
        baseline: Baseline,
        *,
        identity: str | None = None,
        control: HttpRequest | None = None,
    ) -> bool:
        """Re-send a positive twice as `identity`, interleaved with controls (CHECKS.md §1.2): it
        must stay accepted while each control (fresh junk, or `control`) stays rejected."""
        ...

    async def reproduces(
        self,
        request: HttpRequest,
        holds: Callable[[Exchange], bool],
        *,
        identity: str | None = None,
        control: Callable[[], HttpRequest] | None = None,
        control_holds: Callable[[Exchange], bool] | None = None,
        control_identity: str | None = None,
    ) -> bool:
        """The re-send loop behind `confirm`, for decisions the judge cannot express."""
        ...

    def finding(
        self,
        check: Check,
        *,
        title: str | None = None,
        description: str,
        evidence: list[Evidence],
        confidence: Confidence = Confidence.FIRM,
        severity: Severity | None = None,
        victim: str | None = None,
        reproduce: Exchange | None = None,
        details: dict[str, Any] | None = None,
        api_wide: bool = False,
        identity: str | None = None,
        operation: Operation | None = None,
    ) -> Finding:
        """A finding as `identity` (the attacker; default: the task's identity), on `operation`
        (default: the task's; a review names the operation it found something on)."""
        ...
