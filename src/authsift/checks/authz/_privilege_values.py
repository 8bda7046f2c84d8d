"""Privilege fields to send to a sign-up or a canary's self-update, with escalating values (pure).

Only ever sent for accounts the scanner created itself (canary accounts), so the values are the
real thing, not markers: `role: admin`, `is_admin: true`. Fields come from the spec first (a
property the answers or the identity endpoint show, such as `role` with `enum: [patient, doctor,
admin]`, that the request schema does not accept), then from a curated list of the names
frameworks bind by accident. A role's value is a privileged role of the config
(`privileged_roles`) when the enum allows it, else the most administrative value of the enum,
else the configured privileged role names and `admin`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema

CURATED = (
    "role",
    "roles",
    "is_admin",
    "isAdmin",
    "admin",
    "is_superuser",
    "isSuperuser",
    "is_staff",
    "isStaff",
    "staff",
    "permissions",
    "group",
    "groups",
    "scope",
    "account_type",
    "accountType",
    "user_type",
    "userType",
    "plan",
    "tier",
    "verified",
    "email_verified",
    "emailVerified",
)
ROLE_TEXT = frozenset(
    {"role", "userrole", "group", "usergroup", "accounttype", "usertype", "accesslevel", "level"}
)
ROLE_LISTS = frozenset({"roles", "groups", "permissions", "scopes", "authorities", "userroles"})
ADMIN_FLAGS = frozenset(
    {"isadmin", "admin", "issuperuser", "superuser", "isstaff", "staff", "isroot", "root"}
    | {"ismoderator", "moderator", "isowner"}
)
VERIFIED_FLAGS = frozenset({"verified", "emailverified", "isverified", "emailconfirmed"})
PLAN_TEXT = frozenset({"plan", "tier", "subscription", "accountplan", "subscriptiontier"})
SCOPE_TEXT = frozenset({"scope"})
_SHOWN_PRIVILEGE = re.compile(
    r"role|admin|staff|superuser|root|permission|privilege|scope|group|plan|tier|verified"
    r"|accounttype|usertype|level|moderator|owner"
)
ADMIN_WORDS = (
    "admin",
    "administrator",
    "superadmin",
    "super_admin",
    "superuser",
    "root",
    "owner",
    "staff",
    "manager",
    "moderator",
)
ENVELOPE_KEYS = ("data", "user", "profile", "account", "result", "me")
ENVELOPE_STATUS = frozenset({"ok", "success", "status", "message", "code", "meta", "links"})
MAX_SINGLES = 4  # fields tried alone when the API refuses them all at once
PLAN_WORDS = ("enterprise", "unlimited", "premium", "business", "pro", "platinum", "gold")


@dataclass(frozen=True, slots=True)
class Privilege:
    """One field to send and the privileged value sent in it."""

    name: str
    value: Any
    critical: bool  # a role or admin flag (critical when it takes effect), else high
    shown: bool  # the spec shows the field in an answer (stronger than a guessed name)
    others: tuple[str, ...] = ()  # the enum's other roles, strongest first


def escalations(
    request_schema: Mapping[str, Any] | None,
    shown_schemas: Sequence[Mapping[str, Any]],
    privileged_roles: Sequence[str],
) -> list[Privilege]:
    """Fields the request schema does not accept, spec-shown first, each with its value."""
    accepted = {normalized_key(k) for k in _properties(request_schema)}
    shown: dict[str, Mapping[str, Any]] = {}
    for schema in shown_schemas:
        for name, prop in _shown_properties(schema).items():
            if normalized_key(name) not in accepted and _SHOWN_PRIVILEGE.search(
                normalized_key(name)
            ):
                shown.setdefault(name, prop)
    found: dict[str, Privilege] = {}
    for name, prop in [*shown.items(), *((n, {}) for n in CURATED)]:
        norm = normalized_key(name)
        if norm in accepted or name in found:
            continue
        if any(normalized_key(k) == norm for k in shown) and name not in shown:
            continue  # the spec spells it otherwise (isAdmin vs is_admin): send its spelling
        value = privileged_value(name, prop, privileged_roles)
        if value is not None:
            enum = _enum(merge_schema(prop)) if isinstance(value, str) else []
            others = tuple(str(v) for v in reversed(enum) if isinstance(v, str) and v != value)
            found[name] = Privilege(name, value, is_critical(name), name in shown, others)
    return list(found.values())


def attempts(privileges: list[Privilege]) -> list[dict[str, Any]]:
    """Every field at once, then (if that is refused) the strongest ones alone."""
    combined = {p.name: p.value for p in privileges}
    ranked = sorted(privileges, key=lambda p: (not p.shown, not p.critical))
    singles: list[dict[str, Any]] = []
    for p in ranked:
        if len(singles) < MAX_SINGLES and all(
            normalized_key(p.name) not in map(normalized_key, s) for s in singles
        ):
            singles.append({p.name: p.value})
    if len(combined) < 2:
        return [combined] if combined else []
    return [combined, *singles]


def other_roles(privileges: list[Privilege], control_record: Any) -> list[dict[str, Any]]:
    """One more try per spec-shown role field: the next role of its enum that the control does
    not already hold (`doctor` where `admin` was ignored)."""
    tries: list[dict[str, Any]] = []
    for p in privileges:
        if not (p.shown and p.others and is_role_family(p.name)):
            continue
        held = next((r[p.name] for r in account_records(control_record) if p.name in r), None)
        value = next((v for v in p.others if v != held), None)
        if value is not None:
            tries.append({p.name: value})
    return tries


def privileged_value(
    name: str, prop: Mapping[str, Any], privileged_roles: Sequence[str]
) -> Any | None:
    norm = normalized_key(name)
    prop = merge_schema(prop) if prop else {}
    kind = prop.get("type")
    if norm in ADMIN_FLAGS or norm in VERIFIED_FLAGS or kind == "boolean":
        return True if kind in (None, "boolean") else None
    if norm in ROLE_LISTS or kind == "array":
        items = prop.get("items")
        items = items if isinstance(items, Mapping) else {}
        role = _role_value(_enum(items), privileged_roles)
        return [role] if role is not None else None
    if norm in PLAN_TEXT:
        return _best(_enum(prop), PLAN_WORDS) or (None if _enum(prop) else PLAN_WORDS[0])
    if norm in ROLE_TEXT or norm in SCOPE_TEXT or "role" in norm:
        return _role_value(_enum(prop), privileged_roles)
    return None


def is_critical(name: str) -> bool:
    norm = normalized_key(name)
    return norm not in VERIFIED_FLAGS and norm not in PLAN_TEXT


def is_role_family(name: str) -> bool:
    norm = normalized_key(name)
    return norm in ROLE_TEXT or norm in ROLE_LISTS or norm in SCOPE_TEXT or "role" in norm


def shows(record: Any, name: str, value: Any, *, related: bool = True) -> str | None:
    """The key under which `record` (an account or its token claims) carries the privileged
    `value` sent as `name`, or None. A role also counts in the other role-like keys (`role:
    admin` sent, `roles: [admin]` in the token)."""
    for candidate in account_records(record):
        for key, stored in candidate.items():
            norm = normalized_key(str(key))
            same = norm == normalized_key(name)
            alike = related and is_role_family(name) and is_role_family(str(key))
            if (same or alike) and _matches(stored, value):
                return str(key)
    return None


def account_records(record: Any) -> list[Mapping[str, Any]]:
    """The account itself and the objects an envelope wraps it in (`{"ok": true, "user":
    {...}}`, `{"data": {...}}`), outermost first."""
    if not isinstance(record, Mapping):
        return []
    nested = [record.get(k) for k in ENVELOPE_KEYS]
    return [record, *(n for n in nested if isinstance(n, Mapping))]


def unwrap(record: Any) -> Any:
    """The account an envelope wraps (`{"ok": true, "user": {...}}` → the user), else
    `record` itself: only when the envelope holds nothing but that object and status fields."""
    if not isinstance(record, Mapping):
        return record
    inner = [k for k in ENVELOPE_KEYS if isinstance(record.get(k), Mapping)]
    rest = {normalized_key(str(k)) for k in record} - {normalized_key(k) for k in inner}
    if len(inner) == 1 and rest <= ENVELOPE_STATUS:
        return record[inner[0]]
    return record


def _shown_properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The properties an answer declares, the wrapped account's included (`user.role`)."""
    found = _properties(schema)
    for key in ENVELOPE_KEYS:
        if key in found:
            for name, prop in _properties(found[key]).items():
                found.setdefault(name, prop)
    return found


