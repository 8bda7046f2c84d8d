"""Prove every flaw and decoy of ground_truth.json with real requests (stdlib only).

python3 verify.py PORT [--hardened]      exit 0 only if all hold
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

PORT = int(sys.argv[1])
HARDENED = "--hardened" in sys.argv
BASE = f"http://127.0.0.1:{PORT}"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(request) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def session(email: str, password: str) -> dict[str, str]:
    _, headers, _ = call("POST", "/api/login", {"email": email, "password": password})
    return {"Cookie": headers["Set-Cookie"].split(";")[0]}


alice = session("alice@hookline.example", "Alice-hooks-2024")
checks: dict[str, bool] = {}
_, _, roster = call("GET", "/api/team/members", headers=alice)
checks["HK-01 passwords in roster"] = any("password" in row for row in roster) != HARDENED
_, _, account = call("GET", "/api/accounts/a1f3", headers=alice)
checks["HK-02 bcrypt hash"] = str(account.get("pw_hash", "")).startswith("$2b$") != HARDENED
_, _, hooks = call("GET", "/api/hooks", headers=alice)
checks["HK-03 full signing secret"] = (len(hooks[0]["signing_secret"]) > 20) != HARDENED
_, cors, _ = call("GET", "/api/profile", headers={**alice, "Origin": "https://evil.example"})
reflected = cors.get("Access-Control-Allow-Origin") == "https://evil.example"
checks["HK-04 CORS reflection"] = (
    reflected and cors.get("Access-Control-Allow-Credentials") == "true"
) != HARDENED
_, _, key = call("GET", "/api/keys/signing")
checks["decoy public key"] = "PUBLIC KEY" in key.get(
    "public_key", ""
) and "PRIVATE" not in json.dumps(key)
_, _, deliveries = call("GET", "/api/hooks/h01/deliveries", headers=alice)
checks["decoy UUIDs and SHA-256"] = all(len(d["payload_sha256"]) == 64 for d in deliveries)
_, status_cors, _ = call("GET", "/api/status", headers={"Origin": "https://evil.example"})
checks["decoy fixed allow-list"] = "Access-Control-Allow-Origin" not in status_cors
_, dash, _ = call("GET", "/api/status", headers={"Origin": "https://dash.hookline.example"})
checks["decoy allow-list admits the dashboard"] = (
    dash.get("Access-Control-Allow-Origin") == "https://dash.hookline.example"
)
statuses = [
    call("POST", "/api/login", {"email": "nobody@hookline.example", "password": f"x{n}"})[0]
    for n in range(7)
]
checks["HK-05 no login throttling"] = (429 not in statuses) != HARDENED
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(checks.values()) else 1)
