"""authz-bola-write with references anywhere (issue 8), on a small workspace API on 127.0.0.1
(tests/checks/bola_write_api.py): an owner's action after the id, a card in the body, an owner
and id in the body, an account in the body (between two canary accounts), and a create whose
example names no valid doctor. Each fires on its flaw with the specific effect, passes after
really probing on the hardened twin, never acts as or on a configured account it should not,
and leaves nothing behind but what the API cannot delete (a cancelled hold, canary accounts
where no delete exists)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from authsift.checks.authz._bola_objects import Reading
from authsift.checks.authz._bola_shapes import Shape, shape_of
from authsift.checks.authz._bola_writes import Write, effect_of
from authsift.model import HttpRequest, Operation, RequestBody, ScanResult
from tests.checks import bola_write_api as api
from tests.checks import bola_write_spec
from tests.checks.scanning import scan_app_in_process

CHECK = "authz-bola-write"
CANCEL = "POST /holds/{hold_id}/cancel"
MOVE = "POST /card-moves"
SYNC = "POST /sync/notes"
PROFILE = "PUT /profile"
APPOINTMENT = "DELETE /appointments/{appointment_id}"
TEAM_EDIT = "PATCH /teams/{team_id}/boards/{board_id}/cards/{card_id}"
TEAM_DELETE = "DELETE /teams/{team_id}/boards/{board_id}/cards/{card_id}"


@dataclass(frozen=True, slots=True)
class Scan:
    result: ScanResult
    report: dict[str, Any]
    ws: api.Workspace

    def outcome(self, key: str) -> tuple[str, str]:
        task = next(
            t
            for t in self.result.tasks
            if t.check_id == CHECK
            and t.operation
            and f"{t.operation.method} {t.operation.path}" == key
        )
        return task.outcome.value, task.reason

    def fired(self) -> set[str]:
        return {
            f"{f['operation']['method']} {f['operation']['path']}" for f in self.report["findings"]
        }

    def finding(self, key: str) -> dict[str, Any]:
        return next(
            f
            for f in self.report["findings"]
            if f"{f['operation']['method']} {f['operation']['path']}" == key
        )


def _scan(ws: api.Workspace, overrides: Mapping[str, Any] | None = None) -> Scan:
    result, report = scan_app_in_process(
        api.make_app(ws),
        bola_write_spec.spec(),
        bola_write_spec.config,
        api.TOKEN_ENV,
        CHECK,
        overrides,
    )
    return Scan(result, report, ws)


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[Scan]:
    yield _scan(api.Workspace(vulnerable=True))


@pytest.fixture(scope="module")
def hardened() -> Iterator[Scan]:
    yield _scan(api.Workspace(vulnerable=False))


def test_fires_on_each_reference_shape_with_its_effect(vulnerable: Scan) -> None:
    assert vulnerable.fired() == {CANCEL, MOVE, SYNC, PROFILE, APPOINTMENT, TEAM_DELETE}
    for key in (CANCEL, MOVE, SYNC, APPOINTMENT):
        finding = vulnerable.finding(key)
        assert finding["confidence"] == "certain" and finding["severity"] == "critical", key
        # the first other account plays the intruder, but never a teammate on a team's card
        intruder = "bob" if key == MOVE else "carol"
        assert (finding["identity"], finding["victim"]) == (intruder, "alice"), key
    effects = {key: vulnerable.finding(key)["details"]["effect"] for key in (CANCEL, MOVE, SYNC)}
    assert effects[CANCEL] == 'status changed from "waiting" to "cancelled"'
    # alice reads her cards through her board: moved away, the card is no longer there
    assert effects[MOVE] == "the object is no longer where its owner had it"
    assert effects[SYNC].startswith("title changed to carol's marker \"authsift-canary-")
    assert vulnerable.finding(APPOINTMENT)["details"]["effect"] == "the object is gone"
    # the move named alice's new card in the body, with bob's own board as the destination
    attack = next(e for e in vulnerable.finding(MOVE)["evidence"] if "bob sends" in e["label"])
    body = json.loads(attack["request"]["body"])
    assert body["to_board_id"] == 3 and body["card_id"] >= 100


def test_a_nested_write_is_also_sent_under_the_intruders_own_parents(vulnerable: Scan) -> None:
    finding = vulnerable.finding(TEAM_DELETE)
    assert (finding["identity"], finding["victim"]) == ("bob", "alice")
    assert finding["details"]["under"] == {"team_id": "2", "board_id": "3"}
    assert finding["details"]["effect"] == "the object is gone"
    assert "under bob's own" in finding["description"]
    attack = next(e for e in finding["evidence"] if "bob sends" in e["label"])
    assert "/teams/2/boards/3/cards/" in attack["request"]["url"]


def test_an_account_named_in_the_body_is_probed_between_two_canaries(vulnerable: Scan) -> None:
    finding = vulnerable.finding(PROFILE)
    assert finding["identity"].startswith("authsift") and finding["victim"].startswith("authsift")
    assert finding["identity"] != finding["victim"]
    assert finding["details"]["field"] == "display_name"
    # no configured account's profile was ever written, by anyone
    assert [entry for entry in vulnerable.ws.log if entry[1] == "profile"] == [
        (finding["identity"], "profile", finding["victim"])
    ]
    for name in ("alice", "carol", "bob", "ops"):
        assert vulnerable.ws.users[name]["bio"] == f"{name}'s bio"
        assert vulnerable.ws.users[name]["display_name"] == name.title()


def test_the_teammates_edit_is_a_decoy_never_probed_by_the_teammate(vulnerable: Scan) -> None:
    assert vulnerable.outcome(TEAM_EDIT) == ("passed", "")
    # carol never acted on a card of her team: bob played the intruder there
    assert not [e for e in vulnerable.ws.log if e[0] == "carol" and "card" in e[1]]


def test_the_hardened_twin_is_probed_and_passes(hardened: Scan) -> None:
    assert hardened.report["findings"] == []
    for key in (CANCEL, MOVE, SYNC, PROFILE, APPOINTMENT, TEAM_EDIT, TEAM_DELETE):
        assert hardened.outcome(key) == ("passed", ""), key
    # the controls really ran: alice cancelled her own hold, moved and synced her own objects
    assert ("alice", "cancel hold") in {(who, what) for who, what, _ in hardened.ws.log}
    assert ("alice", "move card") in {(who, what) for who, what, _ in hardened.ws.log}
    assert ("alice", "sync note") in {(who, what) for who, what, _ in hardened.ws.log}


@pytest.mark.parametrize("which", ["vulnerable", "hardened"])
def test_nothing_left_behind_but_what_cannot_be_deleted(
    which: str, request: pytest.FixtureRequest
) -> None:
    scan: Scan = request.getfixturevalue(which)
    ws = scan.ws
    assert ws.scanner_objects() == [f"hold {h}" for h in ws.holds if h not in ("h-1", "h-2")]
    assert all(h["status"] == "cancelled" for k, h in ws.holds.items() if k not in ("h-1", "h-2"))
    assert ws.holds["h-1"]["status"] == ws.holds["h-2"]["status"] == "waiting"
    assert set(ws.users) == {"alice", "carol", "bob", "ops"}  # canaries deleted (DELETE /me)
    assert [c["board_id"] for c in ws.cards.values()] == [1, 3]  # seeded cards untouched
    [leftover] = scan.report["leftovers"]
    assert "/holds/{hold_id}" in leftover and "no DELETE" in leftover


def test_an_id_the_api_reuses_at_once_is_no_leftover() -> None:
    # the owner's DELETE is accepted and the id then shows carol's new card: ours is gone
    ws = api.Workspace(vulnerable=False, reuse_ids=True)
    scan = _scan(ws, {"operations": {"include": [TEAM_EDIT, "* /teams/*", "GET /me"]}})
    assert scan.outcome(TEAM_EDIT) == ("passed", "")
    assert "leftovers" not in scan.report
    assert [c["author"] for c in ws.cards.values() if c["id"] > 2] == ["carol"] * 2


def test_without_a_sign_up_an_account_in_the_body_is_inconclusive() -> None:
    scope = {"include": [PROFILE, "GET /me", "DELETE /me", "POST /login"]}
    scan = _scan(api.Workspace(vulnerable=True), {"operations": scope})
    outcome, reason = scan.outcome(PROFILE)
    assert outcome == "inconclusive"
    assert "no sign-up" in reason and "configured identities are never written to" in reason
    assert scan.ws.log == []


# ---------------------------------------------------------------- shapes, pure


def _op(
    key: str, body: dict[str, Any] | None = None, codes: tuple[str, ...] = ("200",)
) -> Operation:
    method, path = key.split(" ", 1)
    request = None
    if body is not None:
        schema = {"type": "object", "properties": {k: {"type": v} for k, v in body.items()}}
        request = RequestBody("application/json", schema)
    return Operation(method, path, request_body=request, responses={c: {} for c in codes})


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        (_op("PATCH /documents/{id}"), "path"),
        (_op("POST /api/v1/holds/{id}/cancel/"), "action"),
        (_op("POST /documents/{id}/publish"), "action"),
        (_op("PUT /notes/{id}/content", {"content": "string"}), "action"),
        (_op("POST /card-moves", {"card_id": "integer", "to_board_id": "integer"}), "body"),
        (_op("POST /sync/notes", {"owner": "string", "id": "string"}), "body"),
        (_op("PUT /profile/", {"username": "string", "bio": "string"}), "body"),
    ],
)
def test_shapes(operation: Operation, kind: str) -> None:
    shape = shape_of(operation)
    assert isinstance(shape, Shape) and shape.kind == kind


@pytest.mark.parametrize(
    ("operation", "why"),
    [
        (_op("GET /documents/{id}"), "not a write"),
        (_op("POST /posts/{id}/like"), "everyday action"),
        (_op("POST /vehicles/{id}/trips", {"driver_id": "string"}, ("201",)), "a create"),
        (_op("POST /holds/", {"book_id": "string"}, ("201",)), "a create"),
        (_op("POST /users/{id}/ban"), "authz-bfla-privileged-write"),
        (_op("PUT /u/{username}/role", {"role": "string"}), "authz-bfla-privileged-write"),
        (_op("POST /auth/password-reset", {"username": "string"}), "sign-in machinery"),
        (_op("PATCH /me", {"email": "string", "full_name": "string"}), "no reference"),
        (_op("POST /orders", {"item": "string"}, ("201",)), "no reference"),
    ],
)
def test_left_out(operation: Operation, why: str) -> None:
    reason = shape_of(operation)
    assert isinstance(reason, str) and why in reason


def _reading(record: dict[str, Any] | None, gone: bool = False) -> Reading:
    return Reading(None, record, gone)


def test_an_owners_verb_shows_in_any_stable_top_level_value() -> None:
    cancel = Shape("action", "/holds/{id}", "cancel")
    write = Write(HttpRequest("POST", "http://t/holds/1/cancel"))
    before = _reading({"id": 1, "status": "waiting", "views": 3, "seen": "a"})
    after = _reading({"id": 1, "status": "cancelled", "views": 4, "seen": "b"})
    effect = effect_of(cancel, write, before, after, frozenset({"views", "seen"}), "bob")
    assert effect == 'status changed from "waiting" to "cancelled"'
    unchanged = _reading({"id": 1, "status": "waiting", "views": 9, "seen": "c"})
    assert effect_of(cancel, write, before, unchanged, frozenset({"views", "seen"}), "bob") is None


def test_an_attribute_write_counts_only_by_its_marker() -> None:
    attendance = Shape("action", "/events/{id}", None)
    write = Write(HttpRequest("PUT", "http://t/events/1/attendance"), "m-1", "note")
    before = _reading({"id": 1, "attendees": 3, "note": "old"})
    bumped = _reading({"id": 1, "attendees": 4, "note": "old"})
    assert effect_of(attendance, write, before, bumped, frozenset(), "bob") is None
    marked = _reading({"id": 1, "attendees": 4, "note": "m-1"})
    assert effect_of(attendance, write, before, marked, frozenset(), "bob") == (
        'note changed to bob\'s marker "m-1"'
    )


def test_a_reference_counts_when_it_now_holds_the_value_sent() -> None:
    move = Shape("body", object_refs=("card_id", "to_board_id"))
    write = Write(HttpRequest("POST", "http://t/card-moves"), refs={"to_board_id": ("board_id", 3)})
    before = _reading({"id": 7, "board_id": 1})
    assert effect_of(
        move, write, before, _reading({"id": 7, "board_id": 3}), frozenset(), "bob"
    ) == ("board_id changed from 1 to 3 (the to_board_id bob sent)")
    assert effect_of(move, write, before, before, frozenset(), "bob") is None
