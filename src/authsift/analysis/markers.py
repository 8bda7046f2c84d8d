"""Caller-unique markers: the values that prove *whose* data an answer carries.

DESIGN.md §4 ("Ownership"): identity A's object is recognised in B's response by A's own
identifying values (ids, e-mail, canary strings), not by status. A marker that another user's
answer could contain by coincidence would turn every "B read B's own order" into "B read A's
order", so extraction is conservative and matching is by whole value, never by substring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from authsift.analysis.bodies import body_text, json_body, json_leaves, path_keys
from authsift.analysis.volatile import is_nonce_key, is_time_key, is_volatile_leaf, normalized_key
from authsift.model import HttpResponse

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Keys whose values identify *this* user. Values under other keys are ignored unless their shape
# alone identifies someone (an e-mail address, a UUID).
_IDENTIFYING_KEYS = frozenset(
    {
        "accountnumber",
        "displayname",
        "email",
        "emailaddress",
        "fullname",
        "handle",
        "login",
        "mail",
        "name",
        "nickname",
        "phone",
        "phonenumber",
        "mobile",
        "sub",
        "username",
        "userprincipalname",
    }
)
# Id-like keys that name something *shared* between users (their tenant, plan, role, the OAuth
# client): the same value in B's answer proves nothing about A.
_SHARED_ID_PREFIXES = (
    "tenant",
    "org",
    "organization",
    "organisation",
    "company",
    "team",
    "group",
    "role",
    "plan",
    "client",
    "app",
    "application",
    "project",
    "workspace",
    "region",
    "country",
    "locale",
    "currency",
    "type",
    "category",
    "parent",
)
# Values that many users share; never markers even under identifying keys.
_GENERIC_VALUES = frozenset(
    {
        "active",
        "admin",
        "administrator",
        "anonymous",
        "basic",
        "default",
        "disabled",
        "enabled",
        "false",
        "free",
        "guest",
        "inactive",
        "member",
        "n/a",
        "none",
        "null",
        "ok",
        "owner",
        "premium",
        "pro",
        "public",
        "private",
        "standard",
        "test",
        "true",
        "undefined",
        "unknown",
        "user",
        "verified",
    }
)
# Objects that wrap the caller's own record in identity endpoints' answers.
_CALLER_CONTAINERS = frozenset(
    {
        "account",
        "attributes",
        "claims",
        "customer",
        "data",
        "identity",
        "me",
        "member",
        "person",
        "principal",
        "profile",
        "result",
        "self",
        "user",
        "userinfo",
        "viewer",
    }
)
_BARE_ID_KEYS = frozenset({"id", "uid", "uuid", "guid", "sub", "oid"})
_SNAKE_ID_SUFFIX = re.compile(r"(?:^|[_\-. ])(?:id|uid|uuid|guid)$", re.I)
_CAMEL_ID_SUFFIX = re.compile(r"[a-z0-9](?:Id|ID|Uid|Uuid|UUID|Guid|GUID)$")
_MIN_TEXT_LENGTH = 3
_MIN_NUMBER_OUTSIDE_ID = 10
# Marker strings at least this long (or e-mails / UUIDs) are also found *inside* string values,
# delimited as whole tokens; shorter ones only as whole values.
_STRONG_MARKER_LENGTH = 8
# Delimiters for whole-token matching. Not ".", "-", "_", "@" or "+": "alice" must not be found in
# "alice.smith@example.com", nor "smith@example.com" in "alice.smith@example.com".
_TOKEN_DELIMITERS = re.compile(r"[\s\"'<>()\[\]{},;:=/?&#|\\]+")


def is_id_key(key: str) -> bool:
    """`id`, `uid`, `uuid`, `user_id`, `accountId`… but not tenant/org/role ids, nor request ids.

    The suffix must be a word of its own (`user_id`, `userId`), so `paid` and `valid` are not
    id keys.
    """
    norm = normalized_key(key)
    if not norm or is_nonce_key(key) or is_time_key(key):
        return False
    if norm in _BARE_ID_KEYS:
        return True
    has_id_suffix = bool(_SNAKE_ID_SUFFIX.search(key) or _CAMEL_ID_SUFFIX.search(key))
    return has_id_suffix and not norm.startswith(_SHARED_ID_PREFIXES)


def _looks_identifying(key: str, value: str) -> bool:
    return bool(
        _EMAIL.match(value)
        or (_UUID.match(value) and not is_nonce_key(key))
        or normalized_key(key) in _IDENTIFYING_KEYS
        or is_id_key(key)
    )


def _marker_of(key: str, value: Any) -> str | None:
    """The marker text for one leaf, or None when the value could belong to anyone."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not is_id_key(key):
            return None  # a balance of 100 or an age of 34 is not unique to anyone
        return str(value) if value >= 0 else None
    if not isinstance(value, str):
        return None  # floats are amounts and coordinates, not identifiers
    text = value.strip()
    if not text or text.lower() in _GENERIC_VALUES:
        return None
    if len(text) < _MIN_TEXT_LENGTH and not (is_id_key(key) and text.isalnum()):
        return None
    if text.isdigit() and int(text) < _MIN_NUMBER_OUTSIDE_ID and not is_id_key(key):
        return None
    return text if _looks_identifying(key, text) else None


