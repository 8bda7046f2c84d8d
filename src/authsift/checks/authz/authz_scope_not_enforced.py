"""authz-scope-not-enforced (CHECKS.md #29); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable

from authsift.checks.authz._objects import (
    Created,
    create,
    creator_of,
    delete,
    read_back,
    still_there,
)
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.jose.errors import JoseError
from authsift.jose.jws import parse_compact
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Operation, Severity

# A scope grants only reading when its words say so (`read`, `orders:read`, `read:orders`,
# `profile.view`) and none of them writes or administers.
_READ_WORDS = frozenset({"read", "view", "get", "list", "readonly", "ro"})
_WIDE_WORDS = frozenset(
    {"write", "admin", "manage", "all", "full", "*", "create", "update", "delete", "edit", "rw"}
)


def token_scopes(token: str) -> tuple[str, ...] | None:
    """The OAuth `scope` (RFC 8693 §4.2 / RFC 9068 §2.2.3: space-separated) or `scp` claim of a
    JWT access token, read without verification; None when absent or not a JWT."""
    try:
        payload = parse_compact(token).payload
    except JoseError:
        return None
    if payload is None:
        return None
    claim = payload.get("scope", payload.get("scp"))
    if isinstance(claim, str):
        return tuple(claim.split())
    if isinstance(claim, list):
        return tuple(str(item) for item in claim)
    return None


def read_only_scopes(scopes: Iterable[str]) -> bool:
    """True when every scope only reads (`read`, `orders:read`) and none writes or administers."""
    listed = list(scopes)
    if not listed:
        return False
    for scope in listed:
        words = {w for w in re.split(r"[:._/\s-]+", scope.lower()) if w}
        if words & _WIDE_WORDS or not words & _READ_WORDS:
            return False
    return True


def missing_scopes(operation: Operation, granted: Iterable[str]) -> tuple[str, ...] | None:
    """The spec scopes `operation` requires that `granted` lacks (RFC 6749 §3.3), or None when
    the spec names no scopes for it or some alternative is satisfied."""
    have = set(granted)
    lacking: list[str] = []
    for alternative in operation.security or ():
        required = {scope for scopes in alternative.values() for scope in scopes}
        if not required:
            return None  # an alternative without scopes (e.g. an API key) is satisfiable
        if required <= have:
            return None
        lacking += sorted(required - have)
    return tuple(dict.fromkeys(lacking)) or None


class ScopeNotEnforced(Check):
    """OAuth scope ignored by the resource server.

    ## What it checks
    Uses every identity whose token is limited — the scopes the config declares for it, or the
    `scope`/`scp` claim of its JWT access token — on operations that need more: operations whose
    OpenAPI security requirement names scopes the token lacks (read-only ones in any mode), and,
    with `checks.intrusive: true`, creating an object with a token limited to reading scopes. API
    keys are left to `apikey-over-privileged`.

    ## Why it matters
    Scopes are how a user or an operator hands out less than everything (a reporting integration
    that may only read). A resource server that accepts any valid token for any operation turns
    every leaked read-only token into a full one (RFC 9700 §2.3, OWASP API5:2023).

    ## Example
    A token with `scope: read` → `POST /orders` → `201 Created`, the order exists.

    ## Remediation
    Check the token's scopes on every operation against what the operation requires and answer
    403 with `error="insufficient_scope"` (RFC 6750 §3.1) when they fall short.

    ## References
    RFC 6750 §3.1 · RFC 6749 §3.3 · RFC 9700 §2.3 · ASVS 5.0 V10.3.2 · OWASP API5:2023 · CWE-285

    ## Decision rule
    CHECKS.md #29. Reads: the limited token's answer must be *accepted* — a usable baseline twice
    alike, dependent on the credential, not a refusal in disguise — and reproduce on two
    re-sends with junk controls rejected. Writes (intrusive only): the create must succeed and
    the object be found again when read back; it is deleted afterwards. A 403
    `insufficient_scope` (or any refusal) is safe.
    """

    id = "authz-scope-not-enforced"
    title = "Token scope not enforced by the resource server"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (285, 863)
    owasp = "API5:2023"
    needs = frozenset({"credential"})
    max_requests = 16
    expected_requests = 2
    baselines = "none"  # only the limited identity's baseline, on operations that declare scopes

    def estimate(self, operation: Operation | None) -> int:
        """Reads cost a baseline only where the spec declares scopes; writes need intrusive."""
        if operation is None:
            return self.expected_requests
        if not operation.is_read_only:  # writes: only creates, and only for limited identities
            creates = operation.method == "POST" and "{" not in operation.path
            return self.expected_requests if creates else 0
        declares_scopes = any(scopes for alt in operation.security or () for scopes in alt.values())
        return 4 + self.expected_requests if declares_scopes else 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        limited = _limited_identities(ctx)
        if not limited:
            raise NotApplicable("no identity has declared scopes (`identities[].scopes`)")
        tested = False
        for identity, scopes in limited:
            lacking = missing_scopes(operation, scopes)
            if operation.is_read_only:
                if lacking is None:
                    continue
                tested = True
                finding = await self._read(ctx, operation, identity, scopes, lacking)
            else:
                if lacking is None and not read_only_scopes(scopes):
                    continue
                tested = True
                finding = await self._write(ctx, operation, identity, scopes, lacking)
            if finding is not None:
                yield finding
                return
        if not tested:
            raise NotApplicable(
                "every scoped identity holds what the operation requires: nothing to test here"
            )

    async def _read(
        self,
        ctx: Context,
        operation: Operation,
        identity: str,
        scopes: tuple[str, ...],
        lacking: tuple[str, ...],
    ) -> Finding | None:
        try:
            base = await ctx.baseline(operation, identity)
        except Inconclusive:
            return None  # refused (or unusable): the scope is enforced, or nothing shows it isn't
        if not base.depends_on_auth or ctx.calibration.looks_like_rejection(base.reference):
            return None
        valid, none_exchange, _ = ctx.baseline_exchanges(operation, identity)
        if not await ctx.confirm(valid.request, base, identity=identity):
            return None
        return ctx.finding(
            self,
            identity=identity,
            description=(
                f"{identity}'s token (scopes: {' '.join(scopes)}) was accepted for "
                f"{operation.key}, which the spec says needs {' '.join(lacking)}. Confirmed "
                "twice with junk controls rejected."
            ),
            evidence=[
                Evidence("request without credentials (refused)", none_exchange),
                Evidence(f"request as {identity}", valid, "answered although out of scope"),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=valid,
            details={"scopes": list(scopes), "required": list(lacking)},
        )

    async def _write(
        self,
        ctx: Context,
        operation: Operation,
        identity: str,
        scopes: tuple[str, ...],
        lacking: tuple[str, ...] | None,
    ) -> Finding | None:
        if not ctx.facts.intrusive or operation.method != "POST":
            return None
        template = _created_template(ctx, operation)
        if template is None:
            return None  # only creates that the scanner can undo are tried
        obj = await create(ctx, template, identity)
        if obj is None:
            return None
        try:
            reading = await read_back(ctx, obj)
            if still_there(obj, reading) is not True or reading is None:
                return None
            return self._write_finding(ctx, operation, identity, scopes, lacking, obj, reading)
        finally:
            await delete(ctx, obj)

    def _write_finding(
        self,
        ctx: Context,
        operation: Operation,
        identity: str,
        scopes: tuple[str, ...],
        lacking: tuple[str, ...] | None,
        obj: Created,
        reading: Exchange,
    ) -> Finding:
        needs = " ".join(lacking) if lacking else "a scope that allows writing"
        evidence = [
            Evidence(f"create as {identity}", obj.creation, "accepted although out of scope"),
            Evidence(f"read back as {identity}", reading, "the object exists"),
        ]
        return ctx.finding(
            self,
            identity=identity,
            description=(
                f"{identity}'s token (scopes: {' '.join(scopes)}) created an object with "
                f"{operation.key}, which needs {needs}; reading it back found it (then the "
                "scanner deleted it)."
            ),
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            reproduce=obj.creation,
            details={"scopes": list(scopes), "required": list(lacking or ()), "object": obj.params},
        )


def _limited_identities(ctx: Context) -> list[tuple[str, tuple[str, ...]]]:
    """Token identities with a known scope limit: declared in the config, else the JWT claim."""
    limited: list[tuple[str, tuple[str, ...]]] = []
    for name in ctx.identities:
        if ctx.facts.identity_auth.get(name) == "api_key":
            continue  # keys: apikey-over-privileged
        declared = tuple(ctx.facts.identity_scopes.get(name, ()))
        credential = ctx.credential(name)
        claimed = token_scopes(credential.token) if credential is not None else None
        scopes = declared or claimed
        if scopes:
            limited.append((name, scopes))
    return limited


def _created_template(ctx: Context, operation: Operation) -> str | None:
    """The object path whose collection `operation` creates into, when it can be deleted."""
    for candidate in ctx.operations:
        if candidate.method == "DELETE" and creator_of(ctx, candidate.path) == operation:
            return candidate.path
    return None
