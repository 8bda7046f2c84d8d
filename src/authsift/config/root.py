"""`Config`: the whole of authsift.yaml (DESIGN §5), validated, with secrets resolved."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from authsift.config.auth import IdentityConfig
from authsift.config.base import ConfigModel
from authsift.config.errors import from_validation_error
from authsift.config.oauth import OAuthConfig
from authsift.config.references import ResolvedReference
from authsift.config.secrets import collect_secrets
from authsift.config.sections import (
    AbuseConfig,
    ChecksConfig,
    EndpointsConfig,
    FailOn,
    JwtConfig,
    LifecycleConfig,
    LimitsConfig,
    OperationsConfig,
    PolicyConfig,
    ReportConfig,
    TlsConfig,
)
from authsift.model import Severity

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list) or value is None:
        raise ValueError(f"expected a string or a number (got {type(value).__name__})")
    return value


ResourceValue = Annotated[Any, AfterValidator(_scalar)]


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the default port filled in (RFC 6454 §4)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host (got {url!r})")
    port = parts.port or _DEFAULT_PORTS[scheme]
    return scheme, parts.hostname.lower(), port


def _scope_entry(entry: str) -> tuple[str | None, str, int | None]:
    """`host:port`, `host` or an origin URL → (scheme or None, host, port or None for defaults)."""
    if "://" in entry:
        scheme, host, port = origin_of(entry)
        return scheme, host, port
    parts = urlsplit(f"//{entry}")
    if not parts.hostname or parts.path not in ("", "/") or parts.username:
        raise ValueError(f"expected host:port or an origin such as https://host (got {entry!r})")
    return None, parts.hostname.lower(), parts.port


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """`set_dotted(d, "checks.intrusive", True)` → `d["checks"]["intrusive"] = True`."""
    node = data
    *parents, leaf = dotted.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[leaf] = value


class Config(ConfigModel):
    """authsift.yaml. Everything but `target` and `identities` has a safe default."""

    target: str = Field(
        description="Base URL of the API; its origin is in scope, nothing else unless listed."
    )
    spec: str | None = Field(
        default=None,
        description="OpenAPI/Swagger file or URL; if absent, common paths under target are tried.",
    )
    scope: list[str] = Field(
        default_factory=list,
        description="Extra origins the scan may contact: `host:port` or `https://host`.",
    )
    identities: list[IdentityConfig] = Field(
        min_length=1, description="Who the scan acts as; two or more make authz checks possible."
    )
    privileged_roles: list[str] = Field(
        default_factory=lambda: ["admin"], description="Roles that count as privileged."
    )
    endpoints: EndpointsConfig = Field(
        default_factory=EndpointsConfig, description="Auth endpoints (detected where absent)."
    )
    operations: OperationsConfig = Field(
        default_factory=OperationsConfig, description="Which operations may be sent."
    )
    resources: dict[str, dict[str, list[ResourceValue]]] = Field(
        default_factory=dict,
        description="Seed objects each identity owns: identity → parameter name → values.",
    )
    checks: ChecksConfig = Field(default_factory=ChecksConfig, description="Which checks run.")
    limits: LimitsConfig = Field(default_factory=LimitsConfig, description="Throttle and budget.")
    policy: PolicyConfig = Field(default_factory=PolicyConfig, description="Acceptable limits.")
    report: ReportConfig = Field(default_factory=ReportConfig, description="Report output.")
    fail_on: FailOn = Field(
        default="high", description="Exit 1 on findings at or above this severity; `none` never."
    )
    tls: TlsConfig = Field(default_factory=TlsConfig, description="TLS settings.")
    jwt: JwtConfig = Field(default_factory=JwtConfig, description="JWT testing aids.")
    oauth: OAuthConfig = Field(
        default_factory=OAuthConfig,
        description="The OAuth 2.0 / OpenID Connect authorization server to audit (oauth- checks).",
    )
    abuse: AbuseConfig = Field(
        default_factory=AbuseConfig, description="Bounds and an account for rate-limit checks."
    )
    lifecycle: LifecycleConfig = Field(
        default_factory=LifecycleConfig, description="Token-lifecycle testing."
    )
    proxy: str | None = Field(
        default=None, description="Send all traffic through this HTTP proxy (Burp, ZAP, mitmproxy)."
    )

    _references: tuple[ResolvedReference, ...] = PrivateAttr(default=())

    @field_validator("target")
    @classmethod
    def _http_url(cls, target: str) -> str:
        origin_of(target)
        return target

    @field_validator("scope")
    @classmethod
    def _scope_entries(cls, scope: list[str]) -> list[str]:
        for entry in scope:
            _scope_entry(entry)
        return scope

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, proxy: str | None) -> str | None:
        if proxy is not None:
            origin_of(proxy)
        return proxy

    @model_validator(mode="after")
    def _names_line_up(self) -> Config:
        seen: set[str] = set()
        for index, identity in enumerate(self.identities):
            if identity.name in seen:
                raise ValueError(f"identities[{index}].name: {identity.name!r} is used twice")
            seen.add(identity.name)
        for owner in self.resources:
            if owner not in seen:
                close = difflib.get_close_matches(owner, sorted(seen), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"resources.{owner}: no identity named {owner!r}{hint}")
        return self

    # ------------------------------------------------------------------ helpers for the engine

    @property
    def origin(self) -> str:
        scheme, host, port = origin_of(self.target)
        default = _DEFAULT_PORTS[scheme] == port
        shown_host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown_host}" if default else f"{scheme}://{shown_host}:{port}"

    @property
    def scope_entries(self) -> list[str]:
        """`scope`, plus the authorization server the operator named in `oauth.issuer`."""
        issuer = self.oauth.issuer_url(self.target)
        if issuer is None:
            return list(self.scope)
        scheme, host, port = origin_of(issuer)
        shown_host = f"[{host}]" if ":" in host else host
        return [*self.scope, f"{scheme}://{shown_host}:{port}"]

    def allows_origin(self, url: str) -> bool:
        """True when `url`'s origin is the target's or listed in `scope` (spec servers never count).

        A `host:port` entry allows both schemes; a bare `host` allows the default ports.
        """
        try:
            scheme, host, port = origin_of(url)
        except ValueError:
            return False
        if (scheme, host, port) == origin_of(self.target):
            return True
        issuer = self.oauth.issuer_url(self.target)
        if issuer is not None and (scheme, host, port) == origin_of(issuer):
            return True  # the operator named the authorization server to audit
        for entry in self.scope:
            entry_scheme, entry_host, entry_port = _scope_entry(entry)
            if entry_host != host or entry_scheme not in (None, scheme):
                continue
            if entry_port == port or (entry_port is None and port == _DEFAULT_PORTS[scheme]):
                return True
        return False

    def identity(self, name: str) -> IdentityConfig:
        for identity in self.identities:
            if identity.name == name:
                return identity
        raise KeyError(name)

    def is_privileged(self, identity: IdentityConfig) -> bool:
        return identity.role in self.privileged_roles

    @property
    def fail_on_severity(self) -> Severity | None:
        """The `--fail-on` threshold; None when findings never fail the run."""
        return None if self.fail_on == "none" else Severity(self.fail_on)

    @property
    def references(self) -> tuple[ResolvedReference, ...]:
        """Every `${ENV}` / `file:` substitution made while loading."""
        return self._references

    def with_references(self, references: tuple[ResolvedReference, ...]) -> Config:
        self._references = references
        return self

    def secrets(self) -> dict[str, str]:
        """Every secret value → its placeholder (`$ALICE_TOKEN`), for the redactor."""
        return collect_secrets(self)

    def override(self, changes: Mapping[str, Any]) -> Config:
        """A copy with keys replaced by dotted path (`{"checks.intrusive": True}`), re-validated.

        CLI flags map 1:1 onto config keys (DESIGN §5); this is how they are applied, so a flag
        gets exactly the validation and error messages the file would.
        """
        data = self.model_dump(by_alias=True)
        for dotted, value in changes.items():
            set_dotted(data, dotted, value)
        try:
            updated = Config.model_validate(data)
        except ValidationError as error:
            raise from_validation_error(error, Config, data) from None
        return updated.with_references(self._references)
