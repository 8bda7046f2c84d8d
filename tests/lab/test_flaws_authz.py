"""Each authorization flaw of the lab, proven with plain HTTP: present when on, gone when off.

Every test runs three ways (`mode`): the flaw alone, every flaw on, and the hardened twin.
State-changing tests only touch objects they create, so the shared servers stay comparable.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from authsift.lab.users import DEFAULT_USERS

if TYPE_CHECKING:
    from conftest import Http, LabFor, TokenFor


ALICE, BOB, CAROL, BOT = (u.username for u in DEFAULT_USERS[:4])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_unauthenticated_access(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "authz-unauthenticated-access")
    url = f"{base}/orgs/wonderland/projects/tea-party"
    member = http("GET", url, headers=bearer(token_for(base, ALICE)))
    anonymous = http("GET", url)
    assert member.status == 200 and member.json()["slug"] == "tea-party"
    if mode == "off":
        assert anonymous.status == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert anonymous.status == 200
        assert anonymous.json() == member.json()


def test_bola_read(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-bola-read")
    bob = bearer(token_for(base, BOB))
    assert http("GET", f"{base}/orders/3", headers=bob).status == 200  # control: bob's own order
    alices = http("GET", f"{base}/orders/1", headers=bob)
    if mode == "off":
        assert alices.status == 404
        assert "alice@lab.example" not in alices.text
    else:
        assert alices.status == 200
        assert alices.json()["owner_email"] == "alice@lab.example"


def test_bola_write(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-bola-write")
    alice, bob = bearer(token_for(base, ALICE)), bearer(token_for(base, BOB))
    created = http(
        "POST", f"{base}/documents", headers=alice, json_body={"title": "alice sacrificial doc"}
    )
    assert created.status == 201
    doc_url = f"{base}/documents/{created.json()['id']}"
    attempt = http("PATCH", doc_url, headers=bob, json_body={"title": "changed by bob"})
    after = http("GET", doc_url, headers=alice).json()["title"]
    if mode == "off":
        assert attempt.status == 404
        assert after == "alice sacrificial doc"
    else:
        assert attempt.status == 200
        assert after == "changed by bob"
    # the owner can still edit and delete it in every mode
    assert http("PATCH", doc_url, headers=alice, json_body={"body": "x"}).status == 200
    assert http("DELETE", doc_url, headers=bob).status == 404
    assert http("DELETE", doc_url, headers=alice).status == 204


def test_bfla_privileged_function(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "authz-bfla-privileged-function")
    as_admin = http("GET", f"{base}/admin/users", headers=bearer(token_for(base, CAROL)))
    as_user = http("GET", f"{base}/admin/users", headers=bearer(token_for(base, ALICE)))
    assert as_admin.status == 200 and {u["username"] for u in as_admin.json()} >= {ALICE, BOB}
    if mode == "off":
        assert as_user.status == 403
    else:
        assert as_user.status == 200 and as_user.json() == as_admin.json()
    assert http("GET", f"{base}/admin/users").status == 401  # anonymous never


def test_bfla_method_override(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-bfla-method-override")
    alice, bob = bearer(token_for(base, ALICE)), bearer(token_for(base, BOB))
    created = http(
        "POST",
        f"{base}/documents",
        headers=alice,
        json_body={"title": "alice public notice", "visibility": "public"},
    )
    doc_url = f"{base}/documents/{created.json()['id']}"
    assert http("DELETE", doc_url, headers=bob).status == 403  # the plain verb is refused
    tunnelled = http("GET", doc_url, headers={**bob, "X-HTTP-Method-Override": "DELETE"})
    still_there = http("GET", doc_url, headers=alice)
    if mode == "off":
        assert tunnelled.status == 200 and tunnelled.json()["title"] == "alice public notice"
        assert still_there.status == 200
        assert http("GET", f"{doc_url}?_method=DELETE", headers=bob).status == 200
        assert http("GET", doc_url, headers=alice).status == 200
    else:
        assert tunnelled.status == 204
        assert still_there.status == 404


def test_bopla_mass_assignment(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-bopla-mass-assignment")
    bot = bearer(token_for(base, BOT))
    marker = f"auditor-{uuid.uuid4().hex[:6]}"
    patched = http("PATCH", f"{base}/me", headers=bot, json_body={"role": marker, "full_name": "R"})
    assert patched.status == 200
    role_now = http("GET", f"{base}/me", headers=bot).json()["role"]
    if mode == "off":
        assert role_now == "service"
    else:
        assert role_now == marker
    assert http("GET", f"{base}/me", headers=bot).json()["full_name"] == "R"  # declared field


def test_bopla_excessive_exposure(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "authz-bopla-excessive-exposure")
    reply = http("GET", f"{base}/orgs/wonderland/projects", headers=bearer(token_for(base, ALICE)))
    assert reply.status == 200
    schema = http("GET", f"{base}/openapi.json").json()["components"]["schemas"]["ProjectOut"]
    documented = set(schema["properties"])
    returned = set().union(*(item.keys() for item in reply.json()))
    if mode == "off":
        assert returned == documented
    else:
        assert {"internal_budget_cents", "created_by_user"} <= returned - documented
        assert "carol@lab.example" in reply.text  # another user's account record


def test_path_variant_bypass(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-path-variant-bypass")
    alice = bearer(token_for(base, ALICE))
    carol = bearer(token_for(base, CAROL))
    canonical = http("GET", f"{base}/admin/users/2", headers=alice)
    assert canonical.status == 403
    admin_view = http("GET", f"{base}/admin/users/2", headers=carol)
    assert admin_view.status == 200
    for variant in ("/Admin/users/2", "/%61dmin/users/2", "/ADMIN/USERS/2"):
        reply = http("GET", f"{base}{variant}", headers=alice)
        if mode == "off":
            assert reply.status == 403, variant
        else:
            assert reply.status == 200 and reply.json() == admin_view.json(), variant


def test_trusted_header_spoofing(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "authz-trusted-header-spoofing")
    spoofed = http("GET", f"{base}/me", headers={"X-User-Id": "2"})
    if mode == "off":
        assert spoofed.status == 401
    else:
        assert spoofed.status == 200 and spoofed.json()["email"] == "bob@lab.example"
    # a real credential always wins over the header
    alice = http("GET", f"{base}/me", headers={**bearer(token_for(base, ALICE)), "X-User-Id": "2"})
    assert alice.json()["username"] == ALICE


def test_scope_not_enforced(mode: str, lab_for: LabFor, http: Http) -> None:
    base = lab_for(mode, "authz-scope-not-enforced")
    read_only = http(
        "POST",
        f"{base}/auth/login",
        json_body={"username": ALICE, "password": "alice-lab-pass-1", "scope": "read"},
    )
    assert read_only.status == 200 and read_only.json()["scope"] == "read"
    auth = bearer(read_only.json()["access_token"])
    assert http("GET", f"{base}/orders/1", headers=auth).status == 200  # inside the scope
    write = http("POST", f"{base}/orders", headers=auth, json_body={"item": "tea", "quantity": 1})
    if mode == "off":
        assert write.status == 403
        assert 'error="insufficient_scope"' in write.headers["WWW-Authenticate"]
    else:
        assert write.status == 201 and write.json()["owner_email"] == "alice@lab.example"


def test_unlisted_endpoint(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "authz-unlisted-endpoint")
    export = http("GET", f"{base}/internal/export")
    if mode == "off":
        assert export.status == 404
    else:
        emails = {order["customer_email"] for order in export.json()["orders"]}
        assert export.status == 200 and len(emails) >= 2  # everyone's orders, no credential
    assert "/internal/export" not in http("GET", f"{base}/openapi.json").json()["paths"]
