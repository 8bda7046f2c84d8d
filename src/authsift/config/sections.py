"""The scan-shaping sections of authsift.yaml: endpoints, operations, checks, limits, policy…"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from authsift.config.base import ConfigModel
from authsift.config.pieces import HTTP_METHODS, check_jsonpath, check_method, check_path_or_url

ReportFormat = Literal["console", "json", "sarif", "junit", "html"]
DEFAULT_REPORT_FORMATS: tuple[ReportFormat, ...] = ("console", "json", "sarif", "html")
FailOn = Literal["info", "low", "medium", "high", "critical", "none"]


class EndpointRef(ConfigModel):
    method: str = Field(default="POST", description="HTTP method.")
    path: str = Field(description="Path on the target.")

    _check_method = field_validator("method")(check_method)
    _check_path = field_validator("path")(check_path_or_url)


class LoginEndpoint(EndpointRef):
    """The login endpoint, for checks that log in themselves (brute force, lockout, enumeration)."""

    username: str = Field(default="$.username", description="JSONPath of the user-name field.")
    password: str = Field(default="$.password", description="JSONPath of the password field.")

    _check_paths = field_validator("username", "password")(check_jsonpath)


class EndpointsConfig(ConfigModel):
    """Auth endpoints the lifecycle checks need; detected from the spec where absent."""

    login: LoginEndpoint | None = Field(default=None, description="Login endpoint.")
    refresh: EndpointRef | None = Field(default=None, description="Token refresh endpoint.")
    logout: EndpointRef | None = Field(default=None, description="Logout endpoint.")
    oidc_discovery: str | None = Field(
        default=None, description="OpenID discovery document: path or URL."
    )


_PATTERN_METHODS = (*HTTP_METHODS, "*")


def _glob_regex(glob: str) -> re.Pattern[str]:
    """`*` matches any run of characters, `/` included; everything else is literal."""
    return re.compile("^" + ".*".join(re.escape(part) for part in glob.split("*")) + "$")


class OperationPattern:
    """`METHOD /path` with `*` globs (`* /internal/*`); a bare `/path` means every method."""

    def __init__(self, text: str) -> None:
        method, _, path = text.strip().partition(" ")
        if not path:
            method, path = "*", method
        self.method = method.upper()
        self.path = path.strip()
        if self.method not in _PATTERN_METHODS:
            raise ValueError(f"{text!r}: method must be an HTTP method or '*'")
        if not self.path.startswith(("/", "*")):
            raise ValueError(f"{text!r}: path must start with '/' or '*'")
        self._method = _glob_regex(self.method)
        self._path = _glob_regex(self.path)

    def matches(self, method: str, path: str) -> bool:
        return bool(self._method.match(method.upper()) and self._path.match(path))


class OperationsConfig(ConfigModel):
    """Which operations of the spec may be sent. Excluded ones are never sent, by any check."""

    include: list[str] = Field(
        default_factory=list,
        description="Only these operations (`METHOD /path`, `*` globs); empty means all.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Never send these operations (`POST /admin/reset-db`, `* /internal/*`).",
    )

    @field_validator("include", "exclude")
    @classmethod
    def _valid_patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            OperationPattern(pattern)
        return patterns

    @cached_property
    def _compiled(self) -> tuple[list[OperationPattern], list[OperationPattern]]:
        return [OperationPattern(p) for p in self.include], [
            OperationPattern(p) for p in self.exclude
        ]

    def selects(self, method: str, path: str) -> bool:
        """True when the operation is included (or include is empty) and not excluded."""
        include, exclude = self._compiled
        if include and not any(p.matches(method, path) for p in include):
            return False
        return not any(p.matches(method, path) for p in exclude)


class ChecksConfig(ConfigModel):
    include: list[str] = Field(
        default_factory=lambda: ["all"],
        description=(
            "Check ids or families (`authz`, `jwt`) to run; `all` runs every check. An unknown "
            "name is an error, and so is a selection that leaves nothing to run."
        ),
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Check ids or families to skip; an unknown name is an error.",
    )
    intrusive: bool = Field(
        default=False,
        description="Allow state-changing probes (otherwise GET/HEAD/OPTIONS only).",
    )
    noisy: bool = Field(
        default=False,
        description=(
            "Run the noisy checks (brute force, spraying, bursts: many requests, alarms and "
            "lockouts possible; `--noisy`). Naming a noisy check or its family in `include` "
            "runs it too. Those that send POSTs (login attempts) also need `intrusive`."
        ),
    )


class LimitsConfig(ConfigModel):
    """How hard the scan may push the target, and when it must stop."""

    rate: float = Field(default=10, gt=0, description="Requests per second (token bucket).")
    concurrency: int = Field(default=4, ge=1, description="Requests in flight at once.")
    max_requests: int = Field(default=5000, ge=1, description="Request budget of the whole scan.")
    timeout: float = Field(default=10, gt=0, description="Per-request timeout, seconds.")
    max_time: float = Field(default=900, gt=0, description="Hard limit on scan duration, seconds.")
    max_body: int = Field(
        default=1024 * 1024, ge=1, description="Response bodies are cut at this many bytes."
    )
    retries: int = Field(
        default=2, ge=0, description="Retries on connection errors and 429/503, with back-off."
    )


class PolicyConfig(ConfigModel):
    """What the API's owners consider acceptable; findings are measured against it."""

    max_access_token_lifetime: int = Field(
        default=3600, gt=0, description="Longest acceptable access-token lifetime, seconds."
    )
    max_refresh_token_lifetime: int = Field(
        default=2592000,
        gt=0,
        description="Longest acceptable refresh-token lifetime, seconds (CHECKS.md #38: 30 days).",
    )
    access: dict[str, Any] = Field(
        default_factory=dict,
        description="Expected access policy (who may call what); reserved for the access matrix.",
    )
    rfc9068: bool = Field(
        default=False,
        description=(
            "The API follows RFC 9068 (JWT access tokens): an access token not typed `at+jwt` is "
            "a finding, not a hygiene remark."
        ),
    )
    https_only: bool = Field(
        default=False,
        description=(
            "The API is deployed behind TLS (a TLS-terminating proxy in front of an http "
            "target): credentials the application processes on a request marked "
            "`X-Forwarded-Proto: http` are a finding, not a question. Implied by an https target."
        ),
    )
    shared: list[str] = Field(
        default_factory=list,
        description=(
            "Operations whose objects other accounts may read by design (`GET /documents/*`): "
            "not BOLA."
        ),
    )
    public: list[str] = Field(
        default_factory=list,
        description=(
            "Operations anyone may read by design (`GET /users/{user_id}`): neither BOLA nor "
            "unauthenticated access."
        ),
    )
    disposable: list[dict[str, str | int]] = Field(
        default_factory=list,
        description=(
            "Existing objects or accounts the intrusive checks may change when they cannot make "
            "their own (an API without sign-up, a user-management function such as "
            "`POST /companies/{company_id}/drivers/{driver_id}/deactivate`): each entry names "
            "the path parameters that address one object, `{company_id: 7, driver_id: 42}`. "
            "Never a configured identity's own account. Only actions are tried on them (never "
            "a delete); each is restored afterwards (its inverse action, or the old values "
            "written back) and whatever could not be restored is listed under leftovers."
        ),
    )

    @field_validator("disposable", mode="before")
    @classmethod
    def _disposable_entries(cls, entries: Any) -> Any:
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            if isinstance(entry, dict) and not entry:
                raise ValueError(f"entry {index} names no path parameter")
            for name, value in entry.items() if isinstance(entry, dict) else ():
                if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
                    raise ValueError(f"entry {index}: {name} needs a string or number value")
        return entries


