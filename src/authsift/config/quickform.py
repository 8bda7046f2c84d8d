"""The quick form: a scan without a config file, identities given as one `--identity` each.

Grammar (`:`-separated; secrets only by reference, never literally on the command line, where
shell history, `ps` and CI logs would keep them)::

    IDENTITY  = NAME ["@" ROLE] ":" AUTH
    AUTH      = "bearer"  ":" REF                   alice:bearer:env:ALICE_TOKEN
              | "header"  ":" HEADER ":" REF        svc:header:X-Session:env:SVC_SESSION
              | "api_key" ":" IN ":" PARAM ":" REF  ops@admin:api_key:header:X-API-Key:env:OPS_KEY
              | "basic"   ":" USER ":" REF          u:basic:env:USER:env:PASS, u:basic:bob:file:pw
              | "cookie"  ":" COOKIE ":" REF        web:cookie:sessionid:file:/run/sid
    REF       = "env:" VARIABLE | "file:" PATH      (a PATH may contain ':' only as the last item)
    USER      = REF | a literal user name           (user names are not secrets)
    IN        = header | query | cookie             ROLE defaults to "user"

`login` and `oauth2` identities need more than fits on a line: use a config file for them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from authsift.config.auth import AUTH_TYPES, IdentityConfig
from authsift.config.errors import ConfigError, from_validation_error
from authsift.config.references import read_secret_file
from authsift.config.root import Config, set_dotted

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUICK_TYPES = ("bearer", "header", "api_key", "basic", "cookie")


class _Reader:
    """Consumes the `:`-separated items of one --identity value, with errors that quote it."""

    def __init__(self, text: str, env: Mapping[str, str], base_dir: Path) -> None:
        self.text = text
        self.items = text.split(":")
        self.position = 0
        self.env = env
        self.base_dir = base_dir

    def fail(self, message: str) -> ConfigError:
        return ConfigError(message, path=f"--identity {self.text}")

    def word(self, what: str) -> str:
        if self.position >= len(self.items) or not self.items[self.position]:
            raise self.fail(f"missing {what}")
        self.position += 1
        return self.items[self.position - 1]

    def is_reference(self) -> bool:
        return self.position < len(self.items) and self.items[self.position] in ("env", "file")

    def reference(self, what: str, *, last: bool) -> str:
        """Read `env:VAR` or `file:PATH` and return the secret it points to."""
        if not self.is_reference():
            shown = "nothing" if self.position >= len(self.items) else "a literal value"
            raise self.fail(
                f"{what} must be a reference, env:VARIABLE or file:PATH (got {shown}); "
                "secrets are never given on the command line"
            )
        kind = self.word("reference kind")
        if kind == "env":
            variable = self.word("environment variable name").removeprefix("$")
            if not _VARIABLE.match(variable):
                raise self.fail(f"{variable!r} is not an environment variable name")
            if variable not in self.env:
                raise self.fail(f"environment variable {variable} is not set")
            return self.env[variable]
        if last:
            path, self.position = ":".join(self.items[self.position :]), len(self.items)
        else:
            path = self.word("file path")
        if not path:
            raise self.fail("missing file path after file:")
        return read_secret_file(path, self.base_dir, [f"--identity {self.text}"])

    def done(self) -> None:
        if self.position < len(self.items):
            rest = ":".join(self.items[self.position :])
            raise self.fail(f"unexpected ':{rest}' at the end")


def identity_from_cli(
    text: str, *, env: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> IdentityConfig:
    """Parse one `--identity` value (grammar in the module docstring) into an IdentityConfig."""
    reader = _Reader(text, os.environ if env is None else env, base_dir or Path.cwd())
    name, _, role = reader.word("identity name").partition("@")
    if not name:
        raise reader.fail("missing identity name before '@'")
    auth_type = reader.word(f"auth type (one of {', '.join(_QUICK_TYPES)})")
    if auth_type not in _QUICK_TYPES:
        hint = " — use a config file for it" if auth_type in AUTH_TYPES else ""
        raise reader.fail(
            f"auth type must be one of {', '.join(_QUICK_TYPES)} (got {auth_type!r}){hint}"
        )
    auth: dict[str, Any] = {"type": auth_type}
    if auth_type == "bearer":
        auth["token"] = reader.reference("the token", last=True)
    elif auth_type in ("header", "cookie"):
        auth["name"] = reader.word(f"{auth_type} name")
        auth["value"] = reader.reference(f"the {auth_type} value", last=True)
    elif auth_type == "api_key":
        auth["in"] = reader.word("where the key goes (header, query or cookie)")
        auth["name"] = reader.word("the key's parameter name")
        auth["value"] = reader.reference("the key", last=True)
    else:
        if reader.is_reference():
            auth["username"] = reader.reference("the user name", last=False)
        else:
            auth["username"] = reader.word("user name")
        auth["password"] = reader.reference("the password", last=True)
    reader.done()
    raw: dict[str, Any] = {"name": name, "auth": auth}
    if role:
        raw["role"] = role
    try:
        return IdentityConfig.model_validate(raw)
    except ValidationError as error:
        problem = from_validation_error(error, IdentityConfig, raw)
        raise reader.fail(str(problem)) from None


def config_from_cli(
    target: str,
    spec: str | None,
    identities: Sequence[str],
    *,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> Config:
    """A Config from the command line alone: `authsift scan URL --spec FILE --identity …`.

    `settings` are further keys by dotted path (`{"checks.intrusive": True}`), as CLI flags give.
    """
    if not identities:
        raise ConfigError("give at least one --identity (or a config file with -c)")
    parsed = [identity_from_cli(text, env=env, base_dir=base_dir) for text in identities]
    data: dict[str, Any] = {"target": target, "identities": parsed}
    if spec is not None:
        data["spec"] = spec
    for dotted, value in (settings or {}).items():
        set_dotted(data, dotted, value)
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error, Config, data) from None
