"""authz-bopla-excessive-exposure (CHECKS.md #26); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis import is_strong_marker
from authsift.analysis.sensitivity import recognised_private
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import (
    Exposed,
    credential_material,
    declared_keys,
    leaves,
    looks_sensitive,
    undeclared,
    walk,
)
from authsift.checks.authz._exposure_answers import Unread, two_answers
from authsift.checks.authz._inventory import Inventory, inventory
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Severity
from authsift.spec.classify import looks_privileged

_SHOWN = 6
_INTERNAL = re.compile(r"internal|private|secret|hash|salt|note|comment|memo|fraud|risk")


class BoplaExcessiveExposure(Check):
    """Responses return properties the caller must not see (excessive data exposure).

    ## What it checks
    Reads the answers the scan already has for each read operation (no extra probe) and looks for
    credential material (password hashes, secrets, API keys, tokens, OTP or MFA secrets, private
    keys), properties the OpenAPI response schema does not declare, other accounts' personal data
    inside those undeclared properties, and properties that only admin operations declare.

    ## Why it matters
    APIs often return whole database records and leave filtering to the client (OWASP API3:2023,
    "Broken Object Property Level Authorization"). Anyone reading the raw JSON gets the password
    hashes, internal fields and other users' e-mail addresses the UI never shows.

    ## Example
    `GET /orgs/acme/projects` as alice → each project embeds `created_by_user` with another
    user's e-mail, role and account flags, plus an `internal_budget_cents` field, none of them in
    the documented `Project` schema.

    ## Remediation
    Serialize responses through an explicit allow-list (response models / DTOs) per role, never
    the storage record; never return credential material, even hashed.

    ## References
    OWASP API3:2023 · ASVS 5.0 V8.2.3, V14.2.6 · WSTG-APIT-03 · CWE-213

    ## Decision rule
    CHECKS.md #26, passive. Credential material needs a credential-like key *and* a value shaped
    like a secret (bcrypt/argon2/crypt hash, hex digest, JWT, PEM private key, high-entropy
    string); the caller's own current credential echoed back does not count; `token_type`,
    `password_version` and the like never do. Credential material or another account's e-mail
    or other unique identifier inside undeclared properties → high. Undeclared properties with
    sensitive names (internal, budget, role, disabled…) or that only admin operations declare →
    medium, when they belong to another account (the nearest record that names an account names
    another one) or the shared property classifier recognises them as private by name or value
    shape (`internal_notes`, a phone number); on the caller's own record only what is kept about
    the caller counts (an internal note, a risk score), not its own phone or address. The
    caller's own role in its team, its own flags, a role word in a shared record are not
    exposure (at most a spec-hygiene note); undeclared properties with ordinary names are not
    reported. Values must appear in both copies of the baseline answer. Admin operations are not
    examined: admins see more by design. When the spec's example names no object of the
    caller's, its known objects are read instead; an operation refused (401/403) to every
    non-admin identity passes (nothing of it reaches them); an answer that is not JSON is
    inconclusive, with its content type.
    """

    id = "authz-bopla-excessive-exposure"
    title = "Response exposes properties the caller must not see"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (213,)
    owasp = "API3:2023"
    needs = frozenset({"credential"})
    max_requests = 24
    # Judges the cached baselines; reads of its own only when a spec example names no real
    # object: the caller's known objects in turn, then a second copy (`_exposure_answers`;
    # benchmarks/estimate_accuracy.py on the lab: 4 requests over 15 tasks, or none).
    expected_requests = 0

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET":
            return "passive check of read answers"
        if looks_privileged(operation):
            return "administrative function: admins see more by design"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        inv = await inventory(ctx)
        readers = [p for p in inv.representatives() if not ctx.is_privileged(p)]
        if not readers:
            raise Inconclusive("no non-admin identity with a known account to read as")
        admin_only = _admin_only_keys(ctx)
        unread: dict[str, Unread] = {}
        for identity in readers:
            answers = await two_answers(ctx, inv, op, identity)
            if isinstance(answers, Unread):
                unread[identity] = answers
                continue
            valid, first, second = answers
            credential = ctx.credential(identity)
            own = frozenset({credential.token}) if credential is not None else frozenset()
            stable = {(e.path, str(e.value)) for e in _all(second.value)}
            secrets = [
                e for e in credential_material(first.value, own) if (e.path, str(e.value)) in stable
            ]
            status = str(valid.status)
            schema = op.responses.get(status) or op.responses.get("default")
            extra = [e for e in undeclared(first.value, schema) if e.key in _keys(second.value)]
            classes = _classify(inv, identity, first.value, secrets, extra, admin_only)
            if not classes:
                continue
            yield ctx.finding(
                self,
                identity=identity,
                description=f"{op.key} as {identity} returns "
                + "; ".join(c.text for c in classes)
                + ".",
                evidence=[Evidence(f"answer to {identity}", valid, classes[0].text)],
                confidence=Confidence.FIRM,
                severity=max(c.severity for c in classes),
                details={c.kind: c.items for c in classes},
            )
            return
        if len(unread) == len(readers) and not all(u.refused for u in unread.values()):
            raise Inconclusive(
                "no JSON answer to examine as a non-admin identity: "
                + "; ".join(f"{name} {u.why}" for name, u in unread.items())
            )
        # every non-admin identity refused (401/403): nothing of this answer reaches them


@dataclass(frozen=True, slots=True)
class _DataClass:
    severity: Severity
    kind: str  # key in the finding's details
    text: str
    items: list[str]


def _classify(
    inv: Inventory,
    identity: str,
    body: Any,
    secrets: list[Exposed],
    extra: list[Exposed],
    admin_only: set[str],
) -> list[_DataClass]:
    classes: list[_DataClass] = []
    if secrets:
        listed = [f"{e.path} ({e.why})" for e in secrets[:_SHOWN]]
        text = f"credential material: {', '.join(listed)}"
        classes.append(_DataClass(Severity.HIGH, "credential_material", text, listed))
    others = {
        marker
        for principal, markers in inv.markers.items()
        if principal != inv.principal(identity)
        for marker in markers
        if is_strong_marker(marker)
    }
    holders = {path: chain for path, _, _, chain in leaves(body)}
    leaked = sorted(
        {
            f"{path} ({value})"
            for e in extra
            for path, _, value in walk(e.value, e.path)
            if isinstance(value, str) and value in others
        }
    )
    if leaked:
        text = (
            f"other accounts' personal data in undeclared properties: {', '.join(leaked[:_SHOWN])}"
        )
        classes.append(_DataClass(Severity.HIGH, "other_accounts_data", text, leaked[:_SHOWN]))
    own = {m.casefold() for m in inv.markers_of(identity) if is_strong_marker(m)}
    flagged = sorted(
        {
            path
            for e in extra
            for path, key, value in walk(e.value, e.path)
            if (
                looks_sensitive(e.key)
                or (key is not None and (looks_sensitive(key) or key in admin_only))
            )
            and _exposes(key or e.key, value, holders.get(path, ()), own, others)
        }
    )
    if flagged:
        text = f"undeclared internal or admin-only properties: {', '.join(flagged[:_SHOWN])}"
        classes.append(_DataClass(Severity.MEDIUM, "undeclared_sensitive", text, flagged[:_SHOWN]))
    return classes


def _exposes(
    key: str,
    value: Any,
    holders: tuple[Mapping[str, Any], ...],
    own: set[str],
    others: set[str],
) -> bool:
    """Whether an undeclared property with a sensitive name is exposure: it belongs to another
    account (the nearest record that names an account names another one), or the shared
    classifier recognises it as private and, on the caller's own record, it is something kept
    about the caller (an internal note) rather than the caller's own data (its phone). The
    caller's own role in a team, its own flags, a role word in a shared record are not."""
    owner = _owner(holders, own, {m.casefold() for m in others})
    if owner == "other":
        return True
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    if not text or text.casefold() in own or not recognised_private(key, text):
        return False
    # on the caller's own record its own address, phone or password version are its own to
    # see; what the operator keeps about the caller (an internal note, a risk score) is not
    return owner != "own" or bool(_INTERNAL.search(normalized_key(key)))


def _owner(holders: tuple[Mapping[str, Any], ...], own: set[str], others: set[str]) -> str | None:
    """ "own", "other" or None: whose identifiers the nearest record that has any carries (a
    record naming the caller is the caller's, even when it names another account too)."""
    for record in holders:
        values: set[str] = set()
        for item in record.values():
            for scalar in item if isinstance(item, list) else [item]:
                if isinstance(scalar, str | int) and not isinstance(scalar, bool):
                    values.add(str(scalar).casefold())
        if values & own:
            return "own"
        if values & others:
            return "other"
    return None


def _admin_only_keys(ctx: Context) -> set[str]:
    """Properties that only admin operations' response schemas declare."""
    admin: set[str] = set()
    regular: set[str] = set()
    for op in ctx.operations:
        keys = (
            set().union(*(declared_keys(s) for s in op.responses.values()))
            if op.responses
            else set()
        )
        (admin if looks_privileged(op) else regular).update(keys)
    return admin - regular


def _all(body: Any) -> list[Exposed]:
    return [Exposed(path, key or "", value, "") for path, key, value in walk(body)]


def _keys(body: Any) -> set[str]:
    keys: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(str(k) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys
