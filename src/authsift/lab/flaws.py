"""Every flaw the lab can switch on. A flaw's id is the id of the check that must find it.

The lab is vulnerable by default (every flaw on); `--hardened` turns every flaw off; `--flaws`
picks some. Handlers ask `settings.on("authz-bola-read")` at the one place where real code makes
that mistake, beside handlers that do it right.
"""

from __future__ import annotations

from dataclasses import dataclass

# id -> one-line description of what the lab does wrong when the flaw is on
FLAWS: dict[str, str] = {
    "apikey-sole-user-auth": (
        "An X-API-Key alone acts as the user on /me, /orders, /documents, /api-keys (hardened: 403)"
    ),
    "apikey-mutation-accepted": (
        "Keys are matched on their first 12 characters, case-insensitively; the rest is ignored"
    ),
    "apikey-low-entropy": (
        "Keys are lab_<owner><serial>: 8 digits (~27 bits), sequential across users"
    ),
    "apikey-over-privileged": (
        "A read-scoped key can write (e.g. POST /orgs/{org}/projects): key scopes not checked"
    ),
    "apikey-revocation-ineffective": (
        "DELETE /api-keys/{key_id} leaves the key in the validated-key cache, so it keeps working"
    ),
    "jwt-signature-not-verified": (
        "GET /auth/session decodes the bearer JWT without verifying its signature (other routes "
        "verify)"
    ),
    "jwt-alg-none": (
        "The access-token verifier accepts `alg: none` in any letter case, or no `alg`, unsigned"
    ),
    "jwt-alg-confusion-hmac": (
        "The verifier takes `alg` from the header: HS256 is checked with the RSA public key PEM "
        "as secret"
    ),
    "jwt-weak-hmac-secret": (
        "POST /oauth/token (reporting-bot, client_credentials) issues HS256 tokens signed with "
        "`secret123`"
    ),
    "jwt-header-key-injection": (
        "The verifier trusts a public key embedded in the token's `jwk` header"
    ),
    "jwt-remote-key-url-injection": (
        "The verifier fetches keys from the token's `jku` URL (loopback URLs only, 2 s timeout)"
    ),
    "jwt-kid-injection": (
        "An unknown `kid` is read as an HS256 key file path: `../../../../dev/null` gives the "
        "empty key"
    ),
    "jwt-ecdsa-psychic-signature": (
        "ES256 tokens (POST /auth/mobile/login) go through a hand-rolled verify that accepts r = "
        "s = 0"
    ),
    "jwt-serialization-confusion": (
        "A JSON-serialized JWS is verified, then claims are read from the raw string's 2nd dot "
        "segment"
    ),
    "jwt-audience-not-validated": (
        "`aud` unchecked: a token from /auth/login with audience=reports-service works on this API"
    ),
    "jwt-issuer-not-validated": (
        "`iss` unchecked: a /auth/login tenant=partner token works; foreign loopback issuers' "
        "JWKS fetched"
    ),
    "jwt-token-type-confusion": (
        "`typ: at+jwt` unchecked: the refresh token JWT is accepted as an access token"
    ),
    "jwt-jwks-key-hygiene": (
        "/.well-known/jwks.json still publishes a retired 1024-bit RSA key, private exponent `d` "
        "included"
    ),
    "authz-unauthenticated-access": (
        "GET /orgs/{org}/projects/{slug} answers anonymous callers, skipping the membership check"
    ),
    "authz-invalid-credential-accepted": (
        "A non-JWT bearer value (`null`, `undefined`, garbage) fails open as the fallback account"
        " alice"
    ),
    "authz-bola-read": (
        "GET /orders/{order_id} forgets the ownership check that the other order handlers make"
    ),
    "authz-bola-write": (
        "PATCH /documents/{document_id} checks the document exists, never who owns it"
    ),
    "authz-bfla-privileged-function": (
        "GET /admin/users only requires a signed-in caller, not the admin role"
    ),
    "authz-bfla-method-override": (
        "GET /documents/{id} + X-HTTP-Method-Override: DELETE deletes after only the read check"
    ),
    "authz-bopla-mass-assignment": (
        "PATCH /me assigns every property of the body to the account, role included"
    ),
    "authz-bopla-excessive-exposure": (
        "GET /orgs/{org}/projects returns raw records: internal budget and the creator's account"
    ),
    "authz-path-variant-bypass": (
        "The admin rule matches the raw path /admin/*; /Admin/... or /%61dmin/... skip it"
    ),
    "authz-trusted-header-spoofing": (
        "A request without credentials is trusted as the user named in X-User-Id"
    ),
    "authz-scope-not-enforced": (
        "Bearer token scopes are ignored: a scope=read token can POST /orders, PATCH /documents"
    ),
    "authz-unlisted-endpoint": (
        "GET /internal/export, missing from the spec, lists every user's orders to anyone"
    ),
    "token-access-lifetime-excessive": "Access tokens live 30 days (hardened: 5 minutes)",
    "token-expired-accepted": (
        "The access-token verifier skips `exp` (mint an expired one at POST /_lab/tokens, "
        "lifetime < 0)"
    ),
    "token-not-revoked-on-logout": (
        "POST /auth/logout answers 204 and revokes nothing: access and refresh tokens keep working"
    ),
    "token-not-revoked-on-password-change": (
        "POST /auth/password and the reset confirm leave the account's other sessions alive"
    ),
    "token-revocation-ineffective": "POST /oauth/revoke (RFC 7009) answers 200 and revokes nothing",
    "token-privilege-change-not-reflected": (
        "Role read from the token, disabled accounts not checked, admin changes revoke no session"
    ),
    "token-refresh-not-rotated": (
        "POST /auth/refresh returns the same refresh token, usable forever"
    ),
    "token-refresh-reuse-not-detected": (
        "Replaying a rotated refresh token is refused but the token family is not revoked"
    ),
    "token-refresh-lifetime-excessive": (
        "Refresh tokens have no `exp` and no refresh_expires_in (hardened: 24 h absolute)"
    ),
    "rl-login-bruteforce-account": (
        "POST /auth/login has no per-account failure limit (hardened: 429 after 5 per minute)"
    ),
    "rl-credential-stuffing-spray": (
        "POST /auth/login has no per-client limit across accounts (hardened: 429 after 20 per "
        "minute)"
    ),
    "rl-bypass-forwarded-headers": (
        "POST /auth/mobile/login keys its limiter on X-Forwarded-For / X-Real-IP when present"
    ),
    "rl-bypass-request-variants": (
        "POST /auth/mobile/login counts failures per username as typed; the lookup ignores "
        "case/spaces"
    ),
    "rl-captcha-not-enforced": (
        "POST /auth/password-reset validates captcha_token only when the field is sent"
    ),
    "rl-otp-bruteforce": (
        "POST /auth/password-reset/confirm: 6-digit code, no failure limit, reusable, never expires"
    ),
    "rl-user-enum-response": (
        "Login answers 404 'No account with that username' for unknown users, 401 for a wrong "
        "password"
    ),
    "rl-user-enum-timing": "Login skips the password hash (~25 ms) for unknown usernames",
    "rl-token-guessing": (
        "POST /oauth/introspect needs no client authentication: an unthrottled token oracle"
    ),
    "rl-resource-consumption": (
        "GET /orders?limit= is not clamped (hardened: 100), so limit=10000 returns every order"
    ),
    "rl-ratelimit-headers": (
        "Login RateLimit fields use draft-03 syntax under the new names; 429s lack Retry-After"
    ),
    "oauth-metadata-issuer-validation": (
        "The /idp metadata names the lab's origin as issuer, without /idp (RFC 8414 §3.3)"
    ),
    "oauth-implicit-grant-enabled": "/idp/authorize answers response_type=token in the fragment",
    "oauth-ropc-grant-enabled": "/idp/token accepts grant_type=password",
    "oauth-pkce-support-and-plain": (
        "code_challenge_method=plain, or a challenge without a method, is accepted"
    ),
    "oauth-pkce-not-enforced": "Codes are issued to confidential clients without a code_challenge",
    "oauth-pkce-downgrade": "A code_verifier is accepted for a code issued without a challenge",
    "oauth-redirect-uri-validation": "redirect_uri is matched by prefix, not exactly",
    "oauth-state-nonce-handling": "The code redirect drops state; ID tokens lack the nonce",
    "oauth-oidc-none-alg": "ID tokens are unsigned (alg none), and none is advertised",
    "oauth-auth-code-replay-and-lifetime": "Codes are not consumed on use and live 10 minutes",
    "oauth-code-client-binding": "A code issued to lab-web is redeemed by lab-partner",
    "oauth-client-auth-not-enforced": (
        "A confidential client's token request is accepted with its client_id alone"
    ),
    "oauth-refresh-token-binding": "A refresh token issued to lab-web works for lab-partner",
    "oauth-sender-constraint-downgrade": (
        "/idp/userinfo takes a DPoP-bound access token as a plain Bearer token, without a proof"
    ),
    "transport-credentials-in-query-accepted": (
        "?access_token= (bearer JWT) and ?api_key= are honoured in the URL query"
    ),
    "transport-credential-exposure": (
        "404/403/422 error bodies echo the request headers, Authorization and X-API-Key included"
    ),
    "transport-debug-log-exposure": (
        "Open /actuator/httptrace shows recent request headers; /actuator/env dumps config"
    ),
    "transport-cors-credentialed-reflection": (
        "CORS reflects any Origin (null included) with Access-Control-Allow-Credentials: true"
    ),
    "transport-token-response-cacheable": (
        "Token responses (login, refresh, /oauth/token, userinfo) lack Cache-Control: no-store"
    ),
    "transport-www-authenticate-conformance": (
        "A rejected bearer token gets 401 without a WWW-Authenticate challenge"
    ),
    "transport-cleartext-credentials": (
        "Credentialed requests with X-Forwarded-Proto: http are processed, and no HSTS is sent"
    ),
}


class UnknownFlawError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LabSettings:
    """Which flaws are on. Immutable: one lab process runs one configuration."""

    flaws: frozenset[str]
    hardened: bool = False

    @classmethod
    def vulnerable(cls) -> LabSettings:
        return cls(flaws=frozenset(FLAWS))

    @classmethod
    def hardened_twin(cls) -> LabSettings:
        return cls(flaws=frozenset(), hardened=True)

    @classmethod
    def only(cls, flaw_ids: list[str] | set[str] | frozenset[str]) -> LabSettings:
        unknown = sorted(set(flaw_ids) - set(FLAWS))
        if unknown:
            raise UnknownFlawError(f"unknown flaw id(s): {', '.join(unknown)}")
        return cls(flaws=frozenset(flaw_ids))

    def on(self, flaw_id: str) -> bool:
        if flaw_id not in FLAWS:  # a typo in a handler must fail loudly, not silently stay off
            raise UnknownFlawError(flaw_id)
        return flaw_id in self.flaws
