"""authz-bfla-privileged-write against a small back office on 127.0.0.1 (tests/checks/
bfla_write_api.py): it fires on the ban and the catalogue delete that forget the role check,
passes (after really testing) on the hardened twin and on the decoys, never touches a real
account, and leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from authsift.checks.authz._bfla_canary import signup_body
from authsift.checks.authz._bfla_writes import inverse_of, skip_reason, write_function
from authsift.model import Operation, RequestBody, ScanResult
from tests.checks import bfla_write_api as api
from tests.checks import bfla_write_spec
from tests.checks.scanning import scan_app_in_process

CHECK = "authz-bfla-privileged-write"
BAN = "POST /admin/users/{user_id}/ban"
DELETE_PRODUCT = "DELETE /products/{product_id}"
SEEDED = {  # the shop's own accounts, as the app seeds them
    1: ("uma", "user"),
    2: ("ben", "user"),
    3: ("ada", "admin"),
    4: ("zoe", "user"),
}


@dataclass(frozen=True, slots=True)
class Scan:
    result: ScanResult
    report: dict[str, Any]
    shop: api.Shop

    def outcome(self, key: str) -> tuple[str, str]:
        task = next(
            t for t in self.result.tasks if t.check_id == CHECK and t.operation and _key(t) == key
        )
        return task.outcome.value, task.reason

    def fired(self) -> set[str]:
        return {
            f"{f['operation']['method']} {f['operation']['path']}"
            for f in self.report["findings"]
            if f["check"] == CHECK
        }

    def finding(self, key: str) -> dict[str, Any]:
        return next(
            f
            for f in self.report["findings"]
            if f"{f['operation']['method']} {f['operation']['path']}" == key
        )


def _key(task: Any) -> str:
    return f"{task.operation.method} {task.operation.path}"


def _scan(shop: api.Shop, overrides: Mapping[str, Any] | None = None) -> Scan:
    result, report = scan_app_in_process(
        api.make_app(shop),
        bfla_write_spec.spec(account_delete=shop.account_delete),
        bfla_write_spec.config,
        api.TOKEN_ENV,
        CHECK,
        overrides,
    )
    return Scan(result, report, shop)


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[Scan]:
    yield _scan(api.Shop(vulnerable=True))


@pytest.fixture(scope="module")
def hardened() -> Iterator[Scan]:
    yield _scan(api.Shop(vulnerable=False))


def test_fires_on_the_ban_without_role_check(vulnerable: Scan) -> None:
    assert vulnerable.fired() == {BAN, DELETE_PRODUCT}
    finding = vulnerable.finding(BAN)
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["identity"] in {"uma", "ben"} and finding["victim"] == "ada"
    assert finding["details"]["changes"] == {"$.banned": ["false", "true"]}
    labels = [e["label"] for e in finding["evidence"]]
    assert labels[0] == "ada sees the canary account the function acts on"
    after = next(e for e in finding["evidence"] if e["label"] == "ada reads it after")
    assert json.loads(after["response"]["body"])["banned"] is True
    attack = next(e for e in finding["evidence"] if e["label"].endswith(f"calls {BAN}"))
    assert attack["request"]["url"].endswith("/ban")
    assert "/admin/users/4/" not in attack["request"]["url"]  # never zoe, a real account
    assert "password" not in json.dumps(finding)  # the canary's password is never reported


def test_fires_on_the_catalogue_delete_open_to_users(vulnerable: Scan) -> None:
    finding = vulnerable.finding(DELETE_PRODUCT)
    assert finding["confidence"] == "certain" and finding["identity"] in {"uma", "ben"}
    statuses = [e["response"]["status"] for e in finding["evidence"]]
    # ada creates it, the user may not create one, ada reads it, the user deletes it, it's gone
    assert statuses[:5] == [201, 403, 200, 204, 404]
    assert finding["details"]["privileged_because"].startswith("only privileged identities")


def test_decoys_are_tested_and_pass(vulnerable: Scan) -> None:
    # a 200 {"status": "queued"} that changes nothing is not an effect
    assert vulnerable.outcome("POST /admin/users/{user_id}/suspend") == ("passed", "")
    for key in (
        "POST /admin/users/{user_id}/unban",
        "PUT /admin/users/{user_id}/role",
        "PATCH /products/{product_id}",
        "DELETE /admin/users/{user_id}",
    ):
        assert vulnerable.outcome(key)[0] == "passed", key
    # the admin's message to uma is partly uma's: only ben, whom it does not name, is tried
    assert vulnerable.outcome("DELETE /messages/{message_id}") == ("passed", "")
    assert vulnerable.shop.deleted_by == ["ada"] * len(vulnerable.shop.deleted_by)
    # users delete their own notes: object-level, left to authz-bola-write
    outcome, reason = vulnerable.outcome("DELETE /notes/{note_id}")
    assert outcome == "inconclusive" and "authz-bola-write" in reason


def test_the_hardened_twin_is_tested_and_passes(hardened: Scan) -> None:
    assert hardened.report["findings"] == []
    assert hardened.outcome(BAN) == ("passed", "")
    assert hardened.outcome(DELETE_PRODUCT) == ("passed", "")
    assert not [t for t in hardened.result.tasks if t.outcome.value == "error"]


@pytest.mark.parametrize("which", ["vulnerable", "hardened"])
def test_nothing_left_behind_and_no_real_account_touched(
    which: str, request: pytest.FixtureRequest
) -> None:
    scan: Scan = request.getfixturevalue(which)
    users = scan.shop.users
    assert {n: (u["username"], u["role"]) for n, u in users.items()} == SEEDED
    assert not any(u["banned"] or u["suspended"] for u in users.values())
    assert list(scan.shop.products) == [1] and list(scan.shop.notes) == [1]
    assert scan.shop.messages == {}
    assert "leftovers" not in scan.report


def test_an_account_it_cannot_delete_is_reported_as_a_leftover() -> None:
    shop = api.Shop(vulnerable=True, account_delete=False)
    scope = {"include": ["* /admin/users*", "POST /signup", "GET /me"]}
    # the admin's listing of every account (uma's and ben's too) is then the only read-back
    scope["exclude"] = ["GET /admin/users/{user_id}"]
    scan = _scan(shop, {"operations": scope})
    assert scan.fired() == {BAN}
    canaries = [u for n, u in shop.users.items() if n not in SEEDED]
    assert len(canaries) == 1 and not canaries[0]["banned"]  # one shared canary, unbanned again
    [leftover] = scan.report["leftovers"]
    assert canaries[0]["username"] in leftover and "no way to delete it" in leftover


def test_skipped_unless_intrusive() -> None:
    # alone it would leave nothing to test (exit 2); beside a read-only check the scan runs and
    # reports this one as not tested, and why
    checks = {"include": [CHECK, "authz-unauthenticated-access"]}
    scan = _scan(api.Shop(vulnerable=True), {"checks": checks})
    assert scan.fired() == set() and not any(u["banned"] for u in scan.shop.users.values())
    tasks = [t for t in scan.result.tasks if t.check_id == CHECK]
    assert tasks and all(t.outcome.value == "skipped" for t in tasks)
    assert "checks.intrusive" in tasks[0].reason


# ---------------------------------------------------------------- which operations, pure


def _op(key: str, tags: tuple[str, ...] = ()) -> Operation:
    method, path = key.split(" ", 1)
    return Operation(method, path, tags=tags)


@pytest.mark.parametrize(
    ("key", "kind", "verb"),
    [
        ("DELETE /products/{id}", "delete", None),
        ("PUT /users/{id}/role", "action", "role"),
        ("POST /admin/accounts/{id}/suspend", "action", "suspend"),
        ("POST /companies/{cid}/drivers/{did}/deactivate", "action", "deactivate"),
        ("DELETE /recipes/{slug}/", "delete", None),
    ],
)
def test_functions_on_one_object(key: str, kind: str, verb: str | None) -> None:
    function = write_function(_op(key))
    assert function is not None and (function.kind, function.verb) == (kind, verb)
    assert skip_reason(_op(key), privileged=False) is None


@pytest.mark.parametrize(
    "key",
    [
        "GET /admin/users",
        "POST /products",  # a create, not a function on an existing object
        "POST /vehicles/{id}/trips",  # a sub-collection create every member may make
        "POST /users/{id}/follow",  # an everyday action
        "PATCH /documents/{id}",  # an update nobody marked privileged: object-level
        "POST /auth/login",
        "DELETE /api-keys/{id}",
    ],
)
def test_not_probed_without_a_spec_hint(key: str) -> None:
    assert skip_reason(_op(key), privileged=False) is not None


def test_spec_privileged_updates_and_actions_are_probed() -> None:
    assert skip_reason(_op("PATCH /admin/documents/{id}"), privileged=True) is None
    assert skip_reason(_op("POST /admin/orders/{id}/refund"), privileged=True) is None


def test_the_inverse_action_restores_the_state() -> None:
    ban, unban = _op("POST /admin/users/{id}/ban"), _op("POST /admin/users/{id}/unban")
    function = write_function(ban)
    assert function is not None and inverse_of(function, [ban, unban]) == unban
    role = write_function(_op("PUT /users/{id}/role"))
    assert role is not None and role.restores_by_body and inverse_of(role, [ban, unban]) is None


def test_signup_body_fills_identifiers_with_canaries_and_never_a_role() -> None:
    schema = {
        "type": "object",
        "required": ["username", "email", "password", "role"],
        "properties": {
            "username": {"type": "string", "pattern": "^[a-z0-9_]{3,30}$"},
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "minLength": 12},
            "display_name": {"type": "string"},
        },
    }
    signup = Operation("POST", "/signup", request_body=RequestBody("application/json", schema))
    assert signup_body(signup, {"role": "admin"}) is None  # a required role: no sign-up at all
    schema["required"] = ["username", "email", "password"]
    filled = signup_body(signup, {"username": "string", "is_admin": True})
    assert filled is not None
    body, identifiers, password = filled
    assert set(body) == {"username", "email", "password", "display_name"}
    assert body["username"].startswith("authsift_canary_") and len(body["password"]) >= 12
    assert body["email"].endswith("@example.com") and "password" not in identifiers
    assert password == body["password"]
