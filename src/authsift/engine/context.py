"""The engine's side of `checks.base.Context`: what a check may ask, answered with real traffic.

`ScanState` (engine/scan_state.py) is shared by every task of a scan (session, identities,
baselines, calibration); `TaskContext` is the view one task gets. Baselines are computed once
per operation and identity and shared, so ten checks on `GET /me` cost four baseline requests,
not forty.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

from authsift.analysis import (
    CONFIRMATION_HEADERS,
    CONFIRMATION_RESENDS,
    Baseline,
    Calibration,
    Judgement,
    Verdict,
    human_list,
    judge,
)
from authsift.checks.base import Check, Inconclusive, ScanFacts, SecretRef
from authsift.engine.callbacks import open_listener
from authsift.engine.context_sessions import SessionAbilities
from authsift.engine.credentials import Credential, apply_credential, junk_like, strip_credentials
from authsift.engine.findings import make_finding
from authsift.engine.requests import build_request
from authsift.engine.scan_state import ScanState
from authsift.engine.scope import require_issuer_origin
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Finding,
    HttpRequest,
    HttpResponse,
    Operation,
    OperationRef,
    Severity,
)
from authsift.oob import OobListener


class TaskContext(SessionAbilities):
    """One task's view of the scan (implements `checks.base.Context`)."""

    def __init__(self, state: ScanState, operation: Operation | None, identity: str | None) -> None:
        self._state = state
        self.operation = operation
        self._identity = identity
        self.identities = state.identities
        self.operations = state.operations
        self.facts = state.facts or ScanFacts(target=state.target)
        self.shared = state.shared
        self.requests = 0

    @property
    def identity(self) -> str | None:
        """The identity the task runs as. Read-only for checks: a check that acts as someone else
        says so per call (`send(identity=)`, `finding(identity=)`), so no call depends on what an
        earlier one left behind. A task planned without an identity adopts the first identity
        whose baseline `baseline()` picks for it."""
        return self._identity

    def url(self, path: str) -> str:
        return self._state.target.rstrip("/") + "/" + path.lstrip("/")

    def with_credential(
        self, request: HttpRequest, token: str | None, identity: str | None = None
    ) -> HttpRequest:
        credential = self.credential(identity)
        stripped = strip_credentials(request, credential)
        if token is None:
            return stripped
        if credential is None:
            credential = Credential("header", "Authorization", "", template="Bearer {token}")
        return apply_credential(stripped, credential.with_token(token))

    def report_extra(self, name: str, value: Any) -> None:
        self._state.extras[name] = value

    def callback_listener(self) -> AbstractAsyncContextManager[OobListener]:
        return open_listener(self.facts.settings, self.shared)

    def add_secret(self, value: str, placeholder: str) -> None:
        self._state.redactor.add(value, placeholder)

    # -------------------------------------------------------------- requests

    def build(
        self, operation: Operation | None = None, *, as_identity: str | None = None
    ) -> HttpRequest:
        op = operation or self._require_operation()
        owner = as_identity or self.identity
        values = self._state.resources.get(owner, {}) if owner else {}
        chosen = self._state.seed_choice.get((op.key, owner)) if owner else None
        if chosen:
            values = {**values, **{name: [value] for name, value in chosen.items()}}
        return build_request(self._state.target, op, values)

    async def send(
        self,
        request: HttpRequest,
        *,
        identity: str | None = None,
        retry_on_limit: bool = True,
        ceremony: bool = False,
    ) -> Exchange:
        self.requests += 1
        if ceremony:
            require_issuer_origin(request.url, self.facts.settings.get("oauth"))
        return await self._state.session.send(
            request, identity=identity, retry_on_limit=retry_on_limit, auth_flow=ceremony
        )

    def credential(self, identity: str | None = None) -> Credential | None:
        name = identity or self.identity
        return self._state.auth.credential(name) if name else None

    def markers(self, identity: str | None = None) -> frozenset[str]:
        name = identity or self.identity
        return self._state.markers.get(name, frozenset()) if name else frozenset()

    def role(self, identity: str) -> str:
        return self._state.roles.get(identity, "")

    def is_privileged(self, identity: str) -> bool:
        return self._state.is_privileged(identity)

    @property
    def calibration(self) -> Calibration:
        return self._state.calibration

    # -------------------------------------------------------------- baselines and judging

    async def baseline(
        self, operation: Operation | None = None, identity: str | None = None
    ) -> Baseline:
        """The baseline as `identity`, or — when the task has none — as the first identity (in
        `identity_order`) whose valid request succeeds: a user refused an admin operation (403)
        hands over to the admin, an operation only an API key may call to that key's identity.
        The identity it came from is `Baseline.identity`, and the task then runs as it. Raises
        `Inconclusive` when no identity gets a usable answer.

        A named identity is never swapped for another: access matrices and owner-vs-intruder
        checks ask for one identity's baseline precisely to learn what *that* identity gets."""
        op = operation or self._require_operation()
        wanted = identity or self.identity
        if wanted:
            base = await self._baseline_for(op, wanted)
            usable, reason = base.usable
            if not usable:
                raise Inconclusive(f"no usable baseline for {op.key} as {wanted}: {reason}")
            return base
        failures: dict[str, list[str]] = {}
        for name in self._state.identity_order(op):
            base = await self._baseline_for(op, name)
            usable, reason = base.usable
            if usable:
                self._identity = name  # the engine chose: the task now runs as `name`
                return base
            failures.setdefault(reason, []).append(name)
        tried = "; ".join(
            f"{human_list(names, quote=False)}: {reason}" for reason, names in failures.items()
        )
        raise Inconclusive(f"no identity has a usable baseline for {op.key} ({tried})")

    async def _baseline_for(self, op: Operation, identity: str) -> Baseline:
        if not op.is_read_only:
            # A baseline replays the valid request twice: on a write that is two real writes to
            # data the scanner does not own (disable a user, delete an order). Checks that test
            # writes do so on objects they created themselves.
            raise Inconclusive(f"no baseline for a state-changing operation ({op.key})")
        key = (op.key, identity)
        future = self._state.baselines.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._state.baselines[key] = future
            try:
                future.set_result(await self._measure_baseline(op, identity))
            except asyncio.CancelledError:
                future.cancel()
                del self._state.baselines[key]
                raise
            except Exception as exc:
                future.set_exception(exc)
                future.exception()  # waiters get it re-raised; no "never retrieved" noise
                del self._state.baselines[key]
                raise
        return await asyncio.shield(future)

    async def _measure_baseline(self, op: Operation, identity: str) -> Baseline:
        request = self.build(op, as_identity=identity)
        first = await self.send(request, identity=identity)
        if first.status in _NOT_AN_OBJECT:
            request, first = await self._other_seeds(op, identity, request, first)
        second = await self.send(request, identity=identity)
        credential = self._state.auth.credential(identity)
        anonymous = strip_credentials(request, credential)
        none = await self.send(anonymous)
        junk_request = apply_credential(anonymous, _junk(credential))
        junk = await self.send(junk_request)
        self._state.baseline_exchanges[(op.key, identity)] = (first, none, junk)
        return Baseline.from_responses(
            (_response(first), _response(second)),
            none=none.response,
            junk=junk.response,
            identity_markers=self.markers(identity),
            identity=identity,
        )

    async def _other_seeds(
        self, op: Operation, identity: str, request: HttpRequest, first: Exchange
    ) -> tuple[HttpRequest, Exchange]:
        """The identity's first seed under a path parameter named no object here (404): on an API
        whose every route takes `{id}`, its seeds for `id` name objects of several types. Try
        its next few values for that name and keep the first that answers 2xx."""
        seeds = self._state.resources.get(identity, {})
        names = [p.name for p in op.parameters if p.location.value == "path"]
        for name in names:
            for value in seeds.get(name, [])[1 : 1 + _OTHER_SEEDS]:
                key = (op.key, identity)
                self._state.seed_choice[key] = {**self._state.seed_choice.get(key, {}), name: value}
                candidate = self.build(op, as_identity=identity)
                answer = await self.send(candidate, identity=identity)
                if answer.status is not None and 200 <= answer.status < 300:
                    return candidate, answer
                del self._state.seed_choice[key][name]
        return request, first

    def baseline_exchanges(
        self, operation: Operation | None = None, identity: str | None = None
    ) -> tuple[Exchange, Exchange, Exchange]:
        """The recorded (valid, no-credential, junk-credential) exchanges behind a baseline, for
        the evidence pair of a finding."""
        op = operation or self._require_operation()
        name = identity or self.identity
        if name is None or (op.key, name) not in self._state.baseline_exchanges:
            raise Inconclusive(f"no baseline recorded for {op.key}")
        return self._state.baseline_exchanges[(op.key, name)]

    def junk_request(self, request: HttpRequest, identity: str | None = None) -> HttpRequest:
        credential = self.credential(identity)
        return apply_credential(strip_credentials(request, credential), _junk(credential))

    def recorded_exchanges(self) -> Sequence[Exchange]:
        return tuple(self._state.session.recorder.exchanges)

    def secrets_in(self, text: str) -> tuple[SecretRef, ...]:
        return tuple(
            SecretRef(
                placeholder,
                hmac.new(_REF_KEY, value.encode(), "sha256").hexdigest()[:16],
                len(value),
            )
            for placeholder, value in self._state.redactor.found_in(text)
        )

    def judge(
        self, exchange: Exchange, baseline: Baseline, *, markers: frozenset[str] | None = None
    ) -> Judgement:
        return judge(exchange.response, baseline, self._state.calibration, markers=markers)

    async def confirm(
        self,
        request: HttpRequest,
        baseline: Baseline,
        *,
        identity: str | None = None,
        control: HttpRequest | None = None,
    ) -> bool:
        """CHECKS.md §1.2: the positive is re-sent twice, interleaved with controls; it must stay
        *accepted* by the judge while every control stays *rejected*, which rules out caching and
        flapping. The control is a fresh junk credential of the same shape as the baseline's
        identity, unless the check names its own (e.g. the no-credential request, for a check
        whose probe is itself a junk credential)."""
        shape = identity or baseline.identity or self._identity

        def control_request() -> HttpRequest:
            return control if control is not None else self.junk_request(request, shape)

        return await self.reproduces(
            request,
            lambda again: self.judge(again, baseline).verdict is Verdict.ACCEPTED,
            identity=identity,
            control=control_request,
            control_holds=lambda answer: self.judge(answer, baseline).verdict is Verdict.REJECTED,
        )

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
        """The one re-send loop behind every confirmation (CHECKS.md §1.2): `request` is sent
        `CONFIRMATION_RESENDS` times as `identity` with caches bypassed and must satisfy `holds`
        each time; after each re-send the `control` request (when given) must satisfy
        `control_holds` (sent as `control_identity`, anonymously by default). For decisions the
        judge's accepted/rejected cannot express (an anonymous answer that equals the owner's,
        an intruder's answer carrying the owner's markers); `confirm` is this loop with the
        judge's verdicts."""
        no_cache = replace(request, headers=(*request.headers, *CONFIRMATION_HEADERS))
        for _ in range(CONFIRMATION_RESENDS):
            if not holds(await self.send(no_cache, identity=identity)):
                return False
            if (
                control is not None
                and control_holds is not None
                and not control_holds(await self.send(control(), identity=control_identity))
            ):
                return False
        return True

    # -------------------------------------------------------------- findings

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
        """A finding as `identity` (the attacker: the intruder of a BOLA, the low-privilege
        caller of a BFLA), by default the task's identity; `victim` is whose data it reached."""
        where = operation or self.operation
        return make_finding(
            check,
            self._state.redactor,
            operation=None if api_wide or where is None else OperationRef.of(where),
            attacker=identity or self._identity,
            title=title,
            description=description,
            evidence=evidence,
            confidence=confidence,
            severity=severity,
            victim=victim,
            reproduce=reproduce,
            details=details,
        )

    def _require_operation(self) -> Operation:
        if self.operation is None:
            raise Inconclusive("this task has no operation")
        return self.operation


_NOT_AN_OBJECT = frozenset({404, 410})
_REF_KEY = secrets.token_bytes(32)  # keys `SecretRef.ref`: ids no one outside can reverse
_OTHER_SEEDS = 5  # further seeded values tried for one parameter, one request each


def _junk(credential: Credential | None) -> Credential:
    if credential is None:
        return Credential("header", "Authorization", junk_like("x" * 32), template="Bearer {token}")
    return credential.with_token(junk_like(credential.token))


def _response(exchange: Exchange) -> HttpResponse:
    if exchange.response is None:
        raise Inconclusive(f"baseline request failed: {exchange.error}")
    return exchange.response
