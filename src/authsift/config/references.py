"""Secret references: credentials live in the environment or in files, never in the config text.

Any string value may be, or contain, `${NAME}` (the environment variable NAME), and a whole value
may be `file:PATH` (the file's content, one trailing newline stripped; a relative PATH is relative
to the config file). `$${` writes a literal `${`. A value starting with `file://` is a URL, not a
reference, so `spec: file:///srv/openapi.json` keeps working.

References are resolved on the raw YAML data, before validation, so every later layer sees plain
values; what was substituted is recorded so that the redactor can hide it wherever it appears.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authsift.config.errors import ConfigError, Location, format_path

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{")
FILE_PREFIX = "file:"


@dataclass(frozen=True, slots=True)
class ResolvedReference:
    """One substitution: where it happened, what the value is, and where it came from."""

    location: tuple[str | int, ...]
    value: str
    source: str  # "env:NAME" or "file:PATH"


def resolve_references(
    data: Any,
    *,
    base_dir: Path,
    env: Mapping[str, str] | None = None,
    prefix: Location = (),
) -> tuple[Any, list[ResolvedReference]]:
    """Return `data` with every reference replaced, and the list of substitutions made.

    Raises ConfigError naming the key path when a variable is unset or a file is unreadable.
    """
    environment = os.environ if env is None else env
    found: list[ResolvedReference] = []
    resolved = _walk(data, tuple(prefix), base_dir, environment, found)
    return resolved, found


def _walk(
    node: Any,
    location: tuple[str | int, ...],
    base_dir: Path,
    env: Mapping[str, str],
    found: list[ResolvedReference],
) -> Any:
    if isinstance(node, dict):
        return {
            key: _walk(value, (*location, key), base_dir, env, found) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_walk(item, (*location, i), base_dir, env, found) for i, item in enumerate(node)]
    if isinstance(node, str):
        return _resolve_string(node, location, base_dir, env, found)
    return node


def _resolve_string(
    text: str,
    location: tuple[str | int, ...],
    base_dir: Path,
    env: Mapping[str, str],
    found: list[ResolvedReference],
) -> str:
    if text.startswith(FILE_PREFIX) and not text.startswith(FILE_PREFIX + "//"):
        content = read_secret_file(text.removeprefix(FILE_PREFIX), base_dir, location)
        found.append(ResolvedReference(location, content, text))
        return content

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise ConfigError(
                f"malformed reference in {text!r}: write ${{NAME}} (or $${{ for a literal)",
                path=format_path(location),
            )
        if name not in env:
            raise ConfigError(f"environment variable {name} is not set", path=format_path(location))
        found.append(ResolvedReference(location, env[name], f"env:{name}"))
        return env[name]

    return _REFERENCE.sub(substitute, text)


def read_secret_file(raw_path: str, base_dir: Path, location: Location) -> str:
    """Read a `file:` reference; one trailing newline is dropped (editors add one)."""
    path = Path(raw_path).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file {str(path)!r} not found", path=format_path(location)) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(
            f"cannot read file {str(path)!r}: {reason}", path=format_path(location)
        ) from None
    return content.removesuffix("\n").removesuffix("\r")
