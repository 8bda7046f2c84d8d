"""Shared fixtures: real servers on 127.0.0.1, never mocks of the network."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.apps.toy_api import (
    PASSWORD_ENV,
    ToyOptions,
    ToyState,
    make_app,
    serve_in_thread,
    toy_spec,
)


@pytest.fixture
def toy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PASSWORD_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def toy_server() -> Iterator[Callable[[ToyOptions], tuple[str, ToyState]]]:
    """Start toy APIs on demand: `url, state = toy_server(ToyOptions(...))`."""
    with ExitStack() as stack:

        def start(options: ToyOptions) -> tuple[str, ToyState]:
            app, state = make_app(options)
            return stack.enter_context(serve_in_thread(app)), state

        yield start


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_spec(
    path: Path, servers: list[str] | None = None, extra_paths: dict[str, Any] | None = None
) -> Path:
    import json

    path.write_text(json.dumps(toy_spec(servers, extra_paths=extra_paths)), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def intrusive_lab_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """One full scan of the vulnerable lab, intrusive, every check, every report format:
    `(ScanResult, report directory)`. Shared by the tests that judge what a whole scan says."""
    from rich.console import Console

    from authsift.app.demo import scan_lab
    from authsift.lab.flaws import LabSettings

    output = tmp_path_factory.mktemp("intrusive-lab")
    quiet = Console(quiet=True)
    outcome = scan_lab(
        LabSettings.vulnerable(),
        output=output,
        out=quiet,
        err=quiet,
        formats=["console", "json", "sarif", "junit", "html"],
        quiet=True,
        overrides={"checks.intrusive": True},
    )
    assert outcome.result is not None, outcome.error
    assert outcome.result.findings, "the vulnerable lab must yield findings"
    return outcome.result, output
