"""Planning: checks × operations × identities → tasks, with a request budget. Pure: no I/O.

The same functions feed the real run and `--dry-run`, so the estimate printed before a scan is
the plan that runs, and the request estimate is the sum of what each task declares plus the
baselines and preflight the engine will send.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from authsift.checks.base import Check
from authsift.model import Family, Operation, Safety
from authsift.spec.classify import operation_matches, representative_operations

BASELINE_REQUESTS = 4  # valid ×2, none, junk (CHECKS.md §1.2)


@dataclass(frozen=True, slots=True)
class IdentityInfo:
    """What the planner knows about an identity before any request is sent."""

    name: str
    role: str
    privileged: bool
    auth_type: str  # bearer | header | api_key | basic | cookie | login | oauth2


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Which preconditions (`Check.needs`) this scan can satisfy."""

    login: bool = False
    refresh: bool = False
    logout: bool = False
    oidc: bool = False
    oob: bool = False
    authorization_server: bool = False  # oauth.issuer
    oauth_client: bool = False  # oauth.client
    oauth_user: bool = False  # oauth.user (a test user for the authorization-code flow)
    abuse_account: bool = False  # config abuse.account: a throwaway the noisy checks may lock


@dataclass(frozen=True, slots=True)
class Task:
    check_id: str
    operation: Operation | None
    identity: str | None  # None: the engine picks the identity whose baseline works
    estimate: int
    # a NOISY check's (throttled, unthrottled) requests: `estimate` is their middle
    noisy: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    check_id: str
    operation: str | None
    reason: str


@dataclass(slots=True)
class Plan:
    tasks: list[Task] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    baseline_identities: dict[str, int] = field(default_factory=dict)  # operation → identities
    preflight_requests: int = 0
    discovery_requests: int = 0  # unlisted-endpoint discovery, at most (engine/discovery.py)

    @property
    def baseline_operations(self) -> list[str]:
        return [key for key, count in self.baseline_identities.items() if count]

    @property
    def baseline_requests(self) -> int:
        return BASELINE_REQUESTS * sum(self.baseline_identities.values())

    @property
    def check_requests(self) -> int:
        return sum(t.estimate for t in self.tasks)

    @property
    def noisy_requests(self) -> tuple[int, int]:
        """The noisy checks' requests where every endpoint they probe throttles, and where none
        does; a scan of an API that throttles some logins and not others falls between."""
        ranges = [t.noisy for t in self.tasks if t.noisy is not None]
        return sum(low for low, _ in ranges), sum(high for _, high in ranges)

    @property
    def estimated_requests(self) -> int:
        return (
            self.preflight_requests
            + self.discovery_requests
            + self.baseline_requests
            + self.check_requests
        )

    def estimated_seconds(self, rate: float, concurrency: int, latency: float = 0.02) -> float:
        """Rate-bound when throttled; otherwise bound by round trips over the concurrency cap."""
        by_rate = self.estimated_requests / rate if rate > 0 else 0.0
        by_latency = self.estimated_requests * latency / max(1, concurrency)
        return max(by_rate, by_latency)

    def tasks_by_check(self) -> dict[str, list[Task]]:
        grouped: dict[str, list[Task]] = {}
        for task in self.tasks:
            grouped.setdefault(task.check_id, []).append(task)
        return grouped


def select_operations(
    operations: Iterable[Operation], include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[Operation], list[Skip]]:
    kept: list[Operation] = []
    skipped: list[Skip] = []
    for op in operations:
        if any(operation_matches(p, op.method, op.path) for p in exclude):
            skipped.append(Skip("*", op.key, "excluded by operations.exclude"))
        elif include and not any(operation_matches(p, op.method, op.path) for p in include):
            skipped.append(Skip("*", op.key, "not in operations.include"))
        else:
            kept.append(op)
    return kept, skipped


# --------------------------------------------------------------------------- which checks


ALL = "all"
FAMILY_NAMES = frozenset(f.value for f in Family)
# Names a reader may guess from the checks/ subpackages or the catalogue: pointed to, not guessed.
_ALIASES = {
    "apikeys": "apikey",
    "api-key": "apikey",
    "ratelimit": "rl",
    "rate-limit": "rl",
    "lifecycle": "token",
    "tokens": "token",
}


