"""What the scan knows that checks may read (re-exported by `checks.base`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class LoginFacts:
    """How an account logs in, for checks that log in accounts of their own (canary accounts):
    config `endpoints.login`, completed from a configured `login` identity that logs in at the
    same endpoint (its body encoding, its other fields, where its token is in the answer). No
    secret of the configured identity is kept here."""

    method: str
    path: str
    username: str = "$.username"  # JSONPath of the user-name field (a form body: its last key)
    password: str = "$.password"
    encoding: Literal["json", "form", "basic"] = "json"
    fields: Mapping[str, Any] = field(default_factory=dict)  # other fields it sends (grant_type)
    headers: tuple[tuple[str, str], ...] = ()
    token_from: Literal["body", "header", "cookie"] = "body"
    token_at: str = ""  # JSONPath, header or cookie name; "" when not configured (guess)
    identity: str | None = None  # an identity that logs in there: its credential's placement


@dataclass(frozen=True, slots=True)
class ScanFacts:
    """What the scan knows that checks may read: the config's intent, in the engine's words."""

    target: str
    intrusive: bool = False
    policy: Mapping[str, Any] = field(default_factory=dict)  # config `policy` section, as a dict
    endpoints: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # login/refresh/logout
    identity_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    identity_auth: Mapping[str, str] = field(default_factory=dict)  # name → auth type
    settings: Mapping[str, Any] = field(default_factory=dict)  # other config sections checks read
    # `resources` seeds, as text: identity → parameter name → the values it owns (authoritative
    # ownership for the object-level checks; issue #8)
    resources: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    api_title: str = ""  # the spec's `info.title` (words derived from it, e.g. for HMAC secrets)
    login: LoginFacts | None = None  # how an account logs in (endpoints.login, a login identity)
    privileged_roles: tuple[str, ...] = ()  # config `privileged_roles`
    # identity → the user name or e-mail it logs in with, read from its own config (a login
    # request's user-name field, a Basic user name, a password grant's username): the accounts
    # the scan knows exist, whether or not the API echoes them back in a profile
    identity_usernames: Mapping[str, str] = field(default_factory=dict)
