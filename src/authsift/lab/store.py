"""The lab's business objects: orders, documents, org projects and reports, with seed data.

Three id styles on purpose (integers, UUIDs, slugs under a parent), because authorization bugs
hide differently in each. Every object carries values that identify its owner (owner id, owner
e-mail, a unique title) so that an ownership oracle can recognise it in someone else's response.
Seeds are deterministic: tests, the demo config and the scoreboard refer to them by value.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import Literal

from authsift.lab.users import User, UserStore

Visibility = Literal["private", "public"]

# A fixed namespace makes the seeded document UUIDs stable across runs (uuid5 is deterministic).
_DOCUMENT_NAMESPACE = uuid.UUID("6f1c2e9a-3b1d-4c55-9a57-0d5e1a2b3c4d")
_SEED_TIME = "2026-01-05T09:00:00Z"
# Enough history that an unclamped `?limit=` visibly returns more than 1000 rows (CHECKS.md §2).
HISTORY_ORDERS_PER_USER = 1100
_ITEMS = ("tea set", "mad hatter hat", "pocket watch", "rabbit hole map", "looking glass")


def seeded_document_id(name: str) -> str:
    return str(uuid.uuid5(_DOCUMENT_NAMESPACE, name))


PUBLIC_DOCUMENT_ID = seeded_document_id("alice-public-handbook")
SHARED_DOCUMENT_ID = seeded_document_id("alice-bob-shared-plan")


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    owner_id: int
    owner_email: str
    item: str
    quantity: int
    total_cents: int
    status: str = "placed"
    note: str = ""
    created_at: str = _SEED_TIME


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    owner_id: int
    owner_email: str
    title: str
    body: str
    visibility: Visibility = "private"
    shared_with: frozenset[int] = frozenset()  # read-only shares granted by the owner
    created_at: str = _SEED_TIME


@dataclass(frozen=True, slots=True)
class Project:
    org: str
    slug: str
    name: str
    description: str
    created_by: int
    internal_budget_cents: int = 0  # finance-only: never part of the API response model
    created_at: str = _SEED_TIME


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    org: str
    title: str
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Org:
    slug: str
    name: str
    members: frozenset[int]
    admins: frozenset[int] = field(default_factory=frozenset)


class DomainStore:
    """In-memory and thread-safe: handlers may run in uvicorn's thread pool."""

    def __init__(self, users: UserStore) -> None:
        self._lock = threading.Lock()
        self._users = users
        self._orders: dict[int, Order] = {}
        self._documents: dict[str, Document] = {}
        self._projects: dict[tuple[str, str], Project] = {}
        self._reports: dict[str, Report] = {}
        self._orgs: dict[str, Org] = {}
        self._next_order_id = 1
        self._seed()

    # ---- seed -------------------------------------------------------------------------------

    def _seed(self) -> None:
        alice, bob = self._require_user(1), self._require_user(2)
        self.add_order(alice, "tea set", 1, 4200, note="alice's birthday tea set")  # id 1
        self.add_order(alice, "pocket watch", 2, 9800, note="for the white rabbit")  # id 2
        self.add_order(bob, "hard hat", 3, 2700, note="bob's site order")  # id 3
        self.add_order(bob, "spirit level", 1, 1500, note="bob's tool restock")  # id 4
        self._next_order_id = 1000  # older order history lives in its own id range
        for user in (alice, bob):
            for n in range(HISTORY_ORDERS_PER_USER):
                item = _ITEMS[n % len(_ITEMS)]
                self.add_order(user, item, 1 + n % 3, 500 + n, status="delivered")
        self._next_order_id = 10_000
        for doc in (
            Document(
                seeded_document_id("alice-diary"),
                alice.id,
                alice.email,
                "Alice's private diary",
                "Curiouser and curiouser.",
            ),
            Document(
                seeded_document_id("bob-quote"),
                bob.id,
                bob.email,
                "Bob's private quote for the garden wall",
                "Labour 3 days, bricks 400.",
            ),
            Document(
                PUBLIC_DOCUMENT_ID,
                alice.id,
                alice.email,
                "Wonderland visitor handbook",
                "Public on purpose: anyone may read it.",
                visibility="public",
            ),
            Document(
                SHARED_DOCUMENT_ID,
                alice.id,
                alice.email,
                "Alice and Bob's joint garden plan",
                "Shared with bob on purpose (read-only).",
                shared_with=frozenset({bob.id}),
            ),
        ):
            self._documents[doc.id] = doc
        self._orgs = {
            "wonderland": Org("wonderland", "Wonderland Ltd", frozenset({1, 3}), frozenset({3})),
            "builders": Org("builders", "Builders & Co", frozenset({2}), frozenset({2})),
        }
        for project in (
            Project("wonderland", "tea-party", "Tea party", "Unbirthday planning", 1, 1_200_000),
            Project("wonderland", "croquet", "Croquet", "Flamingo logistics", 3, 350_000),
            Project("builders", "garden-wall", "Garden wall", "Brick by brick", 2, 4_000_000),
        ):
            self._projects[(project.org, project.slug)] = project
        for report in (
            Report("weekly-sales", "wonderland", "Wonderland weekly sales", (("tea", 12),)),
            Report("site-hours", "builders", "Builders site hours", (("wall", 31),)),
        ):
            self._reports[report.id] = report

    def _require_user(self, user_id: int) -> User:
        user = self._users.by_id(user_id)
        if user is None:
            raise LookupError(f"seed user {user_id} missing")
        return user

    # ---- orders -----------------------------------------------------------------------------

    def add_order(
        self,
        owner: User,
        item: str,
        quantity: int,
        total_cents: int,
        *,
        note: str = "",
        status: str = "placed",
    ) -> Order:
        with self._lock:
            order = Order(
                self._next_order_id,
                owner.id,
                owner.email,
                item,
                quantity,
                total_cents,
                status,
                note,
            )
            self._orders[order.id] = order
            self._next_order_id += 1
            return order

    def order(self, order_id: int) -> Order | None:
        with self._lock:
            return self._orders.get(order_id)

    def orders_of(self, owner_id: int) -> list[Order]:
        with self._lock:
            return [o for o in self._orders.values() if o.owner_id == owner_id]

    def update_order(self, order_id: int, **changes: object) -> Order:
        with self._lock:
            order = replace(self._orders[order_id], **changes)  # type: ignore[arg-type]
            self._orders[order_id] = order
            return order

    def delete_order(self, order_id: int) -> None:
        with self._lock:
            self._orders.pop(order_id, None)

    # ---- documents --------------------------------------------------------------------------

    def add_document(self, owner: User, title: str, body: str, visibility: Visibility) -> Document:
        doc = Document(str(uuid.uuid4()), owner.id, owner.email, title, body, visibility)
        with self._lock:
            self._documents[doc.id] = doc
        return doc

    def document(self, document_id: str) -> Document | None:
        with self._lock:
            return self._documents.get(document_id)

    def documents_visible_to(self, user_id: int) -> list[Document]:
        """The caller's own documents and the ones shared with them (public ones are not listed)."""
        with self._lock:
            return [
                d
                for d in self._documents.values()
                if d.owner_id == user_id or user_id in d.shared_with
            ]

    def update_document(self, document_id: str, **changes: object) -> Document:
        with self._lock:
            doc = replace(self._documents[document_id], **changes)  # type: ignore[arg-type]
            self._documents[document_id] = doc
            return doc

    def delete_document(self, document_id: str) -> None:
        with self._lock:
            self._documents.pop(document_id, None)

    # ---- orgs, projects, reports ------------------------------------------------------------

    def org(self, slug: str) -> Org | None:
        with self._lock:
            return self._orgs.get(slug)

    def orgs_of(self, user_id: int) -> list[Org]:
        with self._lock:
            return [o for o in self._orgs.values() if user_id in o.members]

    def projects_of(self, org: str) -> list[Project]:
        with self._lock:
            return [p for (o, _), p in sorted(self._projects.items()) if o == org]

    def project(self, org: str, slug: str) -> Project | None:
        with self._lock:
            return self._projects.get((org, slug))

    def add_project(self, project: Project) -> bool:
        with self._lock:
            if (project.org, project.slug) in self._projects:
                return False
            self._projects[(project.org, project.slug)] = project
            return True

    def report(self, report_id: str) -> Report | None:
        with self._lock:
            return self._reports.get(report_id)
