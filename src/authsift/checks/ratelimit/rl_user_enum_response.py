"""rl-user-enum-response (CHECKS.md #45); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from authsift.analysis import json_body
from authsift.analysis.volatile import mask_text, masked_headers, masked_pairs
from authsift.analysis.wording import human_value
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._enum_targets import (
    Endpoint,
    endpoint_for,
    existing_names,
    fresh_name,
    kind_of,
    mask_name,
    may_fail,
    one_at_a_time,
    reserve_failures,
)
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    Operation,
    Safety,
    Severity,
)

FIRST_ROUNDS = 3  # existing/non-existent pairs before deciding
CONFIRM_ROUNDS = 2  # further pairs that must reproduce the difference ("reproduced twice")
LIMIT_STATUSES = frozenset({423, 429, 503})


@dataclass(slots=True)
class Samples:
    existing: list[Exchange] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    absent: list[Exchange] = field(default_factory=list)
    absent_names: list[str] = field(default_factory=list)


class UserEnumResponse(Check):
    """Account existence revealed by status, body, headers or cookies.

    ## What it checks
    On every login pathway, sign-up, password-reset request and public lookup endpoint (found
    in the spec by path, tag and schema, and the configured `endpoints.login`), asks about
    names that exist (the `abuse.account` throwaway, the scan's own identities' user names and
    e-mails) and fresh random names of the same shape, interleaved. Each answer is reduced to
    its status, its body with volatile values and the probed name masked, and each header
    (cookie names, `Location`, `WWW-Authenticate`…; counters and dates masked).

    ## Why it matters
    An API that says "no account with that username" hands attackers a list of valid accounts:
    password spraying, credential stuffing and phishing then aim only at real people, and the
    list itself may be sensitive (who is a customer of a clinic).

    ## Example
    `POST /auth/login` answers `404 {"error": "unknown_user"}` for `ghost-3f1a` and
    `401 {"error": "invalid_credentials"}` for `alice`.

    ## Remediation
    Answer every failed login, reset request and lookup the same way whether or not the account
    exists: one status, one message ("If the account exists, we sent an e-mail"), the same
    headers and cookies. Tell a sign-up "check your e-mail" and say the rest there.

    ## References
    OWASP WSTG-IDNT-04 · OWASP ASVS 5.0 V6.3.8 · OWASP API2:2023 · CWE-204, CWE-203

    ## Decision rule
    CHECKS.md #45. Three pairs (existing, non-existent), then two more pairs: a finding needs a
    feature (status, masked body, or one header) that has one value for every existing name,
    another for every non-existent one, in all five pairs (found, then reproduced twice). A
    feature that varies within one class never counts (an unmasked random value). A limit
    signal (429, 423, 503, Retry-After) stops the probe: inconclusive. Lockout safety: wrong
    passwords go to the `abuse.account` throwaway alone, or, without one, at most 3 per
    configured identity name per scan, spread over the identities (fewer than 3 existing
    samples: inconclusive; a difference needs all 5). Sign-up and reset probes run only with
    `checks.intrusive`: a reset request sends e-mail to existing accounts, and a sign-up with
    a non-existent name creates that account (at most five canaries with random names, on the
    existing accounts' e-mail domain so that only existence differs; left in place and named
    in the finding's `details.created_accounts`). No deliberately invalid field is sent
    instead: most APIs validate fields before they look the name up, which would hide the
    very difference under test.
    Severity medium; low for sign-up, where telling "name taken" is often by design.
    """

    id = "rl-user-enum-response"
    title = "Account existence revealed by the response"
    family = Family.RATELIMIT
    severity = Severity.MEDIUM
    cwe = (204, 203)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes = True
    baselines = "none"
    max_requests = 2 * (FIRST_ROUNDS + CONFIRM_ROUNDS)
    expected_requests = 7  # 6 where nothing differs, 10 where it does, fewer on a 429

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # not a question of throttling, but a limit cuts it short: ~5 per endpoint where the
        # logins throttle (turnstile, ferry hardened), ~9 where they do not and the answers
        # differ (a second round confirms; ferry)
        return min(5, max_attempts), min(9, max_attempts)

    def applies_to(self, operation: Operation) -> str | None:
        if kind_of(operation) is None:
            return "not a login, sign-up, password-reset or account lookup endpoint"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        endpoint = endpoint_for(ctx, op) if op is not None else None
        if endpoint is None:
            raise NotApplicable("not a login, sign-up, password-reset or account lookup endpoint")
        if endpoint.kind in ("signup", "reset") and not ctx.facts.intrusive:
            raise NotApplicable(f"a {endpoint.kind} probe needs checks.intrusive")
        names = existing_names(
            ctx, wants_email=endpoint.wants_email, failing=endpoint.counts_failures
        )
        kind = "e-mail" if endpoint.wants_email else "user name"
        if not names:
            raise Inconclusive(f"no existing account {kind} known (abuse.account, identities)")
        planned = names * FIRST_ROUNDS
        if endpoint.counts_failures:  # wrong passwords: the first rounds' names reserved now
            reserved = reserve_failures(ctx, names, FIRST_ROUNDS)
            if reserved is None:
                raise Inconclusive(
                    "the configured names' cap of wrong passwords is spent by the probes of "
                    "other logins (configure abuse.account for more)"
                )
            planned = reserved
        samples = Samples()
        async with one_at_a_time(ctx, op):
            await _collect(ctx, endpoint, planned, samples, FIRST_ROUNDS, reserved=True)
            first = separating(samples)
            if first and len(samples.existing) == FIRST_ROUNDS:
                await _collect(ctx, endpoint, names, samples, CONFIRM_ROUNDS)
        if len(samples.existing) < FIRST_ROUNDS:
            raise Inconclusive(
                f"only {len(samples.existing)} existing-account samples within the lockout cap "
                "(configure abuse.account for more)"
            )
        if not first:
            _require_consistent_status(samples)
            return
        features = separating(samples)
        rounds = FIRST_ROUNDS + CONFIRM_ROUNDS
        if len(samples.existing) < rounds or len(samples.absent) < rounds or not features:
            raise Inconclusive(
                f"{endpoint.key}: a difference between existing and unknown accounts did not "
                "reproduce"
            )
        yield _finding(self, ctx, endpoint, samples, features)


async def _collect(
    ctx: Context,
    endpoint: Endpoint,
    names: list[str],
    samples: Samples,
    rounds: int,
    *,
    reserved: bool = False,
) -> None:
    """`rounds` interleaved pairs; `reserved`: `names` are the rounds' names, already counted
    against the cap (the first rounds), else each failure is counted as it is sent."""
    for round_index in range(rounds):
        offset = len(samples.existing)
        if reserved:
            name: str | None = names[round_index] if round_index < len(names) else None
        else:
            name = next(
                (
                    candidate
                    for candidate in (names[(offset + i) % len(names)] for i in range(len(names)))
                    if not endpoint.counts_failures or may_fail(ctx, candidate)
                ),
                None,
            )
        if name is None:
            return
        present = await ctx.send(endpoint.request(name), retry_on_limit=False)
        absent_name = fresh_name(name)
        absent = await ctx.send(endpoint.request(absent_name), retry_on_limit=False)
        for exchange in (present, absent):
            if exchange.response is None:
                raise Inconclusive(f"{endpoint.key}: {exchange.error or 'no response'}")
            if exchange.status in LIMIT_STATUSES or exchange.response.header("Retry-After"):
                raise Inconclusive(
                    f"{endpoint.key} answered {exchange.status} (a limit signal) while probing"
                )
        samples.existing.append(present)
        samples.names.append(name)
        samples.absent.append(absent)
        samples.absent_names.append(absent_name)


def features(exchange: Exchange, name: str) -> dict[str, str]:
    """Feature → value: the status, the masked body and each masked header."""
    response = exchange.response
    assert response is not None
    parsed = json_body(response)
    if parsed is not None:
        body = repr(sorted(masked_pairs(parsed.value)))
    else:
        body = mask_text(response.text)
    found = {"status": str(response.status), "body": mask_name(body, name)}
    for header, value in masked_headers(response):
        key = f"header {header}"
        found[key] = (found.get(key, "") + "\n" + mask_name(value, name)).strip()
    return found


def separating(samples: Samples) -> list[str]:
    """Features with one value across existing names, another across non-existent ones."""
    present = [features(e, n) for e, n in zip(samples.existing, samples.names, strict=True)]
    absent = [features(e, n) for e, n in zip(samples.absent, samples.absent_names, strict=True)]
    keys = {k for f in present + absent for k in f}
    result = []
    for key in sorted(keys):
        mine = {f.get(key, "<absent>") for f in present}
        theirs = {f.get(key, "<absent>") for f in absent}
        if len(mine) == 1 and len(theirs) == 1 and mine != theirs:
            result.append(key)
    return result


def _require_consistent_status(samples: Samples) -> None:
    statuses = {e.status for e in samples.existing + samples.absent}
    present = {e.status for e in samples.existing}
    absent = {e.status for e in samples.absent}
    if len(statuses) > 1 and present & absent and (len(present) > 1 or len(absent) > 1):
        raise Inconclusive(f"statuses vary without a pattern: {sorted(map(str, statuses))}")


def _finding(
    check: UserEnumResponse,
    ctx: Context,
    endpoint: Endpoint,
    samples: Samples,
    differing: list[str],
) -> Finding:
    present, absent = samples.existing[0], samples.absent[0]
    shown = []
    for key in differing[:4]:
        if key == "body" and _body_pairs(present) is not None:
            shown.append(_body_difference(present, absent, samples))
            continue
        mine = features(present, samples.names[0]).get(key, "<absent>")
        theirs = features(absent, samples.absent_names[0]).get(key, "<absent>")
        shown.append(f"{key}: {human_value(mine[:80])} vs {human_value(theirs[:80])}")
    rounds = len(samples.existing)
    return ctx.finding(
        check,
        title=f"Account existence revealed by {endpoint.key}",
        description=(
            f"{endpoint.key} ({endpoint.kind}) answers existing accounts differently from "
            f"non-existent ones, in {rounds} of {rounds} interleaved pairs: "
            + "; ".join(shown)
            + "."
        ),
        evidence=[
            Evidence(f"{endpoint.kind} for an existing account", present),
            Evidence(f"{endpoint.kind} for a non-existent account", absent),
            Evidence("reproduced: existing account", samples.existing[-1]),
            Evidence("reproduced: non-existent account", samples.absent[-1]),
        ],
        confidence=Confidence.CERTAIN if "status" in differing else Confidence.FIRM,
        severity=Severity.LOW if endpoint.kind == "signup" else Severity.MEDIUM,
        reproduce=absent,
        details={
            "endpoint": endpoint.key,
            "kind": endpoint.kind,
            "features": differing,
            **({"created_accounts": samples.absent_names} if endpoint.kind == "signup" else {}),
        },
    )


def _body_pairs(exchange: Exchange) -> dict[str, str] | None:
    parsed = json_body(exchange.response) if exchange.response is not None else None
    return dict(masked_pairs(parsed.value)) if parsed is not None else None


def _body_difference(present: Exchange, absent: Exchange, samples: Samples) -> str:
    """The JSON fields that differ, e.g. `$.error: "invalid_credentials" vs "unknown_user"`."""
    mine, theirs = _body_pairs(present) or {}, _body_pairs(absent) or {}
    parts = []
    for path in sorted(mine.keys() | theirs.keys())[:3]:
        a = mask_name(mine.get(path, "(missing)"), samples.names[0])
        b = mask_name(theirs.get(path, "(missing)"), samples.absent_names[0])
        if a != b:
            parts.append(f"{path} {a[:60]} vs {b[:60]}")
    return "body " + ", ".join(parts)
