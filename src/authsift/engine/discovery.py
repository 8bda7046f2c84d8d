"""Unlisted-endpoint discovery: which paths answer that the spec does not list (issue 11).

Runs once per scan, after preflight (so the API's soft-404 calibration is known) and before
planning (so every endpoint found becomes an `Operation` the plan offers to every check, and is
listed in the report's `discovery` inventory). Read-only: GET only, at most
`spec.unlisted.estimate_discovery` requests, the number `--dry-run` prints.

How an answer is read (a path *exists* only on evidence a stranger's API also gives):

* anonymous 2xx that is neither a refusal in disguise (`Calibration.looks_like_rejection`: login
  form, error envelope, soft 404) nor similar to the answer the same prefix gives for a path that
  cannot exist → exists, open to anyone; planned for the checks only when the answer is data
  (`analysis.answers`): a bare health status is listed in the inventory and left alone;
* anonymous 401/403 where a path that cannot exist gets something else (404) → exists, protected
  (unless three or more candidates under the same first segment are refused: a gated prefix,
  where only an identity's 2xx proves a path);
  where unknown paths get 401/403 too (authentication before routing) → asked again as a
  low-privilege and a privileged identity, and it exists only if one of them gets a 2xx that is
  not that identity's answer to a path that cannot exist;
* anything else (404, 405, 3xx, 5xx, errors) → not found. A 405 proves a route but offers nothing
  to read; redirects are not followed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import SIMILARITY_THRESHOLD, Calibration, similar_at_least
from authsift.analysis.answers import data_reason
from authsift.checks.base import Check
from authsift.config import Config
from authsift.engine.session import HttpSession, SafetyError
from authsift.engine.throttle import BudgetExhausted
from authsift.model import Exchange, HttpRequest, HttpResponse, Operation, Outcome, TaskResult
from authsift.spec.classify import operation_matches
from authsift.spec.unlisted import (
    FOLLOW_UPS,
    MAX_HITS,
    Candidate,
    calibration_prefixes,
    candidates,
    estimate_discovery,
)

log = logging.getLogger(__name__)
_SAME_AS_UNKNOWN = SIMILARITY_THRESHOLD  # this similar to "no such path": that answer
_REFUSED = frozenset({401, 403})
_GATED = 3  # refusals under one first segment from which the refusal proves nothing alone
ROOT_CALIBRATION = 2  # the root's unknown path, anonymous and as the low-privilege identity


@dataclass(frozen=True, slots=True)
class Found:
    candidate: Candidate
    anonymous: int  # status of the anonymous GET
    answered_to: tuple[str, ...] = ()  # who got a 2xx: "anonymous" and/or identity names
    # planned as an operation for every check: it refuses someone, or answers with data (a bare
    # `{"status": "ok"}` health check is inventory only: nothing for a check to judge)
    offered: bool = True

    def operation(self) -> Operation:
        return Operation(
            method="GET",
            path=self.candidate.path,
            summary=f"not in the spec: found by discovery ({self.candidate.origin})",
            tags=("undocumented",),
            undocumented=self.candidate.kind,
        )


@dataclass(slots=True)
class Discovery:
    estimate: int = 0
    candidates: int = 0
    sent: int = 0
    found: list[Found] = field(default_factory=list)
    stopped: str = ""  # the request budget or max_time ran out during discovery

    @property
    def operations(self) -> list[Operation]:
        return [f.operation() for f in self.found if f.offered]

    def passed_tasks(self, checks: Mapping[str, Check]) -> list[TaskResult]:
        """A discovery check with no endpoint to judge was still tested: discovery was its probe
        (unless the budget, max_time or Ctrl-C cut it short: then it is not run)."""
        if any(f.offered for f in self.found):
            return []
        outcome = Outcome.NOT_RUN if self.stopped else Outcome.PASSED
        reason = self.stopped or (
            f"no unlisted endpoint answers with data: {self.candidates} candidates, "
            f"{self.sent} requests (estimate {self.estimate})"
        )
        return [
            TaskResult(check_id, None, None, outcome, reason, requests=self.sent)
            for check_id, check in checks.items()
            if check.uses_discovery
        ]

    def inventory(self) -> dict[str, Any]:
        """The report's `discovery` section: what was tried, what it cost, what answered."""
        return {
            "candidates": self.candidates,
            "estimated_requests": self.estimate,
            "requests": self.sent,
            **({"stopped": self.stopped} if self.stopped else {}),
            "found": [
                {
                    "method": "GET",
                    "path": f.candidate.path,
                    "kind": f.candidate.kind,
                    "origin": f.candidate.origin,
                    "anonymous_status": f.anonymous,
                    "answered_to": list(f.answered_to),
                    "tested": f.offered,
                }
                for f in self.found
            ],
        }