def identity_markers(me_response_json: Any, *, known: Iterable[str] = ()) -> frozenset[str]:
    """Caller-unique values from an identity endpoint's JSON (e.g. the body of `GET /me`).

    Kept: values under id-like keys (`id`, `user_id`, `uuid`, `sub`; including small numbers,
    since `"id": 7` is exactly what identifies user 7), under identifying keys (`email`,
    `username`, `login`, `name`, `phone`), and any e-mail address or UUID whatever its key.
    Skipped: booleans, nulls, floats, empty strings, values shared by many users (`user`,
    `active`, `true`), strings shorter than 3 characters outside id keys, numbers outside id
    keys, ids of shared things (tenant, org, role, client), values inside lists or inside
    objects other than the caller's own record (`manager.name`, `plan.id`), and volatile values
    (request ids, timestamps). `known` adds operator-supplied markers (canaries, seeded ids)
    as given.
    """
    markers: set[str] = {marker.strip() for marker in known if marker.strip()}
    for path, leaf in json_leaves(me_response_json):
        keys = path_keys(path)
        if is_volatile_leaf(path, leaf) or not _describes_the_caller(path, keys):
            continue
        marker = _marker_of(keys[-1] if keys else "", leaf)
        if marker is not None:
            markers.add(marker)
    return frozenset(markers)


def _describes_the_caller(path: str, keys: tuple[str, ...]) -> bool:
    """Only leaves of the caller's own record: top level, or nested in `user`, `data`,
    `profile`… Values in lists (the caller's orders, friends) and in other objects
    (`manager`, `plan`, `organization`) belong to other things or people."""
    if "[*]" in path:
        return False
    return all(normalized_key(key) in _CALLER_CONTAINERS for key in keys[:-1])


def unique_markers(markers_by_identity: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Drop markers that two identities share: they cannot tell A's data from B's.

    With one identity there is nothing to compare, and its markers are returned unchanged.
    """
    counts: dict[str, int] = {}
    for markers in markers_by_identity.values():
        for marker in {_fold(m) for m in markers}:
            counts[marker] = counts.get(marker, 0) + 1
    return {
        name: frozenset(m for m in markers if counts[_fold(m)] == 1)
        for name, markers in markers_by_identity.items()
    }


def is_strong_marker(marker: str) -> bool:
    """A marker too specific to appear by coincidence: e-mail, UUID, or ≥ 8 characters that are
    not all digits. Checks whose verdict rests on marker presence alone (BOLA) should prefer
    these; a short number such as `7` also appears as a page size or another object's id."""
    return bool(
        _EMAIL.match(marker)
        or _UUID.match(marker)
        or (len(marker) >= _STRONG_MARKER_LENGTH and not marker.isdigit())
    )


def markers_present(response: HttpResponse, markers: Iterable[str]) -> frozenset[str]:
    """Which markers the response carries, as whole values, never as substrings.

    JSON: a marker matches a whole scalar value (`"7"` matches `7` and `"7"` but not `17`,
    `70` or `"v7"`); a strong marker (see `is_strong_marker`) is also found as a whole token
    inside a longer string (`"mailto:alice@example.com"`). Other bodies: whole-token matches
    only, tokens being delimited by whitespace, quotes, brackets and URL punctuation. E-mail
    addresses and UUIDs compare case-insensitively.
    """
    wanted = {marker for marker in markers if marker}
    if not wanted:
        return frozenset()
    parsed = json_body(response)
    if parsed is None:
        tokens = _tokens(body_text(response))
        return frozenset(m for m in wanted if _fold(m) in tokens)
    values: set[str] = set()
    strings: list[str] = []
    for _, leaf in json_leaves(parsed.value):
        if isinstance(leaf, bool) or leaf is None:
            continue
        if isinstance(leaf, str):
            values.add(_fold(leaf.strip()))
            strings.append(leaf)
        elif isinstance(leaf, int):
            values.add(str(leaf))
    found = {m for m in wanted if _fold(m) in values}
    strong = [m for m in wanted - found if is_strong_marker(m)]
    if strong:
        tokens = set().union(*(_tokens(text) for text in strings)) if strings else set()
        found.update(m for m in strong if _fold(m) in tokens)
    return frozenset(found)


def _tokens(text: str) -> set[str]:
    return {_fold(token) for token in _TOKEN_DELIMITERS.split(text) if token}


def _fold(marker: str) -> str:
    """E-mail addresses and UUIDs are case-insensitive in practice; other markers are not."""
    if _EMAIL.match(marker) or _UUID.match(marker):
        return marker.lower()
    return marker
