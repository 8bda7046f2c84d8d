"""oauth-refresh-token-binding (CHECKS.md #62); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis.wording import sentence
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_OFFLINE = "offline_access"  # OIDC Core §11: the scope that asks for a refresh token


class OAuthRefreshTokenBinding(Check):
    """A refresh token works for another client, or widens its scope.

    ## What it checks
    Gets a refresh token for the configured client (asking for `offline_access` when the
    server lists it, with `prompt=consent` as OIDC Core §11 requires), then: refreshes it as the
    second registered client with that client's own credentials; and refreshes it as the
    first client asking for a scope wider than the original grant (scopes from
    `scopes_supported` that were not granted).

    ## Why it matters
    A refresh token is a long-lived credential. Bound to its client, a stolen one is useless
    without the client's secret; unbound, any client of the server can mint access tokens for
    the user. A refresh that widens scope turns a narrow consent into a broad one.

    ## Example
    Refresh token issued to `web`; `POST /token grant_type=refresh_token&refresh_token=…` with
    `partner`'s credentials → `200` with new tokens.

    ## Remediation
    Store the client with each refresh token and refuse it for any other (`invalid_grant`);
    refuse a refresh whose `scope` is not a subset of the original grant (`invalid_scope`).

    ## References
    RFC 6749 §6 ("MUST NOT include any scope not originally granted"; bound to the client),
    §10.4 · RFC 9700 §4.14.2 · CWE-863

    ## Decision rule
    CHECKS.md #62: high when another client's refresh succeeds; medium when the refreshed
    grant's `scope` is wider than the original; safe otherwise. Inconclusive when no refresh
    token is issued.
    """

    id = "oauth-refresh-token-binding"
    title = "Refresh token not bound to its client"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (863,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 16
    expected_requests = 12

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        supported = metadata.listed("scopes_supported") or []
        scope = str(ctx.facts.settings.get("oauth", {}).get("scope") or "openid")
        if _OFFLINE in supported and _OFFLINE not in scope.split():
            scope += f" {_OFFLINE}"
        accepted: list[tuple[Severity, str, Exchange]] = []
        second = ctx.facts.settings.get("oauth", {}).get("second_client")
        if isinstance(second, dict):
            refresh, granted = await _refresh_token(ctx, client, scope)
            reply = await Agent(ctx, metadata).token(
                {"grant_type": "refresh_token", "refresh_token": refresh}, client=second
            )
            if token_answer(reply).get("access_token"):
                accepted.append(
                    (
                        Severity.HIGH,
                        f"{client['client_id']}'s refresh token worked for {second['client_id']}",
                        reply,
                    )
                )
        refresh, granted = await _refresh_token(ctx, client, scope)
        wider = [s for s in supported if s not in granted]
        if wider:
            asked = " ".join([*granted, *wider])
            reply = await Agent(ctx, metadata).token(
                {"grant_type": "refresh_token", "refresh_token": refresh, "scope": asked},
                client=client,
            )
            answer = token_answer(reply)
            got = str(answer.get("scope") or "").split()
            extra = [s for s in got if s not in granted]
            if answer.get("access_token") and extra:
                accepted.append(
                    (Severity.MEDIUM, f"a refresh widened the grant by {' '.join(extra)}", reply)
                )
        if not accepted:
            return
        worst = max(severity for severity, _, _ in accepted)
        yield ctx.finding(
            self,
            title=None if worst is Severity.HIGH else "Refresh token widens its scope",
            description=sentence(*(text for _, text, _ in accepted)),
            evidence=[Evidence(text, exchange) for _, text, exchange in accepted],
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=accepted[0][2],
            api_wide=True,
        )


async def _refresh_token(
    ctx: Context, client: dict[str, object], scope: str
) -> tuple[str, list[str]]:
    metadata = await require_metadata(ctx)
    agent = Agent(ctx, metadata)
    prompt = "consent" if _OFFLINE in scope.split() else None
    issued = await issue_code(agent, scope=scope, prompt=prompt)
    answer = token_answer(await agent.token(issued.fields(), client=client))
    refresh = answer.get("refresh_token")
    if not isinstance(refresh, str):
        raise Inconclusive("the token endpoint issued no refresh token for the code flow")
    return refresh, str(answer.get("scope") or scope).split()
