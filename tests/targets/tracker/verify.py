#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `tracker` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened (the target started
with --hardened) every flaw must be refuted. The decoys must hold in both modes. Exit 0 only if
all of that is true. Changes made on the way (a moved card, a role) are undone.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8301
HARDENED = "--hardened" in sys.argv[2:]
LOGINS = {
    "nadia": ("nadia@trackly.example", "Nadia-staff-2024"),
    "alice": ("alice@acme.example", "Alice-tracks-2024"),
    "carol": ("carol@acme.example", "Carol-leads-2024"),
    "bob": ("bob@globex.example", "Bob-tracks-2024"),
}
failures: list[str] = []
tokens: dict[str, str] = {}


def call(method: str, path: str, who: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if who:
        headers["X-Session-Token"] = token(who)
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
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def token(who: str) -> str:
    if who not in tokens:
        email, password = LOGINS[who]
        status, body = call("POST", "/api/sessions", body={"email": email, "password": password})
        assert status == 201, f"login of {who} failed: {status} {body}"
        tokens[who] = body["token"]
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
    print(f"tracker on 127.0.0.1:{PORT}, expecting the {mode} mode")
    # TR-01: team membership checked, card loaded by id alone.
    s, b = call("GET", "/api/teams/2/boards/3/cards/1", "bob")
    flaw(
        "TR-01 bob reads alice's card 1 under his own team",
        s == 200 and b["author"]["username"] == "alice",
        (s, b),
    )
    # TR-02: activity feed of another team's private board.
    s, b = call("GET", "/api/boards/1/activity", "bob")
    flaw(
        "TR-02 bob reads Acme's board 1 activity",
        s == 200 and any("DNS" in a["card_title"] for a in b),
        (s, b),
    )
    # TR-03: a card id in the body moves another team's card. alice makes a card for the test.
    s, made = call("POST", "/api/teams/1/boards/1/cards", "alice", {"title": "verify: move me"})
    expect("alice creates a card on her board", s == 201, (s, made))
    s, b = call("POST", "/api/card-moves", "bob", {"card_id": made["id"], "to_board_id": 3})
    moved = s == 200 and b["board_id"] == 3
    flaw("TR-03 bob moves alice's card into his board 3", moved, (s, b))
    if moved:
        call("POST", "/api/card-moves", "alice", {"card_id": made["id"], "to_board_id": 1})
    s, b = call("DELETE", f"/api/teams/1/boards/1/cards/{made['id']}", "alice")
    expect("alice deletes her test card", s == 204, (s, b))
    # TR-04: a plain member changes team roles (here: promotes herself).
    s, b = call("PUT", "/api/teams/1/members/2", "alice", {"role": "admin"})
    flaw("TR-04 alice (member) makes herself admin of Acme", s == 200, (s, b))
    if s == 200:
        call("PUT", "/api/teams/1/members/2", "carol", {"role": "member"})
    s, b = call("PUT", "/api/teams/1/members/2", "carol", {"role": "member"})
    expect("carol (team admin) sets roles", s == 200, (s, b))
    s, b = call("PUT", "/api/teams/1/members/2", "bob", {"role": "admin"})
    expect("bob (other team) gets 404 on Acme roles", s == 404, (s, b))
    # TR-05: staff audit log behind a login check.
    s, b = call("GET", "/api/admin/audit-log", "alice")
    flaw("TR-05 alice reads the staff audit log", s == 200 and "events" in b, (s, b))
    # TR-06: billing of a team answers anonymous callers.
    s, b = call("GET", "/api/teams/1/billing")
    flaw(
        "TR-06 anonymous reads Acme's billing",
        s == 200 and b.get("billing_email") == "billing@acme.example",
        (s, b),
    )
    s, b = call("GET", "/api/teams/1/billing", "carol")
    expect("carol (team admin) reads Acme's billing", s == 200, (s, b))

    # Decoys: intended accesses.
    s, b = call("GET", "/api/cards/1", "carol")
    expect(
        "decoy: carol reads alice's card 1 by permalink (same team)",
        s == 200 and b["id"] == 1,
        (s, b),
    )
    s, b = call("GET", "/api/cards/1", "bob")
    expect("decoy: bob gets 404 on the permalink of Acme's card", s == 404, (s, b))
    s, b = call("PATCH", "/api/teams/1/boards/1/cards/2", "carol", {"status": "doing"})
    expect(
        "decoy: carol edits alice's card 2 (same team)", s == 200 and b["status"] == "doing", (s, b)
    )
    call("PATCH", "/api/teams/1/boards/1/cards/2", "alice", {"status": "open"})
    s, b = call("PATCH", "/api/teams/2/boards/3/cards/2", "bob", {"status": "done"})
    expect("decoy: bob cannot edit alice's card through his team", s == 404, (s, b))
    s, b = call("GET", "/api/teams/1/boards/2")
    expect(
        "decoy: anonymous reads the public roadmap board", s == 200 and b["public"] is True, (s, b)
    )
    s, b = call("GET", "/api/teams/1/boards/1")
    expect("decoy: anonymous gets 401 on a private board", s == 401, (s, b))
    s, b = call("GET", "/api/teams/1/boards/1", "bob")
    expect("decoy: bob gets 404 on Acme's private board", s == 404, (s, b))
    s, b = call("GET", "/api/users/2", "bob")
    keys = sorted(b) if isinstance(b, dict) else b
    expect(
        "decoy: directory entry has only public fields",
        s == 200 and keys == ["avatar_url", "display_name", "id", "username"],
        (s, b),
    )
    s, b = call("GET", "/api/admin/users", "nadia")
    expect("decoy: staff list every user", s == 200 and len(b) == 5, (s, b))
    s, b = call("GET", "/api/admin/users", "alice")
    expect("decoy: alice gets 403 on the user admin", s == 403, (s, b))
    s, b = call("GET", "/api/cards/4", "nadia")
    expect("decoy: staff read any card", s == 200 and b["author"]["username"] == "bob", (s, b))
    print(f"{len(failures)} failure(s)" if failures else "all hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
