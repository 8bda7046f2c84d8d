"""Print which part of authsift imports which: the facts behind ARCHITECTURE.md's layer table.

A part is a subpackage (`engine`, `checks`, …) or a root module (`model`, `plan`, `cli`). Every
`import` counts, including those inside functions (marked `fn`) and under `if TYPE_CHECKING:`
(marked `typing`), since `lint-imports` counts them too. `--external` adds the third-party
packages each part imports; `-v` lists the importing modules and lines.

    python scripts/import_map.py [-v] [--external]
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "authsift"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """`authsift.engine.session` → `engine`; `authsift.model` → `model`; `authsift` → `authsift`."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def imports_of(path: Path) -> list[tuple[str, int, str]]:
    """(imported module, line, "" | "fn" | "typing") for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    marks: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                marks.setdefault(getattr(inner, "lineno", -1), "fn")
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                marks[getattr(inner, "lineno", -1)] = "typing"
    found: list[tuple[str, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                names = [".".join([*base, *([node.module] if node.module else [])])]
            else:
                names = [node.module or ""]
        else:
            continue
        found.extend((name, node.lineno, marks.get(node.lineno, "")) for name in names)
    return found


def main(argv: list[str]) -> None:
    verbose, external = "-v" in argv, "--external" in argv
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    third_party: dict[str, set[str]] = defaultdict(set)
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        source = module_name(path)
        for target, line, mark in imports_of(path):
            top = target.split(".")[0]
            if top == PACKAGE:
                if part_of(source) != part_of(target):
                    where = f"{source}:{line}{f' ({mark})' if mark else ''} -> {target}"
                    edges[(part_of(source), part_of(target))].append(where)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                third_party[part_of(source)].add(top)
    for (source, target), where in sorted(edges.items()):
        print(f"{source:10} -> {target:10} {len(where)}")
        if verbose:
            for line in where:
                print(f"    {line}")
    if external:
        print()
        for part, names in sorted(third_party.items()):
            print(f"{part:10} uses {', '.join(sorted(names))}")


if __name__ == "__main__":
    main(sys.argv[1:])
