"""Preflight: prove every identity works, and learn how this API says "no".

Identities are logged in before this runs (`AuthManager.login_all`). A scan that silently ran
logged out finds nothing and reports "clean": the most dangerous false negative a scanner can
produce. So before any check runs, each identity must log in and answer an
identity-bearing endpoint differently from anonymous and from the other identities, or the scan
stops with exit 2 and the reason per identity.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field

from authsift.analysis import Calibration, calibrate, identity_markers, similarity, unique_markers
from authsift.engine.auth import AuthManager
from authsift.engine.credentials import strip_credentials
from authsift.engine.requests import build_request
from authsift.engine.session import HttpSession
from authsift.model import Exchange, HttpRequest, HttpResponse, Operation
from authsift.spec.classify import representative_operations

log = logging.getLogger(__name__)

_SAME = 0.98  # answers this similar are "the same answer"
PROBE_CANDIDATES = 5  # identity-bearing operations tried, in order, until an identity is proven


class PreflightError(Exception):
    """One line per failing identity; the CLI exits 2 with it."""


@dataclass(slots=True)
class PreflightResult:
    calibration: Calibration
    markers: dict[str, frozenset[str]] = field(default_factory=dict)
    probe: Operation | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing when debugging a config
    exchanges: list[Exchange] = field(default_factory=list)


def estimate_preflight(identity_auth_types: list[str], has_probe: bool) -> int:
    logins = sum(1 for t in identity_auth_types if t in {"login", "oauth2"})
    probes = (len(identity_auth_types) + 1) if has_probe else 0
    return logins + probes + 2


async def run_preflight(
    session: HttpSession,
    auth: AuthManager,
    target: str,
    operations: list[Operation],
    resources: dict[str, dict[str, list[object]]],
) -> PreflightResult:
    unknown = HttpRequest(
        "GET", f"{target.rstrip('/')}/authsift-{secrets.token_hex(6)}-does-not-exist"
    )
    identities = list(auth.states)
    calibration_exchanges = [await session.send(unknown)]
    if identities:
        calibration_exchanges.append(await session.send(unknown, identity=identities[0]))

    candidates = representative_operations(operations, limit=PROBE_CANDIDATES)
    result = PreflightResult(calibration=Calibration(), exchanges=list(calibration_exchanges))
    if not candidates:
        result.warnings.append(
            "no identity-bearing GET operation without parameters (such as /me) "
            "to prove the identities work"
        )
        result.calibration = calibrate(unknown_path=_responses(calibration_exchanges))
        return result
    result.probe = candidates[0]
    anonymous: dict[str, Exchange] = {}
    proven: dict[str, tuple[Operation, Exchange]] = {}
    problems: list[str] = []
    for name in identities:
        attempts: list[str] = []
        for probe in candidates:
            exchange = await session.send(
                build_request(target, probe, resources.get(name, {})), identity=name
            )
            result.exchanges.append(exchange)
            if probe.key not in anonymous:
                anonymous[probe.key] = await session.send(
                    strip_credentials(build_request(target, probe))
                )
                result.exchanges.append(anonymous[probe.key])
            problem = _identity_problem(name, exchange, anonymous[probe.key], probe)
            if problem is None:
                proven[name] = (probe, exchange)
                break
            attempts.append(problem.removeprefix(f"{name}: "))
            if "exactly like anonymous" in problem:
                break  # the credential changes nothing: trying elsewhere would hide that
        if name not in proven:
            problems.append(f"{name}: " + "; ".join(attempts))
    pairs: list[tuple[HttpResponse, HttpResponse]] = []
    for probe, exchange in proven.values():
        refused = anonymous[probe.key].response
        if exchange.response is not None and refused is not None:
            pairs.append((exchange.response, refused))
    result.calibration = calibrate(
        unknown_path=_responses(calibration_exchanges), unauthenticated=pairs
    )
    accounts = {name: name for name in proven}  # identity → the first identity of its account
    for name, (probe, exchange) in proven.items():
        for other, (other_probe, other_exchange) in proven.items():
            if other >= name or other_probe.key != probe.key:
                continue
            assert exchange.response is not None and other_exchange.response is not None
            if similarity(exchange.response, other_exchange.response) < _SAME:
                continue
            accounts[max(name, other)] = accounts[min(name, other)]
            first, second = auth.states[name].spec, auth.states[other].spec
            message = f"{name}: answers {probe.key} exactly like {other}"
            if first.auth_type == second.auth_type and first.scopes == second.scopes:
                problems.append(message + " (same credentials twice?)")
            else:
                result.notes.append(message + " (two credentials of one account)")
    result.markers = _account_markers(
        {name: identity_markers(_json(exchange)) for name, (_, exchange) in proven.items()},
        accounts,
    )
    if problems:
        raise PreflightError("; ".join(problems))
    return result


def _identity_problem(
    name: str, exchange: Exchange, anonymous: Exchange, probe: Operation
) -> str | None:
    response = exchange.response
    if response is None:
        return f"{name}: {probe.key} failed: {exchange.error}"
    if response.status in (401, 403):
        return f"{name}: {probe.key} returned {response.status} with its credentials"
    if response.status >= 400:
        return f"{name}: {probe.key} returned {response.status}"
    refused = anonymous.response
    same_as_anonymous = (
        refused is not None
        and refused.status == response.status
        and similarity(response, refused) >= _SAME
    )
    return f"{name}: answers {probe.key} exactly like anonymous" if same_as_anonymous else None


def _json(exchange: Exchange) -> object:
    if exchange.response is None:
        return None
    try:
        return json.loads(exchange.response.body)
    except ValueError:
        return None


def _responses(exchanges: list[Exchange]) -> list[HttpResponse]:
    return [e.response for e in exchanges if e.response is not None]


def _account_markers(
    markers: dict[str, frozenset[str]], accounts: dict[str, str]
) -> dict[str, frozenset[str]]:
    """Markers unique to each account. Two credentials of one account (a login and an API key of
    the same user) share their markers; a value two *accounts* share (a tenant id, a shared
    canary) proves nobody's ownership and is dropped."""
    by_account: dict[str, frozenset[str]] = {}
    for name, found in markers.items():
        root = _root(accounts, name)
        by_account[root] = by_account.get(root, frozenset()) | found
    unique = unique_markers(by_account)
    return {name: unique[_root(accounts, name)] for name in markers}


def _root(accounts: dict[str, str], name: str) -> str:
    while accounts[name] != name:
        name = accounts[name]
    return name