def _matches(stored: Any, value: Any) -> bool:
    if value is True:
        return stored is True or (stored == 1 and not isinstance(stored, float)) or stored == "true"
    wanted = [str(v).casefold() for v in (value if isinstance(value, list) else [value]) if v]
    if isinstance(stored, str):
        return stored.casefold() in wanted or any(w in stored.casefold().split() for w in wanted)
    if isinstance(stored, list):
        return any(isinstance(s, str) and s.casefold() in wanted for s in stored)
    return False


def _role_value(enum: Sequence[Any], privileged_roles: Sequence[str]) -> str | None:
    if enum:
        texts = [str(v) for v in enum if isinstance(v, str)]
        configured = [v for v in texts if v in privileged_roles]
        # no administrative value: enums of roles usually end with the strongest one
        if configured:
            return configured[0]
        return _best(texts, ADMIN_WORDS) or (texts[-1] if texts else None)
    return privileged_roles[0] if privileged_roles else "admin"


def _best(values: Iterable[Any], words: Sequence[str]) -> str | None:
    texts = {str(v).casefold(): str(v) for v in values if isinstance(v, str)}
    for word in words:
        if word in texts:
            return texts[word]
    return None


def _enum(prop: Mapping[str, Any]) -> list[Any]:
    enum = prop.get("enum")
    return list(enum) if isinstance(enum, list) else []


def _properties(schema: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not schema:
        return {}
    properties = merge_schema(schema).get("properties")
    if not isinstance(properties, Mapping):
        return {}
    return {str(k): v if isinstance(v, Mapping) else {} for k, v in properties.items()}
