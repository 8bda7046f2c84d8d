"""HTTP side of the lab's authorization server (`idp_server`), mounted under `/idp`.

Issuer `<lab>/idp`: metadata at `/idp/.well-known/openid-configuration` (OIDC Discovery §4)
and `/.well-known/oauth-authorization-server/idp` (RFC 8414 §3), the authorization endpoint with
a plain HTML login form (no consent screen: the lab's clients are first-party), the token
endpoint and the JWKS. Not part of the lab's OpenAPI document: it is the identity provider,
not the API under test. Flaws decided here: `oauth-metadata-issuer-validation` (the documents
name the lab's origin without `/idp`), `oauth-state-nonce-handling` (the code redirect drops
`state`), `oauth-oidc-none-alg` (advertised), `oauth-sender-constraint-downgrade` (UserInfo takes
a DPoP-bound token as a Bearer token). DPoP (RFC 9449, `idp_dpop`): a token request with a valid
proof gets a `token_type: DPoP` token bound to the proof's key; UserInfo then wants the `DPoP`
scheme and a proof by that key (§7.1, §7.2).
"""

from __future__ import annotations

import html
import secrets
import urllib.parse
from typing import Any

from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from authsift.lab.flaws import LabSettings
from authsift.lab.idp_dpop import ALGS, DpopVerifier, ProofError
from authsift.lab.idp_server import LabServer
from authsift.lab.users import User

PREFIX = "/idp"
_COOKIE = "idp_session"


class _LabRequest(OAuth2Request):  # type: ignore[misc]
    """An Authlib request from what Starlette already parsed."""

    def __init__(self, request: Request, values: dict[str, str], form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self.payload = BasicOAuth2Payload(values)
        self._form = form
        self._args = dict(request.query_params)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def metadata(server: LabServer, base: str) -> dict[str, Any]:
    settings = server.settings
    issuer = base if settings.on("oauth-metadata-issuer-validation") else base + PREFIX
    response_types = ["code"] + (["token"] if settings.on("oauth-implicit-grant-enabled") else [])
    grant_types = ["authorization_code", "refresh_token"]
    if settings.on("oauth-implicit-grant-enabled"):
        grant_types.append("implicit")
    if settings.on("oauth-ropc-grant-enabled"):
        grant_types.append("password")
    methods = ["S256"] + (["plain"] if settings.on("oauth-pkce-support-and-plain") else [])
    algs = ["RS256"] + (["none"] if settings.on("oauth-oidc-none-alg") else [])
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}{PREFIX}/authorize",
        "token_endpoint": f"{base}{PREFIX}/token",
        "jwks_uri": f"{base}{PREFIX}/jwks",
        "userinfo_endpoint": f"{base}{PREFIX}/userinfo",
        "response_types_supported": response_types,
        "grant_types_supported": grant_types,
        "code_challenge_methods_supported": methods,
        "id_token_signing_alg_values_supported": algs,
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_modes_supported": ["query", "fragment"],
        "authorization_response_iss_parameter_supported": False,
        "dpop_signing_alg_values_supported": list(ALGS),
    }


def _respond(status: int, body: Any, headers: Any) -> Response:
    header_map = dict(headers or [])
    location = header_map.pop("Location", None)
    if location is not None and 300 <= status < 400:
        return RedirectResponse(location, status_code=302, headers=header_map)
    if isinstance(body, dict):
        return JSONResponse(body, status_code=status, headers=header_map)
    return Response(str(body or ""), status_code=status, headers=header_map)


