"""Schemas with every `$ref` replaced by its target, so no consumer ever needs the resolver.

A recursive schema (a tree node whose children are tree nodes) cannot be inlined finitely. The
first time a `$ref` leads back into a schema still being expanded, that target is marked
*recursive* for the rest of the document: from then on every reference to it becomes the marker
`{"$ref": "#/$defs/<Name>"}`, and each top-level schema that uses it carries its one expansion
under its own `$defs`. The result is a self-contained JSON Schema that a validator can use as it
is, and `example_value` follows the marker like any local reference.

Because a marker reads the same wherever it appears, every expansion is independent of the path
that led to it and is memoised. Each component is therefore expanded once per document, and a
web of fifty mutually referencing models (as in the big public specs) costs fifty expansions,
not fifty factorial.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authsift.spec.errors import Location, escape_token, split_pointer, unescape_token
from authsift.spec.refs import Resolver

logger = logging.getLogger(__name__)

MAX_INLINE_DEPTH = 200
"""Deeper than any real schema; reached only by a self-referencing YAML alias or a hostile spec."""

REFERENCE_DEPTH = 60
"""Past this depth a `$ref` is bundled under `$defs` instead of inlined, as if recursive. A web
of hundreds of models would otherwise be inlined as one chain hundreds of levels deep."""

MAX_INLINED_NODES = 2_000_000
"""Work budget for one document: beyond it the spec is refused rather than ground on."""

# Keywords whose values are data, not schemas: a `$ref` key inside an example is just data.
_DATA_KEYWORDS = frozenset({"example", "examples", "default", "enum", "const"})
# Keywords whose values map *names* to schemas: there a key "example" is a property's name.
_NAMED_SCHEMAS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
# JSON Schema annotations: a `$ref` sibling among these only describes, it never constrains.
_ANNOTATIONS = frozenset(
    {"title", "description", "summary", "example", "examples", "default", "deprecated"}
    | {"readOnly", "writeOnly", "$comment", "externalDocs", "xml"}
)


@dataclass(frozen=True, slots=True)
class _Expansion:
    value: Any
    recursive_targets: frozenset[Location]  # markers inside `value`, to bundle under $defs


@dataclass(slots=True)
class _Frame:
    """Recursive targets referenced by the expansion in progress."""

    targets: set[Location] = field(default_factory=set)


class SchemaInliner:
    """Inlines the schemas of one document; memoises across all its operations."""

    def __init__(self, resolver: Resolver, *, ref_siblings_apply: bool) -> None:
        self.resolver = resolver
        self.ref_siblings_apply = ref_siblings_apply
        self._expansions: dict[Location, _Expansion] = {}
        self._definitions: dict[Location, _Expansion] = {}
        self._recursive_names: dict[Location, str] = {}
        self._frames: list[_Frame] = []
        self._nodes_visited = 0

    def inline(self, schema: Any, at: Location) -> Any:
        """A copy of `schema` without `$ref`s, recursion bundled under `$defs`."""
        try:
            self._frames.append(_Frame())
            inlined = self._inline(schema, at, (), 0)
            pending = set(self._frames.pop().targets)
            definitions: dict[str, Any] = {}
            while pending:
                # A definition may use further recursive targets: close over them.
                target = pending.pop()
                name = self._recursive_names[target]
                if name not in definitions:
                    definition = self._definition(target)
                    definitions[name] = definition.value
                    pending |= definition.recursive_targets
        except RecursionError:
            raise at.error("schema nested too deeply to inline") from None
        finally:
            self._frames.clear()
        if not definitions or not isinstance(inlined, dict):
            return inlined
        if inlined.keys() == {"$ref"}:
            # The whole schema is a recursive model (`schema: {$ref: Node}`): show the model
            # itself at the top rather than a bare pointer into its own $defs.
            inlined = dict(definitions[_defs_name(inlined["$ref"])])
        existing = inlined.get("$defs")
        bundled = {**(existing if isinstance(existing, dict) else {}), **definitions}
        return {**inlined, "$defs": bundled}

    # ------------------------------------------------------------------ the walk

    def _inline(self, node: Any, at: Location, stack: tuple[Location, ...], depth: int) -> Any:
        self._nodes_visited += 1
        if self._nodes_visited > MAX_INLINED_NODES:
            raise at.error(f"schemas expand to more than {MAX_INLINED_NODES} nodes; refusing")
        if depth > MAX_INLINE_DEPTH:
            raise at.error(f"schema nested deeper than {MAX_INLINE_DEPTH} levels")
        if isinstance(node, list):
            return [
                self._inline(item, at.child(i), stack, depth + 1) for i, item in enumerate(node)
            ]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            return self._inline_ref(node, at, stack, depth)
        inlined: dict[str, Any] = {}
        for key, value in node.items():
            where = at.child(key)
            if key in _DATA_KEYWORDS:
                inlined[key] = value
            elif key in _NAMED_SCHEMAS and isinstance(value, dict):
                inlined[key] = {
                    name: self._inline(schema, where.child(name), stack, depth + 2)
                    for name, schema in value.items()
                }
            else:
                inlined[key] = self._inline(value, where, stack, depth + 1)
        return inlined

    def _inline_ref(
        self, node: dict[str, Any], at: Location, stack: tuple[Location, ...], depth: int
    ) -> Any:
        ref: str = node["$ref"]
        parts = urlsplit(ref)
        if parts.scheme or parts.netloc:
            # A remote schema degrades the examples of one body, not the whole scan. It becomes
            # "anything" rather than a `$ref`, so that no validator downstream tries to fetch it.
            logger.warning("%s/$ref: remote schema %r not fetched; treated as any value", at, ref)
            return {"x-authsift-unresolved-ref": ref}
        target = self.resolver.target_of(ref, at)
        if target in stack or target in self._recursive_names or depth > REFERENCE_DEPTH:
            resolved: Any = self._marker(target)
        else:
            expansion = self._expansions.get(target)
            if expansion is None:
                self._frames.append(_Frame())
                value = self._inline(self.resolver.get(target), target, (*stack, target), depth + 1)
                expansion = _Expansion(value, frozenset(self._frames.pop().targets))
                self._expansions[target] = expansion
            self._frames[-1].targets |= expansion.recursive_targets
            resolved = expansion.value
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not siblings or not self.ref_siblings_apply:
            return resolved
        return merge_ref_siblings(resolved, self._inline(siblings, at, stack, depth + 1))

    def _marker(self, target: Location) -> dict[str, str]:
        """`{"$ref": "#/$defs/Name"}`; the name is unique in the document and never changes."""
        name = self._recursive_names.get(target)
        if name is None:
            tokens = split_pointer(target.pointer)
            base = tokens[-1] if tokens else Path(target.document).stem
            taken = set(self._recursive_names.values())
            name, suffix = base, 2
            while name in taken:
                name, suffix = f"{base}_{suffix}", suffix + 1
            self._recursive_names[target] = name
        self._frames[-1].targets.add(target)
        return {"$ref": f"#/$defs/{escape_token(name)}"}

    def _definition(self, target: Location) -> _Expansion:
        """The one expansion of a recursive target, bundled under `$defs` where it is used."""
        definition = self._definitions.get(target)
        if definition is None:
            self._frames.append(_Frame())
            value = self._inline(self.resolver.get(target), target, (target,), 1)
            definition = _Expansion(value, frozenset(self._frames.pop().targets))
            self._definitions[target] = definition
        return definition


def _defs_name(marker_ref: str) -> str:
    return unescape_token(marker_ref.removeprefix("#/$defs/"))


def merge_ref_siblings(resolved: Any, siblings: dict[str, Any]) -> Any:
    """Combine a 3.1 `$ref` target with the keywords written next to the `$ref`.

    JSON Schema 2020-12 §8.2.3.1 evaluates `$ref` "in-place" alongside its siblings, which is what
    `allOf: [target, siblings]` means. Annotations simply override, and when the constraint
    keywords do not overlap a flat merge is equivalent and far easier for example generation.
    """
    annotations = {key: value for key, value in siblings.items() if key in _ANNOTATIONS}
    constraints = {key: value for key, value in siblings.items() if key not in _ANNOTATIONS}
    if not isinstance(resolved, dict):
        if constraints:
            return {"allOf": [resolved, constraints], **annotations}
        return annotations if resolved is True else resolved
    if constraints.keys() & resolved.keys():
        return {"allOf": [resolved, constraints], **annotations}
    return {**resolved, **constraints, **annotations}
