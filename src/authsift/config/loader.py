"""Read authsift.yaml: YAML → secret references resolved → validated `Config`.

Every way this can go wrong ends in a ConfigError with one line that names the file position or
the key path; the CLI prints it and exits 2 (DESIGN §1).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from authsift.config.errors import ConfigError, from_validation_error
from authsift.config.references import resolve_references
from authsift.config.root import Config


def load_config(path: Path, *, env: Mapping[str, str] | None = None) -> Config:
    """Load and validate a config file; `file:` references are relative to its directory."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {str(path)!r} is a directory") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {str(path)!r}: {error}") from None
    data = parse_yaml(text, source=str(path))
    return parse_config(data, base_dir=path.resolve().parent, env=env)


def parse_yaml(text: str, *, source: str = "<config>") -> Any:
    """YAML → plain data; syntax errors become `file:line:column: message`."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = error.problem or "invalid YAML"
        raise ConfigError(f"YAML syntax error: {problem}", path=where) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"YAML syntax error: {error}", path=source) from None


def parse_config(data: Any, *, base_dir: Path, env: Mapping[str, str] | None = None) -> Config:
    """Validate already-parsed data (a dict from YAML, JSON or code) into a `Config`."""
    if data is None:
        raise ConfigError("the config is empty: target and identities are required")
    if not isinstance(data, dict):
        raise ConfigError(
            f"expected a mapping of key: value at the top (got {type(data).__name__})"
        )
    resolved, references = resolve_references(data, base_dir=base_dir, env=env)
    try:
        config = Config.model_validate(resolved)
    except ValidationError as error:
        raise from_validation_error(error, Config, resolved) from None
    return config.with_references(tuple(references))
