"""The resource inventory behind the object-level checks: producer → consumer matching on a tiny
spec (pure), and the inventory built against the real lab with a small real-HTTP context."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, cast

import pytest

from authsift.checks.authz._inventory import Inventory, inventory
from authsift.checks.authz._ownership import nonexistent_like, object_markers
from authsift.checks.authz._privilege_props import candidates, marker_value, persisted
from authsift.checks.authz._producers import (
    fill,
    id_of,
    listed_items,
    match_template,
    producers_of,
)
from authsift.checks.base import Context, ScanFacts
from authsift.engine.requests import build_request
from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.store import PUBLIC_DOCUMENT_ID, SHARED_DOCUMENT_ID, seeded_document_id
from authsift.model import (
    Exchange,
    HttpRequest,
    HttpResponse,
    Operation,
    Parameter,
    ParamLocation,
)
from authsift.spec import parse_spec
from tests.checks.authz_helpers import LabClient

# --------------------------------------------------------------------------- pure matching


def _op(method: str, path: str, *, tags: tuple[str, ...] = ()) -> Operation:
    params = tuple(
        Parameter(name.strip("{}"), ParamLocation.PATH, required=True)
        for name in path.split("/")
        if name.startswith("{")
    )
    return Operation(method, path, parameters=params, tags=tags)


TINY = (
    _op("GET", "/orders"),
    _op("GET", "/orders/{order_id}"),
    _op("GET", "/orgs/{org}/projects"),
    _op("GET", "/orgs/{org}/projects/{slug}"),
    _op("GET", "/admin/users"),
    _op("GET", "/admin/users/{user_id}"),
    _op("POST", "/orders"),
)


def test_producer_is_the_collection_one_segment_up() -> None:
    assert [op.key for op in producers_of("/orders/{order_id}", TINY)] == ["GET /orders"]
    assert [op.key for op in producers_of("/orgs/{org}/projects/{slug}", TINY)] == [
        "GET /orgs/{org}/projects"
    ]
    assert producers_of("/admin/users/{user_id}", TINY) == []  # admin listings prove nothing
    assert producers_of("/orders", TINY) == []


def test_ids_are_matched_by_parameter_name_then_bare_id() -> None:
    assert id_of({"id": 7, "owner_id": 1}, "order_id") == "7"
    assert id_of({"orderId": "A-1", "id": 9}, "order_id") == "A-1"
    assert id_of({"slug": "tea-party", "id": 3}, "slug") == "tea-party"
    assert id_of({"id": True}, "id") is None
    assert id_of({"name": "x"}, "widget") is None


def test_listed_items_unwraps_pages() -> None:
    assert listed_items([{"id": 1}, "x"]) == [{"id": 1}]
    assert listed_items({"items": [{"id": 1}], "total": 1}) == [{"id": 1}]
    assert listed_items({"data": {"results": [{"id": 2}]}}) == [{"id": 2}]
    assert listed_items({"count": 0}) == []


def test_templates_round_trip() -> None:
    url = "http://h/api/orgs/acme%20co/projects/tea-party?x=1"
    assert match_template("/orgs/{org}/projects/{slug}", url) == {
        "org": "acme co",
        "slug": "tea-party",
    }
    assert (
        fill("/orgs/{org}/projects/{slug}", {"org": "a/b", "slug": "s"}) == "/orgs/a%2Fb/projects/s"
    )
    assert match_template("/orders/{order_id}", "http://h/orders") is None


def test_object_markers_drop_what_the_intruder_has_or_asked_for() -> None:
    owner = HttpResponse(
        200,
        (("Content-Type", "application/json"),),
        json.dumps(
            {"id": 1, "owner_email": "alice@x.example", "item": "tea set", "status": "placed"}
        ).encode(),
    )
    intruders_own = HttpResponse(
        200, (("Content-Type", "application/json"),), b'{"id": 3, "item": "tea set"}'
    )
    markers = object_markers(owner, frozenset(), excluding=[intruders_own], requested=["1"])
    assert markers == frozenset({"alice@x.example"})
    assert nonexistent_like("42").isdigit() and nonexistent_like("42") != "42"
    assert len(nonexistent_like("9180cad6-e58b-5626-a0ac-bc8a322894db")) == 36


def test_mass_assignment_candidates_and_harmless_values() -> None:
    request = {"type": "object", "properties": {"email": {}, "full_name": {}}}
    response = {"type": "object", "properties": {"id": {}, "username": {}, "role": {}, "email": {}}}
    names = candidates(request, response)
    assert names[0] == "role" and "username" not in names and "email" not in names
    assert str(marker_value("role", "user", present=True)).startswith("authsift-canary-")
    assert marker_value("balance", 10, present=True) is None  # no harmless number
    assert marker_value("is_admin", None, present=False) is False  # never True
    assert persisted({"role": "authsift-canary-1"}, "role", "authsift-canary-1")
    assert not persisted({"is_admin": 0}, "is_admin", False)


# --------------------------------------------------------------------------- against the lab


class _LabContext:
    """The parts of `checks.base.Context` the inventory uses, over real HTTP (urllib)."""

    def __init__(self, url: str, settings: LabSettings) -> None:
        self.target = url
        with urllib.request.urlopen(url + "/openapi.json", timeout=5) as reply:
            spec = parse_spec(json.loads(reply.read()), source="lab")
        self.operations = tuple(op for op in spec.operations if not op.path.startswith("/_lab"))
        self.identities = ("alice", "bob", "carol", "alice-ro")
        self.shared: dict[str, Any] = {}
        self.sent = 0
        self.headers = {
            n: ("Authorization", f"Bearer {LabClient(url, n).token}") for n in self.identities[:3]
        }
        self.headers["alice-ro"] = (
            "X-API-Key",
            demo_environment(settings)["AUTHSIFT_LAB_ALICE_READ_KEY"],
        )
        self.resources: dict[str, dict[str, list[object]]] = {
            "alice": {"order_id": [2], "org": ["wonderland"]},
            "bob": {"org": ["builders"]},
            "alice-ro": {"org": ["wonderland"]},
        }
        self.facts = ScanFacts(
            target=url,
            resources={
                name: {param: tuple(str(v) for v in values) for param, values in per.items()}
                for name, per in self.resources.items()
            },
        )

    def url(self, path: str) -> str:
        return self.target + path

    def build(
        self, operation: Operation | None = None, *, as_identity: str | None = None
    ) -> HttpRequest:
        assert operation is not None
        return build_request(self.target, operation, self.resources.get(as_identity or "", {}))

    def is_privileged(self, identity: str) -> bool:
        return identity == "carol"

    def markers(self, identity: str | None = None) -> frozenset[str]:
        return frozenset()

    async def send(
        self, request: HttpRequest, *, identity: str | None = None, retry_on_limit: bool = True
    ) -> Exchange:
        self.sent += 1
        headers = dict(request.headers)
        if identity is not None:
            name, value = self.headers[identity]
            headers[name] = value
        raw = urllib.request.Request(
            request.url, data=request.body, headers=headers, method=request.method
        )

        def call() -> HttpResponse:
            try:
                with urllib.request.urlopen(raw, timeout=5) as reply:
                    return HttpResponse(reply.status, tuple(reply.headers.items()), reply.read())
            except urllib.error.HTTPError as error:
                return HttpResponse(error.code, tuple(error.headers.items()), error.read())

        return Exchange(self.sent, request, await asyncio.to_thread(call), identity=identity)


@pytest.fixture(scope="module")
def lab_inventory() -> Iterator[tuple[Inventory, _LabContext, int]]:
    settings = LabSettings.hardened_twin()
    with run_in_thread(settings) as url:
        ctx = _LabContext(url, settings)

        async def three_at_once() -> list[Inventory]:
            return list(await asyncio.gather(*(inventory(cast(Context, ctx)) for _ in range(3))))

        built = asyncio.run(three_at_once())
        assert built[0] is built[1] is built[2]  # computed once, shared by concurrent tasks
        yield built[0], ctx, ctx.sent


def test_two_credentials_of_one_account_are_one_principal(
    lab_inventory: tuple[Inventory, _LabContext, int],
) -> None:
    inv, _, _ = lab_inventory
    assert inv.same_principal("alice", "alice") and not inv.same_principal("alice", "bob")
    assert "alice-ro" not in inv.representatives()  # hardened: its key cannot read /me
    assert {"alice@lab.example", "bob@lab.example"} <= inv.markers_of("alice") | inv.markers_of(
        "bob"
    )
    assert "alice@lab.example" not in inv.markers_of("bob")


def test_ownership_comes_from_evidence(lab_inventory: tuple[Inventory, _LabContext, int]) -> None:
    inv, _, _ = lab_inventory
    alice_orders = {o.object_id for o in inv.owned_by("alice", "/orders/{order_id}")}
    bob_orders = {o.object_id for o in inv.owned_by("bob", "/orders/{order_id}")}
    assert {"1", "2"} <= alice_orders and {"3", "4"} <= bob_orders
    assert not alice_orders & bob_orders
    alice_docs = {o.object_id for o in inv.owned_by("alice", "/documents/{document_id}")}
    assert seeded_document_id("alice-diary") in alice_docs
    bob_docs = {o.object_id for o in inv.owned_by("bob", "/documents/{document_id}")}
    # alice and bob both list the shared plan, and its `owner_id` names alice: it is hers, and
    # bob seeing it is what authz-bola-read tests (its `shared_with` names bob: not BOLA). The
    # public handbook is alice's too (bob does not list it); its `visibility` rules it out.
    assert SHARED_DOCUMENT_ID in alice_docs
    assert SHARED_DOCUMENT_ID not in bob_docs
    assert PUBLIC_DOCUMENT_ID in alice_docs
    # slugs under their parent: alice's projects carry her org; carol (admin) seeing them too
    # does not make them shared
    projects = inv.owned_by("alice", "/orgs/{org}/projects/{slug}")
    assert {"org": "wonderland", "slug": "tea-party"} in [o.values for o in projects]
    seed = next(o for o in inv.owned_by("alice", "/orders/{order_id}") if o.object_id == "2")
    assert seed.source == "seed"


def test_inventory_costs_a_bounded_number_of_requests(
    lab_inventory: tuple[Inventory, _LabContext, int],
) -> None:
    _, ctx, sent = lab_inventory
    # one identity probe per identity, one listing per collection and account, and for the
    # reach at most a listing and another account's control per nested collection and account
    from authsift.checks.authz._reach import _nested_collections

    nested = len(_nested_collections(ctx.operations))
    assert sent <= len(ctx.identities) + 3 * 4 + 2 * 2 * 2 * nested
