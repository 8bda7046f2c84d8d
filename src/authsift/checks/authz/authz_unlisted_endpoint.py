"""authz-unlisted-endpoint (issue 11); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis import SIMILARITY_THRESHOLD, similarity
from authsift.analysis.answers import data_reason
from authsift.analysis.bodies import json_body, json_leaves, last_key
from authsift.analysis.sensitivity import recognised_private
from authsift.checks.authz._unlisted import leaks, register_and_mask
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    HttpResponse,
    Operation,
    Severity,
)
from authsift.spec.classify import looks_privileged

_SAME_AS_PRIVILEGED = SIMILARITY_THRESHOLD


class UnlistedEndpoint(Check):
    """Endpoint missing from the API description answers with data.

    ## What it checks
    Before planning, the scan asks a bounded, curated list of admin, debug and ops paths
    (`/admin/…`, `/internal/…`, `/actuator/…`, `/debug`, `/.env`, `/server-status`…) and paths
    the spec itself suggests (GET on paths documented only for writes, prefixes of documented
    paths, `admin`/`internal`/`export`/`all`/`logs`/`feed`/`_debug` under them), GET only, and keeps
    what answers. This check reads each endpoint found: anonymously, then as a low-privilege
    identity, compared with a privileged one.

    ## Why it matters
    What the API description leaves out is what nobody reviews, tests or retires: old versions,
    debug routes, admin back doors and exports that "only the ops team knows about" (OWASP
    API9:2023 Improper Inventory Management). Attackers find them with the same lists.

    ## Example
    `GET /internal/orders/export` is not in `openapi.json`; without any credential it answers
    `200 OK` with every customer's orders.

    ## Remediation
    Remove debug and internal routes from production builds, or put them behind the same
    authentication and authorization as the documented API (deny by default). Keep the OpenAPI
    document the complete inventory of what is deployed, and block internal paths at the edge.

    ## References
    OWASP API9:2023, API5:2023 · WSTG-CONF-05 · ASVS 5.0 V13.4.5, V8.2.1 · CWE-1059, CWE-306

    ## Decision rule
    Runs only on endpoints discovery found (never on documented operations). The answer must be
    2xx, not a refusal in disguise (this API's soft 404, login redirect, error envelope), not the
    page the same prefix gives for a path that cannot exist, not HTML, and carry data: a JSON
    body with at least two values that are not a bare status (`{"status": "ok"}`), or a long
    plain-text body. Framework defaults (`/docs`, `/redoc`, `/openapi.json`) and bare health
    checks are never candidates. Then, reproduced twice:
    - **anonymous** access → finding (critical with private properties or secrets in it, else
      high; an `ops`-kind path such as `/metrics` only with private properties or secrets);
    - refused anonymously but answered to a **low-privilege identity** → finding (high) only when
      the path looks administrative (`admin`, `internal`, `debug`, … or the curated list's
      admin/debug kinds) and the answer is at least 90 % similar to what a privileged identity
      (config `privileged_roles`) gets; without a privileged or a non-privileged identity it is
      inconclusive.
    Anything else passes: an undocumented endpoint that needs the right identity is inventory,
    not a finding (it is still in the report's `discovery` section, and offered to every check).
    """

    id = "authz-unlisted-endpoint"
    title = "Endpoint missing from the API description answers with data"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (1059, 306)
    owasp = "API9:2023"
    max_requests = 9  # anonymous, low, privileged, and two re-sends with controls
    expected_requests = 3
    baselines = "none"
    uses_discovery = True
    subsumes = frozenset({"authz-unauthenticated-access", "authz-bfla-privileged-function"})

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        request = HttpRequest("GET", ctx.url(op.path))
        anonymous = await ctx.send(request)
        reason = data_reason(anonymous.response, ctx.calibration)
        if reason is not None:
            finding = await self._anonymous(ctx, op, request, anonymous, reason)
            if finding is not None:
                yield finding
            return
        if anonymous.status not in (401, 403):
            return  # gone, or no data: nothing to read
        users = [name for name in ctx.identities if not ctx.is_privileged(name)]
        admins = [name for name in ctx.identities if ctx.is_privileged(name)]
        if not users:
            raise Inconclusive(
                f"the unlisted {op.path} refuses anonymous callers ({anonymous.status}); "
                "without a non-privileged identity nobody can try it as a low-privilege user"
            )
        low = await ctx.send(request, identity=users[0])
        low_reason = data_reason(low.response, ctx.calibration)
        if low_reason is None or not (
            op.undocumented in {"admin", "debug"} or looks_privileged(op)
        ):
            return
        if not admins:
            raise Inconclusive(
                f"{users[0]} reads the unlisted {op.path}; without a privileged identity "
                "(privileged_roles) there is nothing to tell an admin function from a user one"
            )
        high = await ctx.send(request, identity=admins[0])
        if not _same(low.response, high.response):
            return  # the user gets a different (own-scoped) answer than the admin
        holds = lambda again: _same(again.response, high.response)  # noqa: E731
        if not await ctx.reproduces(
            request,
            holds,
            identity=users[0],
            control=lambda: request,
            control_holds=lambda a: data_reason(a.response, ctx.calibration) is None,
        ):
            return
        yield ctx.finding(
            self,
            title=f"Unlisted admin endpoint {op.path} answers a low-privilege identity",
            description=(
                f"GET {op.path} is not in the API description (found by discovery: "
                f"{op.summary.split('(', 1)[-1].rstrip(')')}). Anonymous callers are refused "
                f"({anonymous.status}), but {users[0]} (role {ctx.role(users[0])!r}) gets "
                f"{low_reason}, the same answer as {admins[0]} (privileged)."
            ),
            evidence=[
                Evidence(f"privileged answer as {admins[0]}", high),
                Evidence("anonymous request refused", anonymous),
                Evidence(f"low-privilege answer as {users[0]}", low),
            ],
            identity=users[0],
            reproduce=low,
            confidence=Confidence.FIRM,
            severity=Severity.HIGH,
        )

    async def _anonymous(
        self, ctx: Context, op: Operation, request: HttpRequest, anonymous: Exchange, reason: str
    ) -> Finding | None:
        assert anonymous.response is not None
        private = _private_keys(anonymous.response)
        secrets = leaks(anonymous.response)
        shown = register_and_mask(anonymous, secrets, ctx.add_secret)
        if op.undocumented == "ops" and not (private or secrets):
            return None  # a metrics or status page without private data: inventory only
        if not await ctx.reproduces(
            request, lambda again: data_reason(again.response, ctx.calibration) is not None
        ):
            return None
        what = ""
        if secrets:
            what = f"; it carries secrets ({len(secrets)})"
        elif private:
            what = f"; it carries private properties ({', '.join(private[:4])})"
        return ctx.finding(
            self,
            title=f"Unlisted endpoint {op.path} answers without authentication",
            description=(
                f"GET {op.path} is not in the API description (found by discovery: "
                f"{op.summary.split('(', 1)[-1].rstrip(')')}) and answers an anonymous request "
                f"with {reason.split(' with ', 1)[-1]}{what}."
            ),
            evidence=[Evidence("anonymous request (no credential)", shown)],
            identity=None,
            reproduce=shown,
            confidence=Confidence.FIRM,
            severity=Severity.CRITICAL if private or secrets else Severity.HIGH,
        )


def _same(first: HttpResponse | None, second: HttpResponse | None) -> bool:
    return (
        first is not None
        and second is not None
        and first.status == second.status
        and similarity(first, second) >= _SAME_AS_PRIVILEGED
    )


def _private_keys(response: HttpResponse) -> list[str]:
    parsed = json_body(response)
    if parsed is None:
        return []
    keys = [
        last_key(path)
        for path, leaf in json_leaves(parsed.value)
        if isinstance(leaf, str) and recognised_private(last_key(path), leaf)
    ]
    return list(dict.fromkeys(keys))
