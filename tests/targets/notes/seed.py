"""Demo data of Jotter, built on every start (usernames and note ids are fixed)."""

from __future__ import annotations

import hashlib
from typing import Any


def password_hash(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()


def _user(
    username: str, name: str, password: str, role: str = "user", bio: str = ""
) -> dict[str, Any]:
    salt = f"seed-{username}"
    return {"username": username, "display_name": name, "email": f"{username}@jotter.example",
            "bio": bio, "role": role, "joined": "2024-01-15", "salt": salt,
            "password": password_hash(password, salt)}  # fmt: skip


USERS: dict[str, dict[str, Any]] = {
    u["username"]: u
    for u in [
        _user("alice", "Alice Moreau", "Alice-jots-2024", bio="Lisbon, sourdough, long walks."),
        _user("bob", "Bob Kowalski", "Bob-jots-2024", bio="Bread and bikes."),
        _user("erin", "Erin Walsh", "Erin-jots-2024", bio="Poems, mostly."),
        _user("mo", "Mo (moderator)", "Mo-moderates-2024!", role="moderator"),
    ]
}


def _note(
    nid: str,
    owner: str,
    title: str,
    body: str,
    visibility: str = "private",
    shared_with: tuple[str, ...] = (),
    draft: bool = False,
    attachments: tuple[str, ...] = (),
    earlier: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    revisions = [
        {"rev": i + 1, "title": t, "body": b, "at": f"2024-06-0{i + 1}T10:00:00Z"}
        for i, (t, b) in enumerate(earlier)
    ]
    return {"id": nid, "owner": owner, "title": title, "body": body, "visibility": visibility,
            "shared_with": list(shared_with), "draft": draft, "attachments": list(attachments),
            "revisions": revisions, "updated": "2024-06-09T18:30:00Z"}  # fmt: skip


NOTES: dict[str, dict[str, Any]] = {
    n["id"]: n
    for n in [
        _note("n_7Kp2Qx9a", "alice", "Groceries", "oat milk, lemons, the good coffee",
              earlier=(("Groceries", "oat milk, lemons, flowers + card for Dan's 40th"),)),
        _note("n_Vb3mT8rL", "alice", "Three days in Lisbon",
              "Tram 28 early, pasteis at Manteigaria, LX Factory on Sunday.", visibility="public"),
        _note("n_c4Hs9Wq1", "alice", "Surprise party for Dan",
              "Saturday 8pm at Bar Alto; bob brings the cake.", shared_with=("bob",)),
        _note("n_T2vR8sL5", "alice", "Travel documents", "Boarding pass attached.",
              attachments=("att_3Jd8Kq2LmX",)),
        _note("n_d9Lk2Zp0", "alice", "Resignation letter",
              "Dear Sam, after four years I have decided to move on.", draft=True),
        _note("n_Q8rT5vY2", "bob", "Wifi and alarm codes",
              "home wifi Kowalski-5G / correct-horse-battery; alarm 4471",
              attachments=("att_9Pq4Wz7NcV",), earlier=(("Wifi", "old password: Tr0ub4dor&3"),)),
        _note("n_Z1xC7bN4", "bob", "Sourdough log", "Day 6: doubled in 5 hours.",
              visibility="public"),
        _note("n_F6gH3jK8", "bob", "Complaint to landlord",
              "The boiler has been broken since May 2nd.", draft=True),
        _note("n_Hh5Jk2Lm", "erin", "Low tide", "the harbour empties / gulls count the boats",
              visibility="public"),
    ]
}  # fmt: skip

ATTACHMENTS: dict[str, dict[str, Any]] = {
    "att_3Jd8Kq2LmX": {"note_id": "n_T2vR8sL5", "filename": "boarding-pass.txt",
                       "data": "PNR X7KQ2M MOREAU/ALICE MS TP1337 BRS-LIS 14JUN 06:55 SEAT 12A\n"},
    "att_9Pq4Wz7NcV": {"note_id": "n_Q8rT5vY2", "filename": "lease.txt",
                       "data": "Tenancy agreement, 3 Quay Street, Bristol. Tenant: Bob Kowalski. "
                               "Rent GBP 1,250 per month. Deposit held by Hartley Lettings.\n"},
}  # fmt: skip

REPORTS: list[dict[str, Any]] = [
    {"note_id": "n_Hh5Jk2Lm", "reporter": "bob", "reason": "looks like spam?"},
]
