"""Which values of a config are credentials, and the placeholder that stands in for each.

The redactor replaces every value returned here, wherever it appears, by its placeholder:
`$<IDENTITY>_<FIELD>` upper-cased, anything but letters and digits turned into `_`
(`alice` + token → `$ALICE_TOKEN`, `ops` + api_key value → `$OPS_KEY`).

A value is a secret when it sits in a credential field (`SecretStr`), when it is a login body
field whose name says so (`password`, `secret`, `token`…), or when it came from a `${ENV}` or
`file:` reference anywhere in an identity's auth other than a user-name field — the user put it
out of the config because it is sensitive. User names are never redacted: they are what the
authorization checks recognise objects by.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from authsift.config.auth import BasicAuth, CookieAuth, LoginAuth, OAuth2Auth

if TYPE_CHECKING:
    from authsift.config.auth import IdentityConfig
    from authsift.config.root import Config

_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|otp|pin|credential|auth|cookie", re.I)
_USER_KEY = re.compile(r"^(user(name)?|login|email|e-mail|client_id|name|id)$", re.I)
_FIELD_SUFFIX = {
    "token": "TOKEN",
    "password": "PASSWORD",
    "client_secret": "CLIENT_SECRET",
    "refresh_token": "REFRESH_TOKEN",
}
_VALUE_SUFFIX = {"api_key": "KEY", "header": "TOKEN", "cookie": "COOKIE"}


def placeholder(identity: str, field: str) -> str:
    """`("alice-ro", "key")` → `$ALICE_RO_KEY`."""
    return "$" + re.sub(r"[^A-Za-z0-9]", "_", f"{identity}_{field}").upper()


def collect_secrets(config: Config) -> dict[str, str]:
    found: dict[str, str] = {}

    def add(value: str, name: str) -> None:
        if value and value not in found:
            found[value] = name

    for identity in config.identities:
        for field, value in _identity_secrets(identity).items():
            add(value, placeholder(identity.name, field))
    for reference in config.references:
        location = reference.location
        if len(location) < 3 or location[0] != "identities" or location[2] != "auth":
            continue
        index = location[1]
        if not isinstance(index, int) or index >= len(config.identities):
            continue
        identity = config.identities[index]
        suffix = _field_of(identity, location[3:])
        if suffix is not None:
            add(reference.value, placeholder(identity.name, suffix))
    for kind, tokens in (
        ("EXPIRED_TOKEN", config.jwt.expired_tokens),
        ("AUDIENCE_TOKEN", config.jwt.foreign_audience_tokens),
        ("ISSUER_TOKEN", config.jwt.foreign_issuer_tokens),
    ):
        for name, supplied in tokens.items():
            for token in supplied:
                add(token.get_secret_value(), placeholder(name, kind))
    for value, name in config.oauth.secrets().items():
        add(value, name)
    if config.abuse.account is not None:
        add(config.abuse.account.password.get_secret_value(), "$ABUSE_PASSWORD")
    for account in config.lifecycle.accounts:  # disposable accounts (token lifecycle checks)
        add(account.password.get_secret_value(), placeholder(account.username, "PASSWORD"))
    proxy_password = _proxy_password(config.proxy)
    if proxy_password:
        add(proxy_password, "$PROXY_PASSWORD")
    return found


def _identity_secrets(identity: IdentityConfig) -> dict[str, str]:
    """field suffix → value, for every credential this identity's auth holds in plain sight."""
    auth = identity.auth
    found: dict[str, str] = {}
    for name in type(auth).model_fields:
        value = getattr(auth, name)
        if isinstance(value, SecretStr):
            suffix = _VALUE_SUFFIX[auth.type] if name == "value" else _FIELD_SUFFIX[name]
            found[suffix] = value.get_secret_value()
    if isinstance(auth, CookieAuth):
        for cookie_name, cookie in auth.cookies.items():
            found[f"COOKIE_{cookie_name}"] = cookie.get_secret_value()
    if isinstance(auth, BasicAuth):
        found["BASIC"] = _basic_pair(auth.username, auth.password.get_secret_value())
    if isinstance(auth, OAuth2Auth) and auth.client_secret is not None:
        found["BASIC"] = _basic_pair(auth.client_id, auth.client_secret.get_secret_value())
    if isinstance(auth, LoginAuth):
        request = auth.request
        if request.basic is not None:
            password = request.basic.password.get_secret_value()
            found["PASSWORD"] = password
            found["BASIC"] = _basic_pair(request.basic.username, password)
        for key, value in _leaves(request.json_body or {}) + _leaves(request.form or {}):
            if _SECRET_KEY.search(key) and not _USER_KEY.match(key) and isinstance(value, str):
                found.setdefault(key, value)
        for header, value in request.headers.items():
            if _SECRET_KEY.search(header):
                found.setdefault(header, value)
    return found


def _field_of(identity: IdentityConfig, tail: tuple[str | int, ...]) -> str | None:
    """Placeholder suffix for a referenced value at `tail` under the auth, None if not secret."""
    keys = [part for part in tail if isinstance(part, str)]
    if not keys or _USER_KEY.match(keys[-1]) or keys[-1] in ("method", "path", "token_url"):
        return None
    if keys == ["value"]:
        return _VALUE_SUFFIX.get(identity.auth.type, "VALUE")
    if len(keys) == 1 and keys[0] in _FIELD_SUFFIX:
        return _FIELD_SUFFIX[keys[0]]
    if keys[0] == "cookies" and len(keys) == 2:
        return f"COOKIE_{keys[1]}"
    return keys[-1]


def _leaves(body: dict[str, Any]) -> list[tuple[str, Any]]:
    leaves: list[tuple[str, Any]] = []
    for key, value in body.items():
        if isinstance(value, dict):
            leaves.extend(_leaves(value))
        else:
            leaves.append((str(key), value))
    return leaves


def _basic_pair(username: str, password: str) -> str:
    """The Basic credential as it travels (RFC 7617 §2): base64 of `user-id ":" password`."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def _proxy_password(proxy: str | None) -> str | None:
    if proxy is None:
        return None
    password = urlsplit(proxy).password
    return unquote(password) if password else None