class SelectionError(ValueError):
    """`checks.include` / `checks.exclude` name something that is not a check, a family or
    `all`, or select nothing at all. The message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Selection:
    chosen: tuple[str, ...]  # check ids, catalogue order
    left_out: dict[str, str]  # check id → why it is not run ("excluded by checks.exclude")


def resolve_selection(
    catalogue: Mapping[str, type[Check]], include: Sequence[str], exclude: Sequence[str]
) -> Selection:
    """`checks.include` / `checks.exclude` → the checks to run. Both take check ids, family names
    (`jwt`, `authz`) or `all`; anything else is an error with a did-you-mean, because a typo
    there (`authz-bola`) would otherwise run nothing and exit green."""
    known = {ALL, *FAMILY_NAMES, *catalogue}
    for key, given in (("checks.include", include), ("checks.exclude", exclude)):
        problem = _unknown_names(key, given, known)
        if problem:
            raise SelectionError(problem)
    wanted, unwanted = set(include), set(exclude)
    chosen: list[str] = []
    left_out: dict[str, str] = {}
    for check_id, check in catalogue.items():
        names = {check_id, check.family.value, ALL}
        if names & unwanted:
            left_out[check_id] = "excluded by checks.exclude"
        elif not names & wanted:
            left_out[check_id] = "not in checks.include"
        else:
            chosen.append(check_id)
    if not chosen:
        raise SelectionError(_nothing_selected(catalogue, wanted, unwanted))
    return Selection(tuple(chosen), left_out)


def _unknown_names(key: str, names: Sequence[str], known: set[str]) -> str | None:
    problems = []
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = _ALIASES.get(name.lower()) or (close[0] if close else None)
        problems.append(f'"{name}"' + (f" (did you mean {hint}?)" if hint else ""))
    if not problems:
        return None
    what = "check or family" if len(problems) == 1 else "checks or families"
    return f"{key}: unknown {what} {', '.join(problems)}; `authsift checks` lists them"


def _nothing_selected(
    catalogue: Mapping[str, type[Check]], wanted: set[str], unwanted: set[str]
) -> str:
    families = {check.family.value for check in catalogue.values()}
    empty = sorted(name for name in wanted if name in FAMILY_NAMES and name not in families)
    if empty and wanted <= set(empty):
        which = " and ".join(empty)
        has = "has" if len(empty) == 1 else "have"
        return f"checks.include selects no check: {which} {has} no checks yet"
    if unwanted:
        return "checks.exclude removes every check that checks.include selects: nothing to run"
    return "checks.include selects no check: nothing to run"


# --------------------------------------------------------------------------- preconditions

# How a missing precondition reads in a report ("needs an admin identity and a non-admin one").
NEED_PHRASES = {
    "credential": "an identity",
    "two_identities": "two identities, at least one of them not privileged",
    "admin": "an admin identity and a non-admin one",
    "jwt": "an identity whose credential is a token (bearer, login, OAuth 2.0, cookie)",
    "api_key": "an API-key identity",
    "login": "a login endpoint (endpoints.login)",
    "refresh": "a refresh endpoint (endpoints.refresh)",
    "logout": "a logout endpoint (endpoints.logout)",
    "oidc": "OpenID Connect discovery (endpoints.oidc_discovery)",
    "oob": "an out-of-band listener reachable by the target",
    "oauth": "an authorization server to audit (oauth.issuer)",
    "client": "a registered client (oauth.client)",
    "oauth_user": "a test user for the authorization-code flow (oauth.user)",
    "abuse_account": "a throwaway account (abuse.account)",
}
NEEDS_INTRUSIVE = "needs checks.intrusive"
NOISY_OFF = "noisy: off unless --noisy or checks.include names it"


def noisy_named(include: Sequence[str]) -> frozenset[str]:
    """The names in `checks.include` that switch noisy checks on: a check id or a family, never
    `all` (a blanket selection must not start a brute force)."""
    return frozenset(name for name in include if name != ALL)


def needs_met(check: Check, identities: Sequence[IdentityInfo], caps: Capabilities) -> str | None:
    users = [i for i in identities if not i.privileged]
    token_based = [
        i for i in identities if i.auth_type in {"bearer", "login", "oauth2", "header", "cookie"}
    ]
    unmet = {
        "credential": not identities,
        "two_identities": len(identities) < 2 or not users,
        "admin": not any(i.privileged for i in identities) or not users,
        "jwt": not token_based,
        "api_key": not any(i.auth_type == "api_key" for i in identities),
        "login": not caps.login,
        "refresh": not caps.refresh,
        "logout": not caps.logout,
        "oidc": not caps.oidc,
        "oob": not caps.oob,
        "oauth": not caps.authorization_server,
        "client": not caps.oauth_client,
        "oauth_user": not caps.oauth_user,
        "abuse_account": not caps.abuse_account,
    }
    missing = sorted(need for need in check.needs if unmet.get(need, True))
    if not missing:
        return None
    return "needs " + " and ".join(NEED_PHRASES.get(need, need) for need in missing)


def make_plan(
    checks: Mapping[str, Check],
    operations: Sequence[Operation],
    identities: Sequence[IdentityInfo],
    *,
    caps: Capabilities = Capabilities(),
    intrusive: bool = False,
    noisy: bool = False,
    noisy_names: frozenset[str] = frozenset(),
    max_attempts: int = 100,
    include_ops: Sequence[str] = (),
    exclude_ops: Sequence[str] = (),
    preflight_requests: int = 0,
    discovery_requests: int = 0,
) -> Plan:
    plan = Plan(preflight_requests=preflight_requests, discovery_requests=discovery_requests)
    kept, skipped_ops = select_operations(operations, include_ops, exclude_ops)
    plan.skipped.extend(skipped_ops)
    wanted = {"one": 1, "all": len(identities), "none": 0}
    for check_id, check in checks.items():
        unmet = needs_met(check, identities, caps)
        if unmet is not None:
            plan.skipped.append(Skip(check_id, None, unmet))
            continue
        if check.safety is Safety.NOISY:
            if not (noisy or {check_id, check.family.value} & noisy_names):
                plan.skipped.append(Skip(check_id, None, NOISY_OFF))
                continue
            if check.sends_writes and not intrusive:
                plan.skipped.append(Skip(check_id, None, NEEDS_INTRUSIVE + " (it sends POSTs)"))
                continue
        elif check.safety is not Safety.READ_ONLY and not intrusive:
            plan.skipped.append(Skip(check_id, None, NEEDS_INTRUSIVE))
            continue
        if check.granularity == "server":  # audits a server (OAuth), not an API operation
            plan.tasks.append(Task(check_id, None, None, check.estimate(None)))
            continue
        targets = representative_operations(kept) if check.granularity == "api" else kept
        if check.uses_discovery:  # it judges only what unlisted-endpoint discovery found
            targets = [op for op in targets if op.undocumented is not None]
        if check.granularity == "api" and not targets:
            plan.skipped.append(
                Skip(check_id, None, "no identity-bearing read-only operation to probe")
            )
        for op in targets:
            if not op.is_read_only and not intrusive:
                plan.skipped.append(
                    Skip(check_id, op.key, "state-changing operation: needs checks.intrusive")
                )
                continue
            reason = check.applies_to(op)
            if reason is not None:
                plan.skipped.append(Skip(check_id, op.key, reason))
                continue
            if check.safety is Safety.NOISY:
                spread = check.noisy_range(op, max_attempts)
                task = Task(check_id, op, None, check.noisy_estimate(op, max_attempts), spread)
            else:
                task = Task(check_id, op, None, check.estimate(op))
            plan.tasks.append(task)
            if op.is_read_only:  # the engine baselines read-only operations only
                needed = wanted[check.baselines]
                plan.baseline_identities[op.key] = max(
                    plan.baseline_identities.get(op.key, 0), needed
                )
    return plan


def nothing_to_test(plan: Plan) -> str:
    """Why a plan has no task, in one line: a scan that tests nothing must not pass as clean."""
    by_reason: dict[str, list[str]] = {}
    for skip in plan.skipped:
        if skip.check_id != "*":
            names = by_reason.setdefault(skip.reason, [])
            if skip.check_id not in names:
                names.append(skip.check_id)
    if not by_reason:
        operations = Counter(skip.reason for skip in plan.skipped)
        why = ", ".join(sorted(operations)) or "the spec has no operation"
        return f"nothing to test: no operation is left to probe ({why})"
    parts = [
        f"{', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''}: {reason}"
        for reason, names in by_reason.items()
    ]
    return "nothing to test: " + "; ".join(parts)
