"""Who is calling: the FastAPI dependencies every resource handler uses.

Resolution order is the one a real service behind a gateway uses: a bearer JWT (verified by the
token side, `AuthService.bearer_principal`), else an API key in the `X-API-Key` header, else
nothing. Five flaws live here because this is where real code makes them:
- `transport-credentials-in-query-accepted` (key side): the key is also read from `?api_key=`;
- `apikey-sole-user-auth`: a key is accepted as the end user on user-context operations;
- `authz-trusted-header-spoofing`: an `X-User-Id` header is trusted as if the gateway set it;
- `apikey-over-privileged` and `authz-scope-not-enforced`: `require_scope` skips the key's scopes
  or the bearer token's `scope` claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel

from authsift.lab.flaws import LabSettings
from authsift.lab.users import Principal, UserStore

if TYPE_CHECKING:
    from authsift.lab.apikeys import ApiKeyStore
    from authsift.lab.auth_service import AuthService
    from authsift.lab.routes_debug import RequestLog
    from authsift.lab.store import DomainStore

API_KEY_HEADER = "X-API-Key"

# Declared so that FastAPI writes the two security schemes (and each operation's `security`) into
# /openapi.json. They never reject on their own (auto_error=False): resolution happens below.
bearer_scheme = HTTPBearer(
    scheme_name="bearerAuth", bearerFormat="JWT", auto_error=False, description="Access token"
)
api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER, scheme_name="apiKeyAuth", auto_error=False, description="Per-user API key"
)

# RFC 6750 §3: a request without any credential gets a challenge with no error attribute.
_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="authsift-lab"'}


class ErrorBody(BaseModel):
    detail: str


# Documented error answers, so that /openapi.json says what a rejection looks like.
PROTECTED_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "No credential, or an invalid one"},
    403: {"model": ErrorBody, "description": "Authenticated, but not allowed"},
}
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "No such object visible to the caller"}
}


@dataclass
class LabState:
    """Everything one lab process holds, reachable from a handler as `request.app.state.lab`."""

    settings: LabSettings
    users: UserStore
    auth: AuthService
    domain: DomainStore
    api_keys: ApiKeyStore
    request_log: RequestLog
    clock: Callable[[], float]


def lab_state(request: Request) -> LabState:
    state: LabState = request.app.state.lab
    return state


Lab = Annotated[LabState, Depends(lab_state)]


def unauthorized(detail: str = "authentication required") -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers=_BEARER_CHALLENGE)


def invalid_credential(detail: str) -> HTTPException:
    """RFC 6750 §3.1: a credential that is "revoked, malformed, or invalid for other reasons"
    gets 401 with error="invalid_token"; the description never says which check failed."""
    challenge = 'Bearer realm="authsift-lab", error="invalid_token"'
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


def forbidden(detail: str) -> HTTPException:
    return HTTPException(status_code=403, detail=detail)


def presented_api_key(request: Request, lab: LabState) -> str | None:
    header_value = request.headers.get(API_KEY_HEADER)
    if header_value is not None:
        return header_value
    if lab.settings.on("transport-credentials-in-query-accepted"):
        # "Some SDKs can't set headers": the key is read from the URL too, where it ends up in
        # access logs, browser history and Referer headers (RFC 6750 §2.3 / §5.3 warn against it).
        return request.query_params.get("api_key")
    return None


def _api_key_principal(request: Request, lab: LabState) -> Principal | None:
    presented = presented_api_key(request, lab)
    if presented is None:
        return None
    key = lab.api_keys.authenticate(presented)
    if key is None:
        raise invalid_credential("invalid API key")
    user = lab.users.by_id(key.owner_id)
    if user is None or user.disabled:
        raise invalid_credential("invalid API key")
    return Principal(user=user, via="apikey", scopes=key.scopes, role=user.role)


def _spoofed_header_principal(request: Request, lab: LabState) -> Principal | None:
    if not lab.settings.on("authz-trusted-header-spoofing"):
        return None
    # Written for the deployment behind the API gateway, which authenticates and then sets
    # X-User-Id. Nothing strips the header from client requests, so anyone can set it.
    claimed = request.headers.get("X-User-Id")
    if claimed is None or not claimed.strip().isdigit():
        return None
    user = lab.users.by_id(int(claimed))
    if user is None or user.disabled:
        return None
    return Principal(user=user, via="header", scopes=frozenset({"read", "write"}), role=user.role)


async def _resolve(request: Request, lab: LabState) -> Principal | None:
    principal = await lab.auth.bearer_principal(request)
    if principal is not None:
        return principal
    principal = _api_key_principal(request, lab)
    if principal is not None:
        return principal
    return _spoofed_header_principal(request, lab)


async def any_principal(
    request: Request,
    lab: Lab,
    _bearer: Annotated[object, Depends(bearer_scheme)],
    _api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """Any authenticated caller, API-key integrations included (org projects, reports)."""
    principal = await _resolve(request, lab)
    if principal is None:
        raise unauthorized()
    return principal


async def user_principal(
    request: Request,
    lab: Lab,
    _bearer: Annotated[object, Depends(bearer_scheme)],
    _api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """An end user, proven by a login session (a JWT) for user-context operations.

    API keys identify integrations; a static key standing in for the user gives permanent
    impersonation with no expiry and no re-authentication (OWASP API2:2023).
    """
    principal = await _resolve(request, lab)
    if principal is None:
        raise unauthorized()
    if principal.via == "apikey" and not lab.settings.on("apikey-sole-user-auth"):
        raise forbidden("API keys cannot act as a user here; sign in to get an access token")
    return principal


async def optional_principal(
    request: Request,
    lab: Lab,
    _bearer: Annotated[object, Depends(bearer_scheme)],
    _api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal | None:
    """For public operations that show more to a signed-in caller. A bad credential still fails."""
    return await _resolve(request, lab)


AnyCaller = Annotated[Principal, Depends(any_principal)]
UserCaller = Annotated[Principal, Depends(user_principal)]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]


def session_scopes(principal: Principal) -> frozenset[str] | None:
    """The scopes a bearer token was limited to, or None for a first-party session (all scopes)."""
    scope_claim = principal.claims.get("scope")
    if isinstance(scope_claim, str):
        return frozenset(scope_claim.split())
    return principal.scopes or None


def require_scope(lab: LabState, principal: Principal, scope: str) -> None:
    """Refuse an operation outside the credential's scopes with 403 insufficient_scope.

    RFC 6750 §3.1: "insufficient_scope: The request requires higher privileges than provided by
    the access token. The resource server SHOULD respond with the HTTP 403 (Forbidden) status
    code and MAY include the "scope" attribute with the scope necessary to access the protected
    resource."
    """
    if principal.via == "apikey":
        if lab.settings.on("apikey-over-privileged"):
            # The key table stores scopes, but this path only checks that the key is active.
            return
        granted: frozenset[str] | None = principal.scopes
    elif principal.via == "jwt":
        if lab.settings.on("authz-scope-not-enforced"):
            # The resource server trusts that a token it accepted may do anything its user may.
            return
        granted = session_scopes(principal)
    else:
        granted = None
    if granted is not None and scope not in granted:
        raise HTTPException(
            status_code=403,
            detail="insufficient_scope",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
