"""Where a write names the object it changes, read from the spec (pure, no HTTP).

authz-bola-write (issue 8, "references anywhere") tests three shapes of write:
- **path**: the object is the path itself (`PATCH /documents/{id}`, `DELETE /a/{x}/b/{id}`);
- **action**: the object's path plus one verb an owner applies to its own object
  (`POST /holds/{id}/cancel/`, `POST /documents/{id}/publish`), or a `PUT`/`PATCH` of one
  attribute of it (`PUT /notes/{id}/content`);
- **body**: a JSON body field names the object (`POST /card-moves {"card_id", "to_board_id"}`,
  `POST /sync/notes {"owner", "id", …}`) or the account (`PUT /profile {"username", "bio"}`).

Left out, with the reason: sign-in machinery, administrative functions and verbs (ban, role,
deactivate: authz-bfla-privileged-write), creates (`POST /holds {"book"}` answered `201`: what
a new object links to is not an object it changes), sub-collection adds (`POST /notes/{id}/
comments`) and everyday actions every user may take on others' objects (like, follow, vote).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._bfla_writes import ADMIN_VERBS
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.authz._producers import last_param
from authsift.model import Operation
from authsift.spec.classify import looks_privileged

Kind = Literal["path", "action", "body"]

# What an owner does to its own object; applied by a stranger, it is a write to someone else's.
OWNER_VERBS = frozenset(
    {
        "cancel",
        "close",
        "reopen",
        "archive",
        "unarchive",
        "publish",
        "unpublish",
        "submit",
        "complete",
        "finish",
        "resolve",
        "withdraw",
        "restore",
        "pin",
        "unpin",
        "hide",
        "unhide",
        "rename",
        "move",
        "transfer",
        "renew",
        "extend",
        "pause",
        "resume",
        "discard",
        "void",
        "delete",
        "remove",
        "trash",
        "edit",
        "update",
        "reschedule",
    }
)
# Verbs whose effect ends the object's life: the owner applying it is also the cleanup.
TERMINAL_VERBS = frozenset({"cancel", "close", "withdraw", "discard", "void", "delete", "remove"})
# Attributes every user may set on others' objects (a reaction, not an edit).
_SOCIAL = frozenset(
    {
        "like",
        "likes",
        "unlike",
        "reaction",
        "reactions",
        "vote",
        "votes",
        "upvote",
        "downvote",
        "rating",
        "ratings",
        "star",
        "stars",
        "follow",
        "unfollow",
        "subscribe",
        "unsubscribe",
        "subscription",
        "bookmark",
        "favorite",
        "favourite",
        "report",
        "flag",
        "comment",
        "comments",
        "review",
        "reviews",
        "share",
        "view",
        "views",
        "watch",
        "join",
        "leave",
        "rsvp",
        "apply",
        "claim",
    }
)
_CREDENTIAL_SEGMENT = re.compile(r"pass(word|wd)|e-?mail|credential|secret|token|mfa|otp|2fa", re.I)
_AUTH_PATH = re.compile(
    r"(^|/)(auth|oauth2?|login|logout|log-in|log-out|signin|sign-in|signup|sign-up|register|"
    r"registration|token|tokens|session|sessions|password|passwords|password-reset|"
    r"forgot-password|reset-password|mfa|otp|2fa|api-keys|apikeys)(/|$)",
    re.I,
)
_OBJECT_REF = re.compile(
    r"^(?:id|uuid|guid|slug)$|[_\-.](?:id|uuid|guid|slug)$|[a-z0-9](?:Id|ID|Uuid|UUID|Slug)$"
)
# Fields that name an account (whose record a write changes): normalized names.
ACCOUNT_REFS = frozenset(
    {
        "username",
        "user",
        "userid",
        "useruuid",
        "owner",
        "ownerid",
        "ownername",
        "ownerusername",
        "account",
        "accountid",
        "member",
        "memberid",
        "login",
        "handle",
    }
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Shape:
    """How one write operation names the object it changes."""

    kind: Kind
    template: str | None = None  # the object's path template (path and action shapes)
    verb: str | None = None  # the action's segment, normalized ("cancel")
    object_refs: tuple[str, ...] = ()  # body fields that name an object (`card_id`, `id`)
    account_refs: tuple[str, ...] = ()  # body fields that name an account (`username`, `owner`)

    @property
    def terminal(self) -> bool:
        return self.verb in TERMINAL_VERBS


def properties(op: Operation) -> dict[str, Mapping[str, Any]]:
    """The JSON body's properties (allOf/oneOf folded), name → schema."""
    if op.request_body is None or "json" not in op.request_body.content_type:
        return {}
    found = merge_schema(op.request_body.schema).get("properties") or {}
    return {str(k): merge_schema(v) for k, v in found.items() if isinstance(v, Mapping)}


def is_object_ref(name: str, schema: Mapping[str, Any]) -> bool:
    return bool(_OBJECT_REF.search(name)) or schema.get("format") == "uuid"


def is_account_ref(name: str) -> bool:
    return normalized_key(name) in ACCOUNT_REFS


def shape_of(op: Operation) -> Shape | str:
    """The shape of `op`, or why authz-bola-write does not test it."""
    if op.method not in _WRITES:
        return "not a write"
    if looks_privileged(op):
        return "administrative function (authz-bfla-privileged-write covers it)"
    if _AUTH_PATH.search(op.path):
        return "sign-in machinery (login, sign-up, tokens, passwords): no object of a user's"
    path = op.path.rstrip("/") or "/"
    if last_param(path) is not None:
        if op.method == "POST":
            return "a POST to an object's own path (ambiguous: an update or a nested create)"
        return Shape("path", op.path)
    template, segment = path.rsplit("/", 1)
    if last_param(template) is not None and op.method != "DELETE" and _SEGMENT.match(segment):
        verb = normalized_key(segment)
        if verb in ADMIN_VERBS:
            return f"administrative action `{segment}` (authz-bfla-privileged-write covers it)"
        if verb in OWNER_VERBS:
            return Shape("action", template, verb)
        attribute = op.method in ("PUT", "PATCH") and bool(properties(op))
        if attribute and verb not in _SOCIAL and not _CREDENTIAL_SEGMENT.search(segment):
            return Shape("action", template, None)
    fields = properties(op)
    accounts = tuple(n for n in fields if is_account_ref(n))
    objects = tuple(n for n, s in fields.items() if is_object_ref(n, s) and n not in accounts)
    if not objects and not accounts:
        if last_param(template) is not None:
            return (
                f"`{segment}` after the object is neither an owner's action on it nor a "
                "reference in its body (a sub-collection add or an everyday action)"
            )
        return "no reference to an existing object in its path or JSON body"
    if op.method == "POST" and _creates(op):
        return "a create (answered 201): what a new object links to is not an object it changes"
    return Shape("body", object_refs=objects, account_refs=accounts)


def _creates(op: Operation) -> bool:
    codes = set(op.responses)
    return "201" in codes and "200" not in codes


def creates_objects_of(op: Operation, operations: Sequence[Operation]) -> str | None:
    """The object template `op` (a POST on a collection) creates, when the spec has one."""
    if op.method != "POST":
        return None
    base = op.path.rstrip("/")
    for other in operations:
        path = other.path.rstrip("/")
        name = last_param(path)
        if name is not None and path == f"{base}/{{{name}}}":
            return other.path
    return None
