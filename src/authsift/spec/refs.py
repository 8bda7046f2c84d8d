"""`$ref` resolution: internal JSON pointers and relative files, offline, cycle-safe.

Two kinds of reference are handled differently, as the specifications do:

* **Reference Objects** in place of a parameter, response, request body, path item or security
  scheme are followed (through chains) by `deref`; a chain that comes back on itself is an error.
* **Schemas** are inlined deeply by `inline.SchemaInliner` (using `target_of` and `get` here), so
  that checks and example generation never need a resolver.

Nothing here touches the network: a `$ref` to `https://…` is never fetched. Files are read only
when the caller gave a base directory (a spec fetched from a target must not be able to make the
scanner read local files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authsift.spec.decoding import decode_document
from authsift.spec.errors import Location, SpecError, split_pointer


class Resolver:
    """Holds the root document and every file reached from it, and resolves `$ref`s among them.

    `ref_siblings_apply` is the one difference between the versions that matters here:
    OpenAPI 3.0.3 §4.7.23 (Reference Object): "This object cannot be extended with additional
    properties and any properties added SHALL be ignored" (Swagger 2.0 JSON References likewise),
    whereas OpenAPI 3.1 schemas are JSON Schema 2020-12, where `$ref` is an applicator and its
    siblings apply alongside it (§8.2.3.1), and 3.1 Reference Objects may override `summary` and
    `description`.
    """

    def __init__(
        self,
        root: Any,
        *,
        source: str,
        base_dir: Path | None,
        root_path: Path | None = None,
        ref_siblings_apply: bool = False,
    ) -> None:
        self.root = Location(source)
        self.ref_siblings_apply = ref_siblings_apply
        self._documents: dict[str, Any] = {source: root}
        self._directories: dict[str, Path | None] = {source: base_dir}
        self._file_names: dict[Path, str] = {}
        if root_path is not None:
            self._file_names[root_path.resolve()] = source

    # ------------------------------------------------------------------ locating nodes

    def get(self, location: Location) -> Any:
        """The node a location names; a pointer into nothing is a dangling reference."""
        node = self._documents[location.document]
        try:
            tokens = split_pointer(location.pointer)
        except ValueError as exc:
            raise location.error(str(exc)) from exc
        for token in tokens:
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise location.error("no such node")
        return node

    def target_of(self, ref: Any, at: Location) -> Location:
        """Where `$ref` (found in the object at `at`) points; errors name `at/$ref`."""
        where = at.child("$ref")
        if not isinstance(ref, str):
            raise where.error(f"$ref must be a string, got {type(ref).__name__}")
        parts = urlsplit(ref)
        if parts.scheme or parts.netloc:
            raise where.error(f"$ref {ref!r} is remote; authsift never fetches referenced URLs")
        file_part, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            raise where.error(f"$ref {ref!r}: only JSON-pointer fragments are supported")
        document = at.document if not file_part else self._load_file(file_part, where)
        target = Location(document, fragment)
        try:
            self.get(target)
        except SpecError as exc:
            raise where.error(f"dangling $ref {ref!r}: {exc.location} {exc.problem}") from None
        return target

    def _load_file(self, relative: str, where: Location) -> str:
        directory = self._directories.get(where.document)
        if directory is None:
            raise where.error(
                f"$ref to file {relative!r} needs the spec's directory (the spec was not a file)"
            )
        path = (directory / relative).resolve()
        if path in self._file_names:
            return self._file_names[path]
        if not path.is_file():
            raise where.error(f"$ref to file {relative!r}: {path} does not exist")
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise where.error(f"$ref to file {relative!r}: cannot read {path}: {exc}") from exc
        self._documents[name] = decode_document(data, source=name)
        self._directories[name] = path.parent
        self._file_names[path] = name
        return name

    # ------------------------------------------------------------------ Reference Objects

    def deref(self, node: Any, at: Location) -> tuple[Any, Location]:
        """Follow a Reference Object chain to the object itself; the location is where it lives.

        Errors found inside the resolved object should name its own location (the component),
        which is where the user has to fix it.
        """
        seen: set[Location] = set()
        overrides: dict[str, Any] = {}
        while isinstance(node, dict) and "$ref" in node:
            if self.ref_siblings_apply:
                for key in ("summary", "description"):
                    if key in node and key not in overrides:
                        overrides[key] = node[key]
            target = self.target_of(node["$ref"], at)
            if target in seen:
                raise at.child("$ref").error(f"circular $ref {node['$ref']!r}")
            seen.add(target)
            node, at = self.get(target), target
        if overrides and isinstance(node, dict):
            node = {**node, **overrides}
        return node, at
