"""The scan as an OAuth client: authorization requests, the login form, the token endpoint.

A minimal user agent, not a browser: it keeps the authorization server's cookies, follows
redirects within the server's origin, fills the login form with `oauth.user` (the form's own
text/e-mail and password inputs, or the configured field names) and submits consent forms as
they are. It stops at the first redirect to the client's `redirect_uri` and reads the response
parameters from its query, fragment or form_post body (RFC 6749 §4.1.2, §4.2.2; OAuth 2.0
Form Post Response Mode). Every code and token it sees is registered with the redactor.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from authsift.checks.base import Context, Inconclusive
from authsift.checks.oauth._forms import Form, parse_forms
from authsift.checks.oauth._metadata import ServerMetadata, oauth_settings
from authsift.checks.oauth._token import token_request
from authsift.model import Exchange, HttpRequest

_MAX_STEPS = 12
_MAX_CONSENTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)
_SECRET_PARAMS = {"code": "$OAUTH_CODE", "access_token": "$OAUTH_ACCESS_TOKEN"}


@dataclass(slots=True)
class AuthorizationResult:
    """Where an authorization request ended."""

    exchanges: list[Exchange] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)  # the authorization response
    delivery: str | None = None  # "query", "fragment" or "form_post" once redirected back
    location: str | None = None  # the redirect back, as the server wrote it
    error_page: Exchange | None = None  # the server refused on its own page, no redirect
    login_reached: bool = False  # a login form was shown (the request itself was accepted)
    signed_in: bool = False
    stopped: str = ""  # why the flow ended without a redirect back, for reports

    @property
    def redirected(self) -> bool:
        return self.delivery is not None

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def error(self) -> str | None:
        return self.params.get("error")

    @property
    def accepted(self) -> bool:
        """The server took the request as valid: a code or token came back, or it went on to
        sign the user in."""
        return bool(self.code or self.params.get("access_token") or self.login_reached)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636 §4.1–§4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def client_settings(ctx: Context, which: str = "client") -> dict[str, Any]:
    client = oauth_settings(ctx).get(which)
    if not isinstance(client, dict):
        raise Inconclusive(f"needs a registered client (oauth.{which})")
    return client


def authorization_params(ctx: Context, **overrides: str | None) -> dict[str, str]:
    """A well-formed code-flow request for the configured client (state, nonce, PKCE S256);
    `overrides` replace or (with None) remove parameters."""
    client = client_settings(ctx)
    _, challenge = pkce_pair()
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": client["redirect_uri"],
        "scope": str(oauth_settings(ctx).get("scope") or "openid"),
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code from a complete, well-formed flow, with the verifier that redeems it."""

    result: AuthorizationResult
    verifier: str
    redirect_uri: str

    @property
    def code(self) -> str:
        return self.result.code or ""

    def fields(self, **extra: str) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": self.code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
            **extra,
        }


async def issue_code(agent: Agent, **overrides: str | None) -> IssuedCode:
    """A code for the configured client and user through a well-formed PKCE S256 flow;
    Inconclusive when even that does not produce one (the rest of a check would prove
    nothing)."""
    verifier, challenge = pkce_pair()
    params = authorization_params(agent.ctx, code_challenge=challenge, **overrides)
    result = await agent.authorize(params)
    if not result.code:
        raise Inconclusive(
            "no code for a well-formed authorization request: "
            + (result.params.get("error") or result.stopped or "no code in the redirect")
        )
    return IssuedCode(result, verifier, params["redirect_uri"])


