"""authsift.yaml: pydantic models of every key of DESIGN §5, loading, and secret references.

Public surface: `load_config`, `parse_config`, `Config`, `ConfigError`, `IdentityConfig`, the auth
models, `identity_from_cli` / `config_from_cli` (the quick form), `config_json_schema` and
`config_reference_markdown`.
"""

from authsift.config.auth import (
    AUTH_TYPES,
    ApiKeyAuth,
    AuthConfig,
    BasicAuth,
    BearerAuth,
    CookieAuth,
    CsrfApply,
    CsrfRequest,
    CsrfStep,
    ExpirySource,
    HeaderAuth,
    IdentityConfig,
    LoginAuth,
    OAuth2Auth,
)
from authsift.config.errors import ConfigError
from authsift.config.loader import load_config, parse_config, parse_yaml
from authsift.config.pieces import LoginBasic, LoginRequest, TokenApply, TokenSource
from authsift.config.quickform import config_from_cli, identity_from_cli
from authsift.config.reference import config_json_schema, config_reference_markdown
from authsift.config.references import ResolvedReference, resolve_references
from authsift.config.root import Config, origin_of
from authsift.config.secrets import placeholder
from authsift.config.sections import (
    ChecksConfig,
    EndpointRef,
    EndpointsConfig,
    LimitsConfig,
    LoginEndpoint,
    OperationPattern,
    OperationsConfig,
    PolicyConfig,
    ReportConfig,
    TlsConfig,
)

__all__ = [
    "AUTH_TYPES",
    "ApiKeyAuth",
    "AuthConfig",
    "BasicAuth",
    "BearerAuth",
    "ChecksConfig",
    "Config",
    "ConfigError",
    "CookieAuth",
    "CsrfApply",
    "CsrfRequest",
    "CsrfStep",
    "EndpointRef",
    "EndpointsConfig",
    "ExpirySource",
    "HeaderAuth",
    "IdentityConfig",
    "LimitsConfig",
    "LoginAuth",
    "LoginBasic",
    "LoginEndpoint",
    "LoginRequest",
    "OAuth2Auth",
    "OperationPattern",
    "OperationsConfig",
    "PolicyConfig",
    "ReportConfig",
    "ResolvedReference",
    "TlsConfig",
    "TokenApply",
    "TokenSource",
    "config_from_cli",
    "config_json_schema",
    "config_reference_markdown",
    "identity_from_cli",
    "load_config",
    "origin_of",
    "parse_config",
    "parse_yaml",
    "placeholder",
    "resolve_references",
]