class ReportConfig(ConfigModel):
    formats: list[ReportFormat] = Field(
        default_factory=lambda: list(DEFAULT_REPORT_FORMATS),
        description="Report formats: console, json, sarif, junit, html.",
    )
    dir: str = Field(default="authsift-report", description="Directory the reports go to.")


class TlsConfig(ConfigModel):
    verify: bool = Field(
        default=True, description="Verify TLS certificates (`--insecure` turns this off)."
    )


TokenList = dict[str, list[SecretStr]]


class JwtConfig(ConfigModel):
    """JWT testing aids: where the keys are, a callback address the target can reach, and
    genuine tokens a scanner cannot mint itself (issue #4; CHECKS.md #11, #15, #16, #31)."""

    jwks: str | None = Field(
        default=None,
        description="JWK Set URL or path on the target, when not at /.well-known/jwks.json "
        "or in the OpenID metadata.",
    )
    oob_url: str | None = Field(
        default=None,
        description="Callback URL the target can reach (for jku/x5u checks against a target "
        "that cannot reach this machine's loopback); forwarded to `oob_listen`.",
    )
    oob_listen: str | None = Field(
        default=None, description="`host:port` the local callback listener binds for `oob_url`."
    )
    expired_tokens: TokenList = Field(
        default_factory=dict,
        description="identity → genuine expired token(s) of it (token-expired-accepted).",
    )
    foreign_audience_tokens: TokenList = Field(
        default_factory=dict,
        description="identity → genuine token(s) of it minted for another audience.",
    )
    foreign_issuer_tokens: TokenList = Field(
        default_factory=dict,
        description="identity → genuine token(s) from another issuer or tenant.",
    )
    crack_seconds: float = Field(
        default=15,
        gt=0,
        description="Time budget of jwt-weak-hmac-secret's offline cracking of an HS256/384/512 "
        "secret, in seconds (the built-in candidates take a few seconds on two cores).",
    )
    wordlists: list[str] = Field(
        default_factory=list,
        description="More wordlist files (plain or gzip, one secret per line) that "
        "jwt-weak-hmac-secret tries after the built-in candidates, within `crack_seconds`; a "
        "relative path is taken from the directory the scan runs in.",
    )

    @field_validator("wordlists")
    @classmethod
    def _wordlists_exist(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not Path(path).expanduser().is_file():
                raise ValueError(f"wordlist {path!r} not found")
        return paths

    def as_settings(self) -> dict[str, object]:
        """The plain values checks read from `ScanFacts.settings`."""

        def plain(tokens: TokenList) -> dict[str, list[str]]:
            return {name: [t.get_secret_value() for t in values] for name, values in tokens.items()}

        return {
            "jwks": self.jwks,
            "oob_url": self.oob_url,
            "oob_listen": self.oob_listen,
            "expired_tokens": plain(self.expired_tokens),
            "foreign_audience_tokens": plain(self.foreign_audience_tokens),
            "foreign_issuer_tokens": plain(self.foreign_issuer_tokens),
            "crack_seconds": self.crack_seconds,
            "wordlists": [str(Path(path).expanduser()) for path in self.wordlists],
        }


class AbuseAccount(ConfigModel):
    """A throwaway account the abuse checks may lock out: never one of the scan's identities."""

    username: str = Field(description="Its user name (or e-mail), as the login expects it.")
    password: SecretStr = Field(description="Its password, e.g. `${ABUSE_PASSWORD}`.")


class AbuseConfig(ConfigModel):
    """Bounds and a sacrificial account for the rate-limiting checks (issue #10; CHECKS.md
    #39-#49). Brute force runs against `account`, a canary the scan registered, or a user name
    that does not exist: never against a configured identity."""

    max_attempts: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Most attempts a rate-limiting check sends to one endpoint (CHECKS.md §2: "
        "101 failures prove the absence of an 800-63B limit; fewer only show none was met).",
    )
    account: AbuseAccount | None = Field(
        default=None,
        description="A throwaway account for password and OTP guessing; it may end up locked.",
    )
    rate: float | None = Field(
        default=None,
        gt=0,
        description="Requests per second of the guessing itself, below `limits.rate` when the "
        "target must not be pushed (CHECKS.md §2 uses 1/s); default: `limits.rate`.",
    )

    def as_settings(self) -> dict[str, object]:
        """The plain values checks read from `ScanFacts.settings["abuse"]`."""
        account = self.account
        return {
            "max_attempts": self.max_attempts,
            "rate": self.rate,
            "account": (
                {"username": account.username, "password": account.password.get_secret_value()}
                if account is not None
                else None
            ),
        }


class DisposableAccount(ConfigModel):
    """An account of the API that is not a scan identity and that the lifecycle checks may
    change and change back (its password, its role)."""

    username: str = Field(description="The name it logs in with at `endpoints.login`.")
    password: SecretStr = Field(description="Its password (a `${ENV}` or `file:` reference).")


class LifecycleConfig(ConfigModel):
    """Token-lifecycle testing (CHECKS.md #30–#38): how long a check may wait for a token to
    expire by itself, and which accounts it may change."""

    expiry_wait: float = Field(
        default=120,
        ge=0,
        le=3600,
        description="Longest wait, in seconds, for an access token to expire naturally before "
        "token-expired-accepted replays it (0: never wait); a token living longer is tested "
        "only with a supplied expired token or a recovered signing key.",
    )

    revocation_window: float | None = Field(
        default=None,
        ge=0,
        le=600,
        description="How long a logout, a revocation (of a token or an API key), a password or "
        "role change may take to reach every credential before one that still works counts "
        "(default 60 s, CHECKS.md §2; replicated deny-lists and graceful refresh rotation need "
        "up to that). Shorter only for an API known to revoke at once, e.g. the lab.",
    )

    accounts: list[DisposableAccount] = Field(
        default_factory=list,
        description="Disposable accounts (not scan identities) on which "
        "token-not-revoked-on-password-change changes the password and changes it back, and "
        "token-privilege-change-not-reflected raises and lowers the role again. Without one, "
        "those checks use a canary account they sign up; a scan identity is never changed.",
    )

    def as_settings(self) -> dict[str, object]:
        """The plain values checks read from `ScanFacts.settings`."""
        return {
            "expiry_wait": self.expiry_wait,
            "revocation_window": self.revocation_window,
            "disposable_accounts": [
                {"username": a.username, "password": a.password.get_secret_value()}
                for a in self.accounts
            ],
        }