def _login_page(next_url: str, error: str = "") -> HTMLResponse:
    warning = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    body = f"""<!doctype html><html><head><title>Lab sign-in</title></head><body>
<h1>Sign in to the lab</h1>{warning}
<form method="post" action="{PREFIX}/login">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label>User name <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""
    return HTMLResponse(body, status_code=401 if error else 200)


def router(server: LabServer, settings: LabSettings) -> APIRouter:
    """The `/idp` routes, hidden from the lab's OpenAPI document."""
    api = APIRouter(include_in_schema=False)
    dpop = DpopVerifier()

    @api.get(f"{PREFIX}/.well-known/openid-configuration")
    @api.get(f"/.well-known/oauth-authorization-server{PREFIX}")
    async def well_known(request: Request) -> JSONResponse:
        return JSONResponse(metadata(server, _base(request)))

    @api.get(f"{PREFIX}/jwks")
    async def jwks() -> JSONResponse:
        return JSONResponse({"keys": [server.signing_key.as_dict(private=False)]})

    @api.get(f"{PREFIX}/userinfo")
    async def userinfo(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        scheme, token = scheme.lower(), token.strip()
        user = server.user_of(token) if scheme in ("bearer", "dpop") and token else None
        record = server.store.access_tokens.get(token) if user is not None else None
        jkt = (record or {}).get("jkt")
        refusal = _userinfo_refusal(request, user, scheme, token, jkt)
        if refusal is not None:
            error, description = refusal
            quoted = description.replace('"', "'")
            challenge = f'error="{error}", error_description="{quoted}"'
            if jkt or scheme == "dpop":
                challenge = f'DPoP algs="{" ".join(ALGS)}", {challenge}'
            else:
                challenge = f"Bearer {challenge}"
            return JSONResponse(
                {"error": error, "error_description": description},
                status_code=401,
                headers={"WWW-Authenticate": challenge},
            )
        assert user is not None
        return JSONResponse({"sub": str(user.id), "preferred_username": user.username})

    def _userinfo_refusal(
        request: Request, user: User | None, scheme: str, token: str, jkt: str | None
    ) -> tuple[str, str] | None:
        if user is None:
            return "invalid_token", "unknown or expired access token"
        if jkt is None:
            if scheme != "bearer":
                return "invalid_token", "the access token is not DPoP-bound"
            return None
        if scheme == "bearer":
            if settings.on("oauth-sender-constraint-downgrade"):
                return None  # the flaw: a bound token taken without its proof
            # RFC 9449 §7.2: "MUST reject a DPoP-bound access token received as a bearer token"
            return "invalid_token", "DPoP-bound access token presented as a bearer token"
        try:
            thumbprint = dpop.verify(
                request.headers.getlist("DPoP"),
                "GET",
                f"{_base(request)}{PREFIX}/userinfo",
                access_token=token,
            )
        except ProofError as error:
            return "invalid_dpop_proof", str(error)
        if thumbprint != jkt:
            return "invalid_token", "the proof's key is not the key the token is bound to"
        return None

    @api.get(f"{PREFIX}/authorize")
    async def authorize(request: Request) -> Response:
        values = dict(request.query_params)
        oauth_request = _LabRequest(request, values, {})
        try:
            grant = server.get_authorization_grant(oauth_request)
            redirect_uri = grant.validate_authorization_request()
        except OAuth2Error as error:
            error.state = values.get("state")
            return _respond(*server.handle_error_response(oauth_request, error))
        user_id = server.store.sessions.get(request.cookies.get(_COOKIE, ""))
        user = server.users.by_id(user_id) if user_id is not None else None
        if user is None:
            return RedirectResponse(
                f"{PREFIX}/login?" + urllib.parse.urlencode({"next": str(request.url)}),
                status_code=302,
            )
        oauth_request.user = user
        status, body, headers = grant.create_authorization_response(redirect_uri, user)
        if settings.on("oauth-state-nonce-handling"):
            headers = [(k, _without_state(v) if k == "Location" else v) for k, v in headers]
        return _respond(status, body, headers)

    @api.get(f"{PREFIX}/login")
    async def login_form(request: Request) -> HTMLResponse:
        return _login_page(request.query_params.get("next", ""))

    @api.post(f"{PREFIX}/login")
    async def login(request: Request) -> Response:
        form = await _form(request)
        next_url = form.get("next", "")
        user = server.users.by_username(form.get("username", ""))
        if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
            return _login_page(next_url, "Wrong user name or password.")
        if not next_url.startswith(_base(request) + f"{PREFIX}/authorize"):
            next_url = f"{PREFIX}/login"  # never an open redirect
        session = secrets.token_urlsafe(24)
        server.store.sessions[session] = user.id
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(_COOKIE, session, httponly=True, samesite="lax", path=PREFIX)
        return response

    @api.post(f"{PREFIX}/token")
    async def token(request: Request) -> Response:
        form = await _form(request)
        server.current_issuer = metadata(server, _base(request))["issuer"]
        oauth_request = _LabRequest(request, form, form)
        jkt = None
        if "DPoP" in request.headers:
            try:
                jkt = dpop.verify(
                    request.headers.getlist("DPoP"), "POST", f"{_base(request)}{PREFIX}/token"
                )
            except ProofError as error:
                body = {"error": "invalid_dpop_proof", "error_description": str(error)}
                return JSONResponse(body, status_code=400)
        status, body, headers = server.create_token_response(oauth_request)
        if jkt and status == 200 and isinstance(body, dict) and body.get("access_token"):
            # RFC 9449 §5: the token is bound to the proof's key and typed DPoP
            server.store.access_tokens[body["access_token"]]["jkt"] = jkt
            body = {**body, "token_type": "DPoP"}
        return _respond(status, body, headers)

    return api


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded body (the lab parses it itself rather than pull in python-multipart)."""
    raw = (await request.body()).decode("utf-8", "replace")
    return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))


def _without_state(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "state"]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
