"""Every flaw the lab can switch on. A flaw's id is the id of the check that must find it.

The lab is vulnerable by default (every flaw on); `--hardened` turns every flaw off; `--flaws`
picks some. Handlers ask `settings.on("authz-bola-read")` at the one place where real code makes
that mistake, beside handlers that do it right.
"""

from __future__ import annotations

from dataclasses import dataclass

# id -> one-line description of what the lab does wrong when the flaw is on
FLAWS: dict[str, str] = {
    "apikey-sole-user-auth": "Static API key is the only credential for user-context operations",
    "apikey-mutation-accepted": "Altered key still accepted (prefix, case-insensitive or absent comparison)",
    "apikey-low-entropy": "API key is guessable",
    "apikey-over-privileged": "Key exceeds its declared scope or tenant",
    "apikey-revocation-ineffective": "Revoked or rotated key still works",
    "jwt-signature-not-verified": "Signature not checked at all",
    "jwt-alg-none": "Unsecured JWS accepted, including case-variant bypass",
    "jwt-alg-confusion-hmac": "Public key used as an HMAC secret (RS/ES/PS → HS)",
    "jwt-weak-hmac-secret": "HS\* key is guessable",
    "jwt-header-key-injection": "Key embedded in `jwk` or `x5c` is trusted",
    "jwt-remote-key-url-injection": "`jku` or `x5u` followed to an attacker URL",
    "jwt-kid-injection": "`kid` drives key lookup unsafely (path traversal, SQL, missing-key fallback)",
    "jwt-ecdsa-psychic-signature": "ECDSA r = s = 0 accepted",
    "jwt-serialization-confusion": "Signature checked on one serialization, claims read from another",
    "jwt-audience-not-validated": "Token minted for another audience accepted",
    "jwt-issuer-not-validated": "Token from another issuer or tenant accepted",
    "jwt-token-type-confusion": "Non-access JWT accepted as an access token",
    "jwt-jwks-key-hygiene": "JWKS exposes private or symmetric keys, or weak keys",
    "authz-unauthenticated-access": "Protected endpoint works without credentials",
    "authz-invalid-credential-accepted": "Fail-open on malformed or unknown credentials",
    "authz-bola-read": "Reading another user's or tenant's object",
    "authz-bola-write": "Modifying or deleting another user's object",
    "authz-bfla-privileged-function": "Low-privilege or anonymous caller reaches admin functions",
    "authz-bfla-method-override": "Forbidden verb reachable by switching or overriding the method",
    "authz-bopla-mass-assignment": "Client can write privileged properties",
    "authz-bopla-excessive-exposure": "Responses return properties the caller must not see",
    "authz-path-variant-bypass": "Access control bound to one path spelling, API version or host",
    "authz-trusted-header-spoofing": "Identity or origin taken from client-supplied proxy headers",
    "authz-scope-not-enforced": "OAuth scope ignored by the RS",
    "token-access-lifetime-excessive": "Access token lives too long or never expires",
    "token-expired-accepted": "Expiry not enforced",
    "token-not-revoked-on-logout": "Tokens survive logout",
    "token-not-revoked-on-password-change": "Other sessions survive a password change",
    "token-revocation-ineffective": "RFC 7009 revocation does not take effect",
    "token-privilege-change-not-reflected": "Role downgrade or account disable not enforced on existing tokens",
    "token-refresh-not-rotated": "Public-client RT is neither rotated nor sender-constrained",
    "token-refresh-reuse-not-detected": "Replay of a rotated RT not detected and the family not revoked",
    "token-refresh-lifetime-excessive": "RT has no absolute expiry, or an overly long one",
    "rl-login-bruteforce-account": "Unlimited password guessing on one account",
    "rl-credential-stuffing-spray": "No client-level velocity control across many accounts",
    "rl-bypass-forwarded-headers": "Limit keyed on a spoofable client-IP header",
    "rl-bypass-request-variants": "Limit evaded by request normalization or batching",
    "rl-captcha-not-enforced": "CAPTCHA present but not validated server-side",
    "rl-otp-bruteforce": "OTP, MFA or reset codes guessable or reusable",
    "rl-user-enum-response": "Account existence revealed by status, body, headers or side effects",
    "rl-user-enum-timing": "Account existence revealed by response time",
    "rl-token-guessing": "Guessable tokens or an unthrottled token oracle",
    "rl-resource-consumption": "Unbounded page size, bursts or costly flows",
    "rl-ratelimit-headers": "Rate-limit signalling missing, malformed or not enforced",
    "transport-credentials-in-query-accepted": "Token or API key accepted in the URL query",
    "transport-credential-exposure": "Credentials or sensitive claims in server-generated URLs, bodies, errors or JWT payloads",
    "transport-debug-log-exposure": "Tokens retrievable via logs, traces or debug endpoints",
    "transport-cors-credentialed-reflection": "CORS reflects arbitrary origins with credentials",
    "transport-token-response-cacheable": "Credential-bearing responses lack no-store",
    "transport-www-authenticate-conformance": "Authentication errors not signalled per RFC 6750 / RFC 9110",
    "transport-cleartext-credentials": "Credentials accepted, or redirected, over plain HTTP",
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
