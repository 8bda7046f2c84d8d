"""Positive evidence that another account may read an object: shared, public or related.

Issue #8: "shared or public only on positive evidence". That an intruder *can* read an object is
what BOLA tests, so it never counts here. What counts, first match wins:
1. the operator's word: `policy.shared` / `policy.public` name the operation;
2. the spec's word: the operation needs no authentication at all (`security: []`, or no
   requirement where the rest of the spec declares them);
3. the object's word: `visibility: public`, `is_public: true`… in its answer, or in the item a
   listing showed for it (the board whose activity feed is read);
4. the object names the intruder: one of its values is the intruder's own strong value (its
   e-mail, UUID, user name in a `shared_with`/`members`/owner-like field);
5. a relationship: the object references something in the intruder's reach (the clinic, store,
   company or account the intruder holds through seeds or scoped listings), or is itself in it.
Pure, except for reading the inventory and the config through `ctx`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from authsift.analysis import is_strong_marker
from authsift.analysis.bodies import json_leaves, path_keys
from authsift.analysis.sensitivity import public_marker
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._inventory import Inventory, KnownObject
from authsift.checks.base import Context
from authsift.model import Operation
from authsift.spec.classify import operation_matches

_SHARING_KEY = re.compile(
    r"shared|sharedwith|members?|collaborators?|participants?|viewers?|readers?|editors?|acl"
    r"|assignees?|advisors?|managers?|owners?|delegates?|guests?|recipients?|author|user|username"
)


def sharing_evidence(
    ctx: Context,
    inv: Inventory,
    operation: Operation,
    obj: KnownObject,
    owner_answer: Any,
    intruder: str,
) -> str | None:
    """Why `intruder` may legitimately read this object of its owner's, or None."""
    policy = ctx.facts.policy
    for kind in ("shared", "public"):
        patterns = policy.get(kind) or []
        if any(operation_matches(str(p), operation.method, operation.path) for p in patterns):
            return f"the config's policy.{kind} names {operation.key}"
    if operation.needs_no_credential:
        return "the spec documents the operation as needing no authentication"
    if isinstance(owner_answer, Mapping):
        marker = public_marker(owner_answer)
        if marker is not None:
            return f"the object says it is public ({marker})"
    for item in inv.listed_as(obj.object_key or "", obj.object_id):
        marker = public_marker(item)
        if marker is not None:
            return f"its listing says it is public ({marker})"
    named = _names(owner_answer, inv.markers_of(intruder))
    if named is not None:
        return f"the object names {intruder} ({named})"
    related = _related(owner_answer, obj, inv.reaches(intruder))
    if related is not None:
        return f"the object references {related}, which {intruder} holds"
    return None


def _names(answer: Any, markers: frozenset[str]) -> str | None:
    """A value of the object that is the intruder's: any strong one, or a weak one (a user
    name, a short id) under a sharing- or owner-like key."""
    for path, leaf in json_leaves(answer):
        if isinstance(leaf, bool) or leaf is None:
            continue
        text = str(leaf)
        if text not in markers:
            continue
        keys = "".join(path_keys(path)).lower()
        if is_strong_marker(text) or _SHARING_KEY.search(re.sub(r"[^a-z]", "", keys)):
            return f"{path.lstrip('$.')}: {text}"
    return None


def _related(answer: Any, obj: KnownObject, reach: set[tuple[str, str]]) -> str | None:
    """A reference of the object (`account_id`, `clinic.id`) that the intruder holds, or the
    object itself among what the intruder's scoped listings show."""
    for name, value in obj.params:
        if (normalized_key(name), value) in reach:
            return f"{name} {value} (the object itself)"
    own = {(normalized_key(name), value) for name, value in obj.params}
    for path, leaf in json_leaves(answer):
        if isinstance(leaf, bool) or not isinstance(leaf, int | str):
            continue
        keys = path_keys(path)
        if not keys or not _REF_KEY.search(keys[-1]):
            continue
        name = keys[-1] if normalized_key(keys[-1]) != "id" or len(keys) < 2 else keys[-2] + "id"
        if len(keys) == 1 and normalized_key(keys[-1]) == "id":
            continue  # the object's own id
        value = str(leaf)
        if (normalized_key(name), value) not in own and (normalized_key(name), value) in reach:
            return f"{name} {value}"
    return None


_REF_KEY = re.compile(r"(?:^id|_id|Id|ID|^uuid|_uuid|Uuid|_key|_slug)$")
