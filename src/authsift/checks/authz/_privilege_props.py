"""Which undeclared properties to try writing, and with which harmless value (pure).

CHECKS.md #25: add one privilege-bearing property at a time to a create or update of the
caller's own object, starting with no-op or marker values. Candidates are the properties the
response schema shows but the request schema does not accept (the API's own fields), then the
usual privilege names. A value is chosen so that persisting it proves the flaw without granting
anything: a canary string where a string is stored, `false` for an absent flag, a one-canary
list for an absent list. Numbers (balances, owner ids) have no harmless marker and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.authz._objects import canary
from authsift.checks.authz._privilege_values import ENVELOPE_KEYS, ENVELOPE_STATUS

PRIVILEGE_PROPERTIES = (
    "role",
    "roles",
    "is_admin",
    "isAdmin",
    "permissions",
    "scope",
    "groups",
    "tenant_id",
    "org_id",
    "owner_id",
    "user_id",
    "email_verified",
    "verified",
    "status",
    "balance",
    "credit",
    "price",
    "discount",
    "plan",
    "mfa_enabled",
)
# A change to one of these is a change of privilege or tenant: critical (CHECKS.md #25).
CRITICAL_PROPERTIES = frozenset(
    {"role", "roles", "isadmin", "admin", "permissions", "scope", "scopes", "groups"}
    | {"tenantid", "orgid", "organizationid", "ownerid", "userid", "accountid"}
)
_FLAG_NAMES = frozenset(
    {"isadmin", "emailverified", "verified", "mfaenabled", "admin", "superuser"}
)
_LIST_NAMES = frozenset({"roles", "permissions", "groups", "scopes"})
_TEXT_NAMES = frozenset({"role", "plan", "scope", "status", "tier"})
# Never written: ids, credentials, and the fields an account is identified or reached by
# (changing a username or e-mail can lock the identity out or notify a real person).
_NEVER = frozenset(
    {"id", "uuid", "password", "passwordhash", "createdat", "updatedat"}
    | {"username", "login", "email", "emailaddress", "phone", "phonenumber", "mobile", "handle"}
)
MAX_CANDIDATES = 8


def candidates(
    request_schema: Mapping[str, Any] | None, response_schema: Mapping[str, Any] | None
) -> list[str]:
    """Response-schema properties the request schema lacks, then the usual privilege names."""
    accepted = {normalized_key(k) for k in _top_properties(request_schema)}
    shown = [k for k in _top_properties(response_schema) if normalized_key(k) not in accepted]
    ordered: dict[str, None] = {}
    for name in [*shown, *PRIVILEGE_PROPERTIES]:
        norm = normalized_key(name)
        if norm in accepted or norm in _NEVER or any(normalized_key(k) == norm for k in ordered):
            continue
        ordered[name] = None
    return list(ordered)[:MAX_CANDIDATES]


def marker_value(name: str, current: Any, present: bool) -> Any | None:
    """A value whose persistence proves the write without granting anything, or None."""
    norm = normalized_key(name)
    if present:
        if isinstance(current, str):
            return canary()
        if isinstance(current, list) and all(isinstance(v, str) for v in current):
            return [*current, canary()]
        return None  # numbers and flags: no harmless marker, and the no-op proves nothing
    if norm in _FLAG_NAMES or norm.startswith("is"):
        return False
    if norm in _LIST_NAMES:
        return [canary()]
    if norm in _TEXT_NAMES:
        return canary()
    return None


def persisted(answer: Any, name: str, value: Any) -> bool:
    """The read-back carries `name` with `value` (a list: the canaries it was sent with)."""
    if not isinstance(answer, dict):
        return False
    for record in (answer, answer.get("data"), answer.get("user")):
        if isinstance(record, dict) and name in record:
            stored = record[name]
            if isinstance(value, list):
                wanted = {
                    v for v in value if isinstance(v, str) and v.startswith("authsift-canary-")
                }
                return isinstance(stored, list) and wanted <= set(map(str, stored))
            return bool(stored == value and type(stored) is type(value))
    return False


def is_role(name: str) -> bool:
    return normalized_key(name) == "role"


def is_critical(name: str) -> bool:
    return normalized_key(name) in CRITICAL_PROPERTIES


def _top_properties(schema: Mapping[str, Any] | None) -> Iterable[str]:
    """The object's properties; for an envelope (`{"ok": …, "user": {...}}`) the wrapped
    object's, as `unwrap` reads the answer."""
    if not schema:
        return []
    properties = merge_schema(schema).get("properties")
    if not isinstance(properties, Mapping):
        return []
    names = [str(k) for k in properties]
    inner = [k for k in ENVELOPE_KEYS if isinstance(properties.get(k), Mapping)]
    rest = {normalized_key(k) for k in names} - {normalized_key(k) for k in inner}
    if len(inner) == 1 and rest <= ENVELOPE_STATUS:
        return _top_properties(properties[inner[0]])
    return names
