"""The layer contracts of ARCHITECTURE.md, as CI checks them (`lint-imports`, pyproject's
[tool.importlinter]): the real tree keeps every contract, and a copy of the tree with one check
importing the engine breaks the build, naming the contract it broke."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


def _lint_imports(project: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` as CI does, in `project` (which holds the pyproject), on `src`."""
    command = Path(sys.executable).with_name("lint-imports")
    executable = str(command) if command.exists() else shutil.which("lint-imports")
    assert executable, "lint-imports is not installed (the dev extra installs it)"
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [executable, "--no-cache", "--no-logo"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _name(contract_id: str) -> str:
    return str(next(c["name"] for c in CONTRACTS if c["id"] == contract_id))


def test_the_real_tree_keeps_every_contract() -> None:
    result = _lint_imports(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The package and the contracts, copied: a tree a test may break."""
    shutil.copytree(
        REPO / "src" / "authsift",
        tmp_path / "src" / "authsift",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


SNEAKY_IMPORTS = {
    "at import time": "from authsift.engine.session import HttpSession\n",
    "inside a function": "def _session() -> object:\n"
    "    from authsift.engine.session import HttpSession\n\n"
    "    return HttpSession\n",
    "for typing only": "from typing import TYPE_CHECKING\n\n"
    "if TYPE_CHECKING:\n"
    "    from authsift.engine.session import HttpSession\n",
}


@pytest.mark.parametrize("how", list(SNEAKY_IMPORTS))
def test_a_check_importing_the_engine_fails_ci(tree_copy: Path, how: str) -> None:
    sneaky = tree_copy / "src" / "authsift" / "checks" / "jwt" / "jwt_sneaky.py"
    sneaky.write_text(f'"""A check that opens its own HTTP session."""\n\n{SNEAKY_IMPORTS[how]}')
    result = _lint_imports(tree_copy, tree_copy / "src")
    out = result.stdout
    assert result.returncode != 0, out
    assert f"{_name('layers')} BROKEN" in out
    assert f"{_name('checks-through-context')} BROKEN" in out
    assert "authsift.checks.jwt.jwt_sneaky -> authsift.engine.session" in out
    assert "2 broken" in out  # the other contracts still hold


def test_aiohttp_outside_the_engine_fails_ci(tree_copy: Path) -> None:
    (tree_copy / "src" / "authsift" / "reports" / "fetch.py").write_text("import aiohttp\n")
    result = _lint_imports(tree_copy, tree_copy / "src")
    assert result.returncode != 0, result.stdout
    assert f"{_name('aiohttp-in-engine')} BROKEN" in result.stdout
    assert "authsift.reports.fetch -> aiohttp" in result.stdout
