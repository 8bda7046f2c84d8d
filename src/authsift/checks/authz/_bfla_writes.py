"""Which state-changing operations are *functions on one existing object*, read from the spec.

Pure (no HTTP). `authz-bfla-privileged-write` tests two shapes of write:
- a write to the object itself: `DELETE /products/{id}` (and `PUT`/`PATCH` when the spec marks
  the operation privileged);
- an action on the object: `POST /admin/users/{id}/ban`, `PUT /users/{id}/role`,
  `POST /companies/{cid}/drivers/{did}/deactivate`: the object's path plus one literal segment;
  a `PUT`/`PATCH` of the object itself whose body holds nothing but a privilege-bearing property
  (`PUT /teams/{tid}/members/{uid}` `{"role": "admin"}`) is that action too (`role`).

An action counts without a spec hint only when its segment is one of the administrative verbs
below (ban, suspend, deactivate, role, ...). Everyday actions such as `/follow`, `/vote`,
`/register` or a sub-collection create (`POST /vehicles/{id}/trips`) are what every user does;
they are candidates only when the spec itself marks them privileged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.authz._producers import last_param
from authsift.model import Operation

# Administrative verbs and their inverse (the inverse restores the state after the probe).
INVERSE: dict[str, str] = {
    "ban": "unban",
    "unban": "ban",
    "suspend": "unsuspend",
    "unsuspend": "suspend",
    "reinstate": "suspend",
    "deactivate": "activate",
    "activate": "deactivate",
    "reactivate": "deactivate",
    "disable": "enable",
    "enable": "disable",
    "lock": "unlock",
    "unlock": "lock",
    "freeze": "unfreeze",
    "unfreeze": "freeze",
    "promote": "demote",
    "demote": "promote",
}
# Segments whose body sets a privilege-bearing property; restored by writing the old value back.
PRIVILEGE_SEGMENTS = frozenset({"role", "roles", "permissions", "privileges"})
ADMIN_VERBS = frozenset(INVERSE) | PRIVILEGE_SEGMENTS
# Verbs that act on an account: the object is a user, so the target is a canary account.
_ACCOUNT_VERBS = frozenset(
    {"ban", "unban", "suspend", "unsuspend", "reinstate", "promote", "demote"} | PRIVILEGE_SEGMENTS
)
_ACCOUNT_PARAMS = frozenset(
    {"userid", "user", "uid", "accountid", "account", "memberid", "username", "login"}
)
_ACCOUNT_COLLECTIONS = ("users", "accounts", "members", "profiles", "people", "customers")
# Sign-in machinery is never a function on an object (and never probed by this check).
_AUTH_PATH = re.compile(
    r"(^|/)(auth|oauth2?|login|logout|signin|sign-in|signup|sign-up|register|token|tokens|"
    r"session|sessions|password|password-reset|api-keys|apikeys)(/|$)",
    re.I,
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class WriteFunction:
    """A state-changing operation on one object: what it acts on and how."""

    operation: Operation
    template: str  # the object's path template, e.g. /admin/users/{user_id}
    verb: str | None  # the action segment, normalized ("ban"); None for DELETE/PUT/PATCH on it

    @property
    def kind(self) -> str:
        if self.verb is not None:
            return "action"
        return "delete" if self.operation.method == "DELETE" else "update"

    @property
    def param(self) -> str:
        name = last_param(self.template)
        assert name is not None
        return name

    @property
    def admin_verb(self) -> bool:
        return self.verb in ADMIN_VERBS

    @property
    def restores_by_body(self) -> bool:
        return self.verb in PRIVILEGE_SEGMENTS

    @property
    def on_account(self) -> bool:
        """The object is a user account: by its verb, its parameter or its collection."""
        if self.verb in _ACCOUNT_VERBS:
            return True
        parent = self.template.rstrip("/").rsplit("/", 1)[0].lower()
        return normalized_key(self.param) in _ACCOUNT_PARAMS or parent.endswith(
            _ACCOUNT_COLLECTIONS
        )


def write_function(operation: Operation) -> WriteFunction | None:
    """The function `operation` performs on one object, or None when it is not one."""
    if operation.method not in _WRITES or _AUTH_PATH.search(operation.path):
        return None
    path = operation.path.rstrip("/") or "/"
    if last_param(path) is not None:
        if operation.method == "POST":
            return None  # a POST to an object's own path is rare and ambiguous: left out
        return WriteFunction(operation, operation.path, _privilege_body(operation))
    if operation.method == "DELETE":
        return None
    template, segment = path.rsplit("/", 1)
    if last_param(template) is None or not _SEGMENT.match(segment):
        return None
    verb = normalized_key(segment)
    return WriteFunction(operation, template, verb or None)


def _privilege_body(operation: Operation) -> str | None:
    """The privilege-bearing property a `PUT`/`PATCH` body holds and nothing else (`role`)."""
    body = operation.request_body
    if operation.method not in ("PUT", "PATCH") or body is None or "json" not in body.content_type:
        return None
    names = {normalized_key(str(k)) for k in merge_schema(body.schema).get("properties") or {}}
    return min(names) if names and names <= PRIVILEGE_SEGMENTS else None


def skip_reason(operation: Operation, privileged: bool) -> str | None:
    """Why the check does not probe `operation` (None: it does). `privileged`: the spec marks it
    as an admin function (tags, `/admin` paths, privileged scopes)."""
    if operation.is_read_only:
        return "read-only operation (authz-bfla-privileged-function probes reads)"
    function = write_function(operation)
    if function is None:
        return "not a function on one existing object (creates and sign-in are not probed)"
    if privileged:
        return None
    if function.kind == "update":
        return (
            "an update of an object the spec does not mark privileged: who may edit whose object "
            "is authz-bola-write's test"
        )
    if function.kind == "action" and not function.admin_verb:
        return f"the action `{function.verb}` is not an administrative verb and the spec does " + (
            "not mark it privileged"
        )
    return None


def inverse_of(function: WriteFunction, operations: Iterable[Operation]) -> Operation | None:
    """The operation that undoes an action (`…/unban` for `…/ban`), same template and method."""
    if function.verb is None or function.verb not in INVERSE:
        return None
    wanted = INVERSE[function.verb]
    for op in operations:
        if op.method != function.operation.method or op.is_read_only:
            continue
        candidate = write_function(op)
        if (
            candidate is not None
            and candidate.verb == wanted
            and candidate.template.rstrip("/") == function.template.rstrip("/")
        ):
            return op
    return None
