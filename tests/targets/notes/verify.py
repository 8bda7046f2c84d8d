#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `notes` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened (the target started
with --hardened) every flaw must be refuted. The decoys must hold in both modes. Exit 0 only if
all of that is true. Edits are made on notes the script writes itself, roles are put back, and
the accounts it signs up have random names.
"""

from __future__ import annotations

import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8321
HARDENED = "--hardened" in sys.argv[2:]
PASSWORDS = {"alice": "Alice-jots-2024", "bob": "Bob-jots-2024", "mo": "Mo-moderates-2024!"}
failures: list[str] = []
cookies: dict[str, str] = {}


def call(
    method: str, path: str, who: str | None = None, body: Any = None, form: Any = None
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Accept": "application/json"}
    if who:
        headers["Cookie"] = f"jotter_sid={session(who)}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    try:
        return status, json.loads(raw), got
    except ValueError:
        return status, raw.decode("utf-8", "replace"), got


def sid_of(headers: dict[str, str]) -> str:
    return headers.get("Set-Cookie", "").split(";")[0].partition("=")[2]


def session(who: str) -> str:
    if who not in cookies:
        form = {"username": who, "password": PASSWORDS[who]}
        status, body, headers = call("POST", "/session", form=form)
        assert status == 200, f"login of {who} failed: {status} {body}"
        cookies[who] = sid_of(headers)
    return cookies[who]


def expect(label: str, ok: bool, detail: object) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f"  -> {detail}"))
    if not ok:
        failures.append(label)


def flaw(label: str, holds: bool, detail: object) -> None:
    """A flaw must hold on the normal target and be refuted on the hardened one."""
    expect(f"{label} ({'refuted' if HARDENED else 'holds'})", holds != HARDENED, detail)


def main() -> int:
    mode = "hardened" if HARDENED else "vulnerable"
    print(f"notes on 127.0.0.1:{PORT}, expecting the {mode} mode")
    # NT-01: revisions of a private note, login only.
    s, b, _ = call("GET", "/u/bob/notes/n_Q8rT5vY2/revisions", "alice")
    leaked = s == 200 and any("Tr0ub4dor" in r["body"] for r in b["revisions"])
    flaw("NT-01 alice reads the revisions of bob's private note", leaked, (s, b))
    s, b, _ = call("GET", "/u/bob/notes/n_Q8rT5vY2", "alice")
    expect("alice gets 404 on bob's private note itself", s == 404, (s, b))
    # NT-02: another user's drafts.
    s, b, _ = call("GET", "/u/alice/drafts", "bob")
    flaw("NT-02 bob lists alice's drafts", s == 200 and len(b["drafts"]) == 1, (s, b))
    s, b, _ = call("GET", "/u/alice/drafts", "alice")
    expect("alice lists her own drafts", s == 200 and len(b["drafts"]) == 1, (s, b))
    # NT-03: sync picks the notebook from the body's owner. alice writes a note for the test.
    note = {"title": "verify", "body": "original text"}
    s, b, _ = call("POST", "/u/alice/notes", "alice", note)
    expect("alice writes a private note", s == 201, (s, b))
    nid = b["note"]["id"]
    s, b, _ = call(
        "POST", "/sync/notes", "bob", {"owner": "alice", "id": nid, "body": "bob was here"}
    )
    flaw("NT-03 bob overwrites alice's note via /sync/notes", s == 200, (s, b))
    s, b, _ = call("GET", f"/u/alice/notes/{nid}", "alice")
    changed = s == 200 and b["note"]["body"] == "bob was here"
    flaw("NT-03 ... and alice's note now says what bob wrote", changed, (s, b))
    s, b, _ = call("POST", "/sync/notes", "alice", {"owner": "alice", "id": nid, "body": "mine"})
    expect("alice syncs her own note", s == 200 and b["note"]["body"] == "mine", (s, b))
    s, b, _ = call("DELETE", f"/u/alice/notes/{nid}", "alice")
    expect("alice deletes her test note", s == 200, (s, b))
    # NT-04: any session sets roles.
    s, b, _ = call("PUT", "/u/bob/role", "bob", {"role": "moderator"})
    flaw("NT-04 bob makes himself a moderator", s == 200 and b["role"] == "moderator", (s, b))
    if s == 200:
        call("PUT", "/u/bob/role", "mo", {"role": "user"})
    s, b, _ = call("GET", "/me", "bob")
    expect("bob is a plain user again", s == 200 and b["user"]["role"] == "user", (s, b))
    s, b, _ = call("PUT", "/u/erin/role", "mo", {"role": "user"})
    expect("mo (moderator) sets roles", s == 200, (s, b))
    # NT-05: sign-up honours `role`.
    name = "v_" + secrets.token_hex(4)
    account = {"username": name, "password": "verify-pass-123", "role": "moderator"}
    s, b, headers = call("POST", "/signup", body=account)
    flaw(
        "NT-05 sign-up with role=moderator creates a moderator",
        s == 201 and b["user"]["role"] == "moderator",
        (s, b),
    )
    cookies[name] = sid_of(headers)
    s, b, _ = call("GET", "/admin/reports", name)
    flaw("NT-05 ... who reads the moderation queue", s == 200, (s, b))
    # NT-06: attachments of private notes need no session.
    s, b, _ = call("GET", "/attachments/att_3Jd8Kq2LmX")
    flaw(
        "NT-06 anonymous downloads alice's boarding pass", s == 200 and "MOREAU/ALICE" in b, (s, b)
    )
    s, b, _ = call("GET", "/attachments/att_3Jd8Kq2LmX", "alice")
    expect("alice downloads her own attachment", s == 200 and "MOREAU/ALICE" in b, (s, b))

    # Decoys: intended accesses.
    s, b, _ = call("GET", "/u/alice")
    expect(
        "decoy: anonymous reads alice's public profile",
        s == 200 and b["profile"]["public_notes"] == 1,
        (s, b),
    )
    s, b, _ = call("GET", "/u/mo")
    expect("decoy: anonymous reads mo's profile (two-letter username)", s == 200, (s, b))
    s, b, _ = call("GET", "/u/alice/notes/n_Vb3mT8rL")
    expect("decoy: anonymous reads alice's public note", s == 200, (s, b))
    s, b, _ = call("GET", "/u/alice/notes/n_c4Hs9Wq1", "bob")
    expect("decoy: bob reads the note alice shared with him", s == 200, (s, b))
    s, b, _ = call("GET", "/u/alice/notes/n_7Kp2Qx9a", "bob")
    expect("decoy: bob gets 404 on alice's private note", s == 404, (s, b))
    s, b, _ = call("GET", "/u/alice/notes/n_7Kp2Qx9a", "mo")
    expect("decoy: mo (moderator) reads alice's private note", s == 200, (s, b))
    s, b, _ = call("GET", "/u/alice/notes", "bob")
    ids = sorted(n["id"] for n in b["notes"]) if s == 200 else b
    expect(
        "decoy: bob sees alice's public and shared notes only",
        ids == ["n_Vb3mT8rL", "n_c4Hs9Wq1"],
        (s, ids),
    )
    s, b, _ = call("POST", "/u/bob/notes", "bob", {"title": "to moderate", "visibility": "public"})
    s, b, _ = call("DELETE", f"/u/bob/notes/{b['note']['id']}", "mo")
    expect("decoy: mo deletes a note of bob's (moderation)", s == 200, (s, b))
    s, b, _ = call("DELETE", "/u/bob/notes/n_Z1xC7bN4", "alice")
    expect("decoy: alice gets 404 deleting bob's note", s == 404, (s, b))
    s, b, _ = call("GET", "/admin/reports", "alice")
    expect("decoy: alice gets 403 on the moderation queue", s == 403, (s, b))
    s, b, _ = call("GET", "/admin/reports", "mo")
    expect("decoy: mo reads the moderation queue", s == 200 and len(b["reports"]) == 1, (s, b))
    print(f"{len(failures)} failure(s)" if failures else "all hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