class Agent:
    """One user agent's cookies at the authorization server (one per flow)."""

    def __init__(self, ctx: Context, metadata: ServerMetadata) -> None:
        self.ctx = ctx
        self.metadata = metadata
        self.cookies: dict[str, str] = {}
        self.signed_in = False  # this agent's session at the server (kept across flows)

    async def authorize(
        self, params: dict[str, str], *, sign_in: bool = True, redirect_uri: str | None = None
    ) -> AuthorizationResult:
        endpoint = self.metadata.endpoint("authorization_endpoint")
        if endpoint is None:
            raise Inconclusive("the metadata names no authorization_endpoint")
        back_to = redirect_uri or params.get("redirect_uri") or ""
        url = endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(params)
        result = AuthorizationResult()
        consents = 0
        exchange = await self._send(HttpRequest("GET", url))
        result.exchanges.append(exchange)
        for _ in range(_MAX_STEPS):
            response = exchange.response
            if response is None:
                result.stopped = f"no answer from {exchange.request.url}: {exchange.error}"
                return result
            if response.status in _REDIRECTS:
                location = urllib.parse.urljoin(
                    exchange.request.url, response.header("Location") or ""
                )
                if back_to and _same_endpoint(location, back_to):
                    self._read_redirect(location, result)
                    return result
                if not self._at_server(location):
                    result.stopped = f"redirected away from the server to {location}"
                    return result
                exchange = await self._send(HttpRequest("GET", location))
                result.exchanges.append(exchange)
                continue
            if response.status >= 400:
                result.error_page = exchange
                result.params.update(_error_of(response.text))
                result.stopped = f"the server answered {response.status} on its own page"
                return result
            forms = parse_forms(response.text)
            posted_back = next(
                (f for f in forms if back_to and _same_endpoint(_absolute(exchange, f), back_to)),
                None,
            )
            if posted_back is not None:
                result.params.update(posted_back.fields())
                result.delivery = "form_post"
                self._register(result.params)
                return result
            form = next((f for f in forms if f.has_password), None)
            if form is not None:
                result.login_reached = True
                if not sign_in or result.signed_in:
                    result.stopped = "stopped at the login form" if not sign_in else "login refused"
                    return result
                exchange = await self._submit(exchange, form, self._credentials(form))
                result.signed_in = self.signed_in = True
            elif forms and self.signed_in and consents < _MAX_CONSENTS:
                consents += 1  # a consent or confirmation page after sign-in: submit it as is
                exchange = await self._submit(exchange, forms[0], {})
            else:
                result.stopped = f"page without a form to go on from ({response.status})"
                return result
            result.exchanges.append(exchange)
        result.stopped = f"no redirect back after {_MAX_STEPS} steps"
        return result

    async def token(
        self,
        fields: dict[str, str],
        *,
        client: dict[str, Any] | None,
        auth: str | None = None,
        dpop: str | None = None,
    ) -> Exchange:
        """POST to the token endpoint as `client` (its auth method, or `auth` to override:
        client_secret_basic, client_secret_post or none), with a `DPoP` proof when given."""
        endpoint = self.metadata.endpoint("token_endpoint")
        if endpoint is None:
            raise Inconclusive("the metadata names no token_endpoint")
        return await token_request(self.ctx, endpoint, fields, client=client, auth=auth, dpop=dpop)

    async def userinfo(self, access_token: str) -> Exchange | None:
        """GET the UserInfo endpoint with `access_token` (OIDC Core §5.3), None without one."""
        endpoint = self.metadata.endpoint("userinfo_endpoint")
        if endpoint is None:
            return None
        request = HttpRequest("GET", endpoint, (("Authorization", f"Bearer {access_token}"),))
        return await self.ctx.send(request, ceremony=True)

    # ---------------------------------------------------------------- internals

    def _credentials(self, form: Form) -> dict[str, str]:
        user = oauth_settings(self.ctx).get("user")
        if not isinstance(user, dict):
            raise Inconclusive("the server asks the user to sign in: needs oauth.user")
        user_field = user.get("username_field") or form.user_field()
        password_field = user.get("password_field") or form.password_field()
        if not user_field or not password_field:
            raise Inconclusive("the login form has no recognisable user-name input")
        return {user_field: str(user["username"]), password_field: str(user["password"])}

    async def _submit(self, page: Exchange, form: Form, filled: dict[str, str]) -> Exchange:
        action = _absolute(page, form)
        if not self._at_server(action):
            raise Inconclusive(f"the login form posts outside the server: {action}")
        body = urllib.parse.urlencode({**form.fields(), **filled}).encode()
        if form.method == "GET":
            return await self._send(HttpRequest("GET", action.split("?")[0] + "?" + body.decode()))
        headers = (("Content-Type", "application/x-www-form-urlencoded"),)
        return await self._send(HttpRequest("POST", action, headers, body))

    async def _send(self, request: HttpRequest) -> Exchange:
        if self.cookies:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            request = HttpRequest(
                request.method, request.url, (*request.headers, ("Cookie", cookie)), request.body
            )
        exchange = await self.ctx.send(request, ceremony=True)
        if exchange.response is not None:
            for name, value in exchange.response.headers:
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if key.strip():
                        self.cookies[key.strip()] = val.strip()
        return exchange

    def _at_server(self, url: str) -> bool:
        issuer = urllib.parse.urlsplit(self.metadata.issuer)
        there = urllib.parse.urlsplit(url)
        return (there.scheme, there.netloc) == (issuer.scheme, issuer.netloc)

    def _read_redirect(self, location: str, result: AuthorizationResult) -> None:
        result.location = location
        parts = urllib.parse.urlsplit(location)
        if parts.fragment:
            result.params.update(urllib.parse.parse_qsl(parts.fragment))
            result.delivery = "fragment"
        else:
            result.delivery = "query"
        result.params.update(urllib.parse.parse_qsl(parts.query))
        self._register(result.params)

    def _register(self, params: dict[str, str]) -> None:
        for name, value in params.items():
            placeholder = _SECRET_PARAMS.get(name) or (
                "$OAUTH_ID_TOKEN" if name == "id_token" else None
            )
            if placeholder and value:
                self.ctx.add_secret(value, placeholder)


def _absolute(page: Exchange, form: Form) -> str:
    return urllib.parse.urljoin(page.request.url, form.action or page.request.url)


def _same_endpoint(url: str, registered: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(registered)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)


def _error_of(text: str) -> dict[str, str]:
    """`error`/`error_description` from a JSON error page, else nothing."""
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: str(body[k]) for k in ("error", "error_description") if k in body}