async def discover_for(
    session: HttpSession,
    config: Config,
    operations: Sequence[Operation],
    calibration: Calibration,
) -> Discovery:
    """`discover` as a scan runs it: on the operations in scope; follow-ups as the first
    low-privilege and the first privileged identity (config order); never an excluded path."""
    privileged = set(config.privileged_roles)
    low = next((i.name for i in config.identities if i.role not in privileged), None)
    high = next((i.name for i in config.identities if i.role in privileged), None)
    include, exclude = config.operations.include, config.operations.exclude
    in_scope = [
        op
        for op in operations
        if not any(operation_matches(p, op.method, op.path) for p in exclude)
        and (not include or any(operation_matches(p, op.method, op.path) for p in include))
    ]
    found = await discover(
        session,
        config.target,
        in_scope,
        calibration,
        low=low,
        privileged=high,
        excluded=lambda method, path: any(operation_matches(p, method, path) for p in exclude),
    )
    log.info(
        "discovery: %d of %d unlisted candidates answer (%d requests, estimate %d)",
        len(found.found),
        found.candidates,
        found.sent,
        found.estimate,
    )
    return found


def estimate(operations: Sequence[Operation]) -> int:
    return estimate_discovery(operations) + ROOT_CALIBRATION


async def discover(
    session: HttpSession,
    target: str,
    operations: Sequence[Operation],
    calibration: Calibration,
    *,
    low: str | None,
    privileged: str | None,
    excluded: Callable[[str, str], bool] = lambda method, path: False,
) -> Discovery:
    """Probe the candidates; `low` and `privileged` name the identities of the follow-ups."""
    base = target.rstrip("/")
    tried = [c for c in candidates(operations) if not excluded("GET", c.path)]
    result = Discovery(estimate=estimate(operations), candidates=len(tried))

    async def get(path: str, identity: str | None = None) -> HttpResponse | None:
        if result.stopped:
            return None
        try:
            exchange: Exchange = await session.send(
                HttpRequest("GET", base + path), identity=identity
            )
        except SafetyError:
            return None
        except BudgetExhausted as exc:
            result.stopped = str(exc)
            return None
        result.sent += 1
        return exchange.response

    nonce = secrets.token_hex(5)
    unknown = f"/authsift-{nonce}-no-such-path"
    prefixes = [p for p in calibration_prefixes(operations) if not excluded("GET", p + unknown)]
    answers = await asyncio.gather(get(unknown), *(get(p + unknown) for p in prefixes))
    no_anonymous = dict(zip(["", *prefixes], answers, strict=True))
    no_identity = {"": await get(unknown, low)} if low else {}

    def nearest(path: str, table: dict[str, HttpResponse | None]) -> HttpResponse | None:
        owners = [p for p in table if p == "" or path.startswith(p + "/")]
        return table[max(owners, key=len)] if owners else None

    def exists(answer: HttpResponse | None, no: HttpResponse | None) -> bool:
        return (
            answer is not None
            and 200 <= answer.status < 300
            and calibration.looks_like_rejection(answer) is None
            and not (no is not None and similar_at_least(answer, no, _SAME_AS_UNKNOWN))
        )

    anonymous = await asyncio.gather(*(get(c.path) for c in tried))
    follow: list[tuple[Candidate, int]] = []
    for candidate, answer in zip(tried, anonymous, strict=True):
        if answer is None:
            continue
        no = nearest(candidate.path, no_anonymous)
        if exists(answer, no):
            offered = data_reason(answer, calibration) is not None
            result.found.append(Found(candidate, answer.status, ("anonymous",), offered))
        elif answer.status in _REFUSED and len(follow) < MAX_HITS:
            follow.append((candidate, answer.status))
    # A gateway that refuses a whole prefix (`/internal/*` → 401) would make every candidate
    # under it look "protected": where three or more refusals share a first segment, only an
    # identity's answer proves a path there.
    gated = Counter(_first_segment(c.path) for c, _ in follow)
    for candidate, status in follow:
        who: list[str] = []
        for name in list(dict.fromkeys(n for n in (low, privileged) if n))[:FOLLOW_UPS]:
            answer = await get(candidate.path, name)
            if exists(answer, nearest(candidate.path, no_identity) if name == low else None):
                who.append(name)
                if name == low:
                    break  # the low-privilege identity reads it: the privileged one will too
        known_refusal = nearest(candidate.path, no_anonymous)
        protected = (known_refusal is None or known_refusal.status not in _REFUSED) and gated[
            _first_segment(candidate.path)
        ] < _GATED
        if who or protected:
            result.found.append(Found(candidate, status, tuple(who)))
    return result


def _first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0]
