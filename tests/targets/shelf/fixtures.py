"""Demo data of the Shelfie library API, loaded on every start (ids are fixed)."""

from __future__ import annotations

from typing import Any

ALICE = "34ffe071-5765-4cf7-80a4-1d5f550d5ea1"
BOB = "222c07ad-afb6-4346-8dd0-2e027b8a1572"
LENA = "0c1aba63-fa18-4722-86f6-1bcc65122736"
CHRIS = "711014f8-b3a8-4645-b44e-e132fe9c33fe"
CENTRAL, RIVERSIDE = "cabae7c5-6a03-4a8a-b8a8-99a61e7fa6f8", "d7be1943-edd4-4a02-83d4-d4c692e42a40"


def member(
    uid: str, username: str, name: str, password: str, phone: str, address: str, card: str
) -> dict[str, Any]:
    return {
        "id": uid,
        "username": username,
        "display_name": name,
        "email": f"{username}@{'shelfie.example' if username == 'lena' else 'mail.example'}",
        "password": password,
        "phone": phone,
        "address": address,
        "card_number": card,
        "is_staff": username == "lena",
        "joined": "2023-09-01",
    }


MEMBERS = [
    member(ALICE, "alice", "Alice Moreau", "Alice-reads-2024", "+44 20 7946 0312",
           "12 Hawthorn Road, Bristol BS6 5TQ", "2901 0042 7781"),
    member(BOB, "bob", "Bob Kowalski", "Bob-reads-2024", "+44 20 7946 0877",
           "3 Quay Street, Bristol BS1 4DB", "2901 0042 9135"),
    member(LENA, "lena", "Lena Fischer", "Lena-desk-2024!", "+44 117 496 0555",
           "Central Library, College Green, Bristol", "2901 0000 0007"),
    member(CHRIS, "chris", "Chris Okoye", "Chris-reads-2024", "+44 20 7946 0444",
           "88 Gloucester Road, Bristol BS7 8BN", "2901 0043 0016"),
]  # fmt: skip

BRANCHES = [
    {"id": CENTRAL, "name": "Central Library", "hours": "Mon-Sat 09:00-19:00"},
    {"id": RIVERSIDE, "name": "Riverside", "hours": "Tue-Sat 10:00-17:00"},
]

BOOKS = [
    {"id": "a065c26c-b135-4b5c-9149-613b21cecf8a", "title": "The Left Hand of Darkness",
     "author": "Ursula K. Le Guin", "isbn": "9780441478125", "branch": CENTRAL},
    {"id": "365d6bf8-8218-4235-bef6-cc24580b756c", "title": "Piranesi",
     "author": "Susanna Clarke", "isbn": "9781635575637", "branch": CENTRAL},
    {"id": "24f2cc5a-4fe6-445e-b309-09bd671b0844", "title": "The Dispossessed",
     "author": "Ursula K. Le Guin", "isbn": "9780061054884", "branch": RIVERSIDE},
    {"id": "d8b9306a-f2d3-4c88-9d24-7d2618e3a442", "title": "Klara and the Sun",
     "author": "Kazuo Ishiguro", "isbn": "9780593318171", "branch": CENTRAL},
    {"id": "4f519ddd-9daa-488e-a413-b5b88f5ab61c", "title": "A Psalm for the Wild-Built",
     "author": "Becky Chambers", "isbn": "9781250236210", "branch": RIVERSIDE},
]  # fmt: skip

LOANS = [
    {"id": "3f1b6f39-d1dd-4fac-9a1c-6bc4372d5bf0", "member": ALICE, "book": BOOKS[0]["id"],
     "borrowed": "2024-06-01", "due": "2024-06-22", "returned": None},
    {"id": "b5b2083f-58f5-43b5-9d96-922e1d14f9b0", "member": ALICE, "book": BOOKS[1]["id"],
     "borrowed": "2024-05-11", "due": "2024-06-01", "returned": "2024-05-30"},
    {"id": "41d04014-3e41-467b-a29b-dddb76546832", "member": BOB, "book": BOOKS[2]["id"],
     "borrowed": "2024-06-03", "due": "2024-06-24", "returned": None},
]  # fmt: skip

HOLDS = [
    {"id": "09b1cb3f-645b-4735-a578-9a6319328cfa", "member": ALICE, "book": BOOKS[3]["id"],
     "status": "waiting", "position": 1, "pickup_branch": CENTRAL},
    {"id": "017d0e46-c1a5-48e4-ade6-c561471a9edf", "member": BOB, "book": BOOKS[4]["id"],
     "status": "ready", "position": 1, "pickup_branch": RIVERSIDE},
]  # fmt: skip

PAYMENTS = [
    {"id": "2ce34eb5-1a36-4dfb-bc5a-acedcbab7f89", "member": ALICE, "amount": "2.40",
     "currency": "GBP", "reason": "late return: Piranesi",
     "card": {"brand": "visa", "last4": "4242"},
     "billing_name": "Alice Moreau", "billing_address": "12 Hawthorn Road, Bristol BS6 5TQ"},
    {"id": "430d185f-b2d9-4472-985c-6e5cbc8c1011", "member": BOB, "amount": "7.50",
     "currency": "GBP", "reason": "lost item replacement",
     "card": {"brand": "amex", "last4": "0005"},
     "billing_name": "Bob Kowalski", "billing_address": "3 Quay Street, Bristol BS1 4DB"},
]  # fmt: skip

LISTS = [
    {"id": "74e2cbf0-fb25-471c-8f84-b30f111f92f0", "owner": ALICE, "name": "Book club - autumn",
     "books": [BOOKS[0]["id"], BOOKS[2]["id"]], "shared_with": [BOB]},
    {"id": "ac836e84-bbd3-40ae-9519-d6ee287f7732", "owner": ALICE, "name": "Want to read",
     "books": [BOOKS[3]["id"]], "shared_with": []},
    {"id": "2fdbdec5-6cf3-4b99-925a-6f2bd4c931f9", "owner": BOB, "name": "Grill-side reading",
     "books": [BOOKS[4]["id"]], "shared_with": []},
]  # fmt: skip

EXPORTS = [
    {"id": "ea8b3705-f97f-434e-b3ee-44a70d7dc56d", "member": ALICE,
     "created": "2024-06-02T08:15:00Z"},
    {"id": "07364089-0818-47f4-a825-a7b18b2e2ca7", "member": BOB,
     "created": "2024-06-04T19:40:00Z"},
]  # fmt: skip
