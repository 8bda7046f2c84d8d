"""Property tests of the ownership and sharing decisions (issue #8): pure logic over a hand-built
inventory, so hypothesis can shuffle identities, put the admin first or last, and vary who lists
what. A seeded object read by another account is never "shared" without a positive signal."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authsift.analysis.sensitivity import is_private, public_marker
from authsift.checks.authz._inventory import Inventory, KnownObject
from authsift.checks.authz._owners import assign_owners
from authsift.checks.authz._sharing import sharing_evidence
from authsift.checks.base import ScanFacts
from authsift.model import Operation

TEMPLATE = "/orders/{order_id}"
OPERATION = Operation("GET", TEMPLATE, security=({"bearer": ()},))
MARKERS = {
    "alice": frozenset({"alice@shop.example", "7f1c2e9a-0000-4000-8000-00000000a11c"}),
    "bob": frozenset({"bob@shop.example", "7f1c2e9a-0000-4000-8000-000000000b0b"}),
    "carol": frozenset({"carol@shop.example"}),
    "root": frozenset({"root@shop.example"}),
}


class _Ctx:
    """The parts of `Context` ownership and sharing read; no I/O."""

    def __init__(self, order: list[str], policy: dict[str, Any] | None = None) -> None:
        self.identities = tuple(order)
        self.operations = (OPERATION,)
        self.facts = ScanFacts(target="http://127.0.0.1", policy=policy or {})

    def is_privileged(self, identity: str) -> bool:
        return identity == "root"


def _inventory(order: list[str], listers: set[str], seeded: bool) -> Inventory:
    inv = Inventory()
    for name in order:
        inv.principal_of[name] = name
        inv.known.add(name)
        inv.markers[name] = MARKERS[name]
    item = {"id": 1, "total": 99.5, "note": "leave at the back door"}
    for name in order:
        objects = []
        if name == "alice" and seeded:
            objects.append(KnownObject(TEMPLATE, (("order_id", "1"),), "seed"))
        if name in listers:
            objects.append(KnownObject(TEMPLATE, (("order_id", "1"),), "listing", item))
        if objects:
            inv.seen.setdefault(name, {})[TEMPLATE] = objects[:1]
        if name == "alice" and seeded:
            inv.seeded_by[(TEMPLATE, (("order_id", "1"),))] = {"alice"}
    return inv


identity_orders = st.permutations(["alice", "bob", "carol", "root"]).map(list)


@settings(max_examples=60, deadline=None)
@given(order=identity_orders, listers=st.sets(st.sampled_from(["alice", "bob", "carol", "root"])))
def test_a_seed_is_its_seeders_whoever_else_lists_it(order: list[str], listers: set[str]) -> None:
    ctx = _Ctx(order)
    inv = _inventory(order, listers, seeded=True)
    assign_owners(ctx, inv)  # type: ignore[arg-type]
    assert [o.object_id for o in inv.owned_by("alice", TEMPLATE)] == ["1"]


@settings(max_examples=60, deadline=None)
@given(order=identity_orders, listers=st.sets(st.sampled_from(["alice", "bob", "carol", "root"])))
def test_an_unattributed_item_every_account_lists_belongs_to_nobody(
    order: list[str], listers: set[str]
) -> None:
    """Without a seed or an owner field, an item listed by every non-admin account has no owner
    we can tell; one listed by a single non-admin account is that account's."""
    ctx = _Ctx(order)
    inv = _inventory(order, listers, seeded=False)
    assign_owners(ctx, inv)  # type: ignore[arg-type]
    regular_listers = sorted(listers - {"root"})
    owners = {name for name in order if inv.owned_by(name, TEMPLATE) and name != "root"}
    assert owners == (set(regular_listers) if len(regular_listers) == 1 else set())


@settings(max_examples=60, deadline=None)
@given(
    order=identity_orders,
    intruder=st.sampled_from(["bob", "carol"]),
    extra=st.dictionaries(
        st.sampled_from(["status", "total", "title", "created_at"]),
        st.sampled_from(["paid", "12.5", "Tea set", "2026-01-01T00:00:00Z"]),
    ),
)
def test_no_sharing_without_a_positive_signal(
    order: list[str], intruder: str, extra: dict[str, str]
) -> None:
    ctx = _Ctx(order)
    inv = _inventory(order, {"alice", "bob", "carol"}, seeded=True)
    assign_owners(ctx, inv)  # type: ignore[arg-type]
    answer = {"id": 1, "owner": "alice@shop.example", **extra}
    obj = inv.owned_by("alice", TEMPLATE)[0]
    assert sharing_evidence(ctx, inv, OPERATION, obj, answer, intruder) is None  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(order=identity_orders, intruder=st.sampled_from(["bob", "carol"]))
def test_each_positive_signal_is_sharing(order: list[str], intruder: str) -> None:
    inv = _inventory(order, {"alice"}, seeded=True)
    assign_owners(_Ctx(order), inv)  # type: ignore[arg-type]
    obj = inv.owned_by("alice", TEMPLATE)[0]
    base = {"id": 1, "owner": "alice@shop.example"}
    intruder_email = next(m for m in MARKERS[intruder] if "@" in m)
    signals: list[tuple[_Ctx, dict[str, Any]]] = [
        (_Ctx(order, {"shared": ["GET /orders/*"]}), base),
        (_Ctx(order), {**base, "visibility": "public"}),
        (_Ctx(order), {**base, "shared_with": [intruder_email]}),
    ]
    for ctx, answer in signals:
        assert sharing_evidence(ctx, inv, OPERATION, obj, answer, intruder) is not None  # type: ignore[arg-type]
    inv.reach[intruder] = {("storeid", "5")}
    related = sharing_evidence(_Ctx(order), inv, OPERATION, obj, {**base, "store_id": 5}, intruder)  # type: ignore[arg-type]
    assert related is not None and "store_id 5" in related


def test_property_sensitivity() -> None:
    assert is_private("email", "ann@example.org") and is_private("notes", "x")
    assert is_private("phone", "+44 20 7946 0958") and is_private("iban", "GB33BUKB20201555555555")
    assert not is_private("display_name", "Ann Vance") and not is_private("user_id", "11")
    assert is_private("unknown_field", "anything")  # unrecognised: private, the safe side
    assert public_marker({"visibility": "public"}) and public_marker({"is_public": True})
    assert public_marker({"visibility": "private"}) is None
