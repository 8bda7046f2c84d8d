"""Pure parts of the engine: scope, redaction, Retry-After, request building, curl, planning."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from authsift.checks.base import registry
from authsift.engine.credentials import Credential, apply_credential, junk_like, strip_credentials
from authsift.engine.redact import Redactor, placeholder_for
from authsift.engine.requests import build_request, curl_command
from authsift.engine.scope import Scope, ScopeError
from authsift.engine.throttle import Budget, BudgetExhausted, parse_retry_after
from authsift.model import Exchange, HttpRequest, Operation, Parameter, ParamLocation, RequestBody
from authsift.plan import (
    IdentityInfo,
    SelectionError,
    make_plan,
    nothing_to_test,
    resolve_selection,
)
from authsift.spec.classify import operation_matches, representative_operations


def test_scope_allows_only_the_target_origin_and_listed_entries() -> None:
    scope = Scope("http://127.0.0.1:8000", ["127.0.0.1:9000", "https://api.example"])
    assert scope.allows("http://127.0.0.1:8000/x")
    assert scope.allows("http://127.0.0.1:9000/y")
    assert scope.allows("https://api.example/z")
    assert not scope.allows("http://127.0.0.1:8001/")
    assert not scope.allows("https://127.0.0.1:8000/")  # another scheme is another origin
    assert not scope.allows("http://api.example/")
    assert not scope.allows("ftp://127.0.0.1:8000/")
    with pytest.raises(ScopeError):
        scope.check("http://evil.example/")


def test_redactor_replaces_secrets_and_their_encodings() -> None:
    redactor = Redactor()
    redactor.add("s3cr3t/with+chars", "$ALICE_PASSWORD")
    redactor.add("abc", "$TOO_SHORT")  # shorter than 4: never redacted (would destroy evidence)
    text = "pw=s3cr3t/with+chars q=s3cr3t%2Fwith%2Bchars abc"
    assert redactor.text(text) == "pw=$ALICE_PASSWORD q=$ALICE_PASSWORD abc"
    request = HttpRequest(
        "GET", "http://h/?k=s3cr3t%2Fwith%2Bchars", (("Authorization", "Bearer s3cr3t/with+chars"),)
    )
    redacted = redactor.exchange(Exchange(1, request, None, error="boom s3cr3t/with+chars"))
    assert "s3cr3t" not in repr(redacted)
    assert placeholder_for("alice-ro", "token") == "$ALICE_RO_TOKEN"


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_budget_counts_requests_and_stops() -> None:
    budget = Budget(max_requests=2, max_time=60)
    budget.take()
    budget.take()
    with pytest.raises(BudgetExhausted):
        budget.take()


def test_credentials_apply_strip_and_junk() -> None:
    request = HttpRequest("GET", "http://h/me?x=1")
    header = Credential("header", "Authorization", "tok123", "Bearer {token}")
    query = Credential("query", "api_key", "k-1")
    with_header = apply_credential(request, header)
    assert with_header.header("Authorization") == "Bearer tok123"
    assert strip_credentials(with_header, header).header("Authorization") is None
    with_query = apply_credential(request, query)
    assert "api_key=k-1" in with_query.url and "x=1" in with_query.url
    assert "api_key" not in strip_credentials(with_query, query).url
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
    junk = junk_like(jwt_like)
    assert junk.startswith("eyJhbGciOiJIUzI1NiJ9.") and junk != jwt_like and junk.count(".") == 2
    assert len(junk_like("deadbeef" * 4)) == 32


def test_build_request_fills_owned_values_examples_and_bodies() -> None:
    operation = Operation(
        "POST",
        "/orgs/{org}/orders/{order_id}",
        parameters=(
            Parameter("org", ParamLocation.PATH, True, {"type": "string"}, "acme"),
            Parameter("order_id", ParamLocation.PATH, True, {"type": "integer"}),
            Parameter("expand", ParamLocation.QUERY, True, {"type": "string"}, "items"),
            Parameter("debug", ParamLocation.QUERY, False, {"type": "boolean"}, True),
        ),
        request_body=RequestBody("application/json", {}, {"note": "hi there"}),
    )
    request = build_request("http://h", operation, {"order_id": [42, 43]})
    assert request.url == "http://h/orgs/acme/orders/42?expand=items"
    assert request.body == b'{"note": "hi there"}'
    assert request.header("Content-Type") == "application/json"


def test_curl_command_keeps_placeholders_expandable_and_escapes_the_rest() -> None:
    request = HttpRequest(
        "POST",
        "http://h/x?a=1&b=$(id)",
        (("Authorization", "Bearer $ALICE_TOKEN"), ("User-Agent", "authsift")),
        b'{"q": "`x`"}',
    )
    command = curl_command(Exchange(1, request, None))
    # what bash makes of it, with the placeholder set in the environment
    printed = subprocess.run(
        ["bash", "-c", "set -- " + command + "; printf '%s\\0' \"$@\""],
        env={"ALICE_TOKEN": "tok", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    ).stdout
    words = printed.decode().split("\0")[:-1]
    assert words[:5] == ["curl", "-i", "-X", "POST", "http://h/x?a=1&b=$(id)"]
    assert "Authorization: Bearer tok" in words
    assert not any("User-Agent" in w for w in words)
    assert words[-1] == '{"q": "`x`"}'


def test_operation_patterns() -> None:
    assert operation_matches("GET /admin/*", "GET", "/admin/users")
    assert operation_matches("* /internal/*", "DELETE", "/internal/reset")
    assert not operation_matches("POST /admin/*", "GET", "/admin/users")
    assert operation_matches("/health", "GET", "/health/")


def test_plan_respects_safety_needs_and_representatives() -> None:
    ops = [
        Operation("GET", "/me", security=({"b": ()},)),
        Operation("GET", "/orders/{id}", parameters=(Parameter("id", ParamLocation.PATH, True),)),
        Operation(
            "DELETE", "/orders/{id}", parameters=(Parameter("id", ParamLocation.PATH, True),)
        ),
        Operation("GET", "/health", security=()),
        Operation("GET", "/admin/users", tags=("admin",)),
    ]
    assert [op.path for op in representative_operations(ops)] == ["/me"]
    checks = {cid: cls() for cid, cls in registry().items() if cid.startswith("authz-")}
    identities = [
        IdentityInfo("alice", "user", False, "login"),
        IdentityInfo("carol", "admin", True, "login"),
    ]
    plan = make_plan(checks, ops, identities, exclude_ops=["GET /admin/*"], preflight_requests=5)
    keys = {(t.check_id, t.operation.key if t.operation else None) for t in plan.tasks}
    assert ("authz-unauthenticated-access", "GET /me") in keys
    assert ("authz-unauthenticated-access", "DELETE /orders/{id}") not in keys  # read-only scan
    assert ("authz-unauthenticated-access", "GET /health") not in keys  # declared public
    assert ("authz-invalid-credential-accepted", "GET /me") in keys  # API-wide: representative only
    assert not any(t.operation and t.operation.path.startswith("/admin") for t in plan.tasks)
    assert plan.estimated_requests == 5 + plan.baseline_requests + plan.check_requests
    reasons = {s.reason for s in plan.skipped}
    assert "excluded by operations.exclude" in reasons
    assert "state-changing operation: needs checks.intrusive" in reasons
    nobody = make_plan(checks, ops, [])
    assert not nobody.tasks and all(
        s.reason.startswith("needs ") for s in nobody.skipped if s.check_id != "*"
    )


def test_selection_takes_ids_families_and_all_and_refuses_anything_else() -> None:
    catalogue = registry()
    every = resolve_selection(catalogue, ["all"], [])
    assert set(every.chosen) == set(catalogue) and not every.left_out
    jwt = resolve_selection(catalogue, ["jwt", "authz-bola-read"], ["jwt-alg-none"])
    assert "authz-bola-read" in jwt.chosen and "jwt-kid-injection" in jwt.chosen
    assert jwt.left_out["jwt-alg-none"] == "excluded by checks.exclude"
    assert jwt.left_out["authz-bola-write"] == "not in checks.include"
    with pytest.raises(SelectionError, match=r'"authz-bola" \(did you mean authz-bola-read\?\)'):
        resolve_selection(catalogue, ["authz-bola"], [])
    with pytest.raises(SelectionError, match="unknown checks or families"):
        resolve_selection(catalogue, ["all"], ["nope-one", "nope-two"])
    without_oauth = {k: v for k, v in catalogue.items() if not k.startswith("oauth-")}
    with pytest.raises(SelectionError, match="oauth has no checks yet"):
        resolve_selection(without_oauth, ["oauth"], [])
    with pytest.raises(SelectionError, match="removes every check"):
        resolve_selection(catalogue, ["authz"], ["authz"])


def test_an_empty_plan_says_why_in_one_line() -> None:
    checks = {"authz-bola-write": registry()["authz-bola-write"]()}
    ops = [Operation("GET", "/me", security=({"b": ()},))]
    alone = [IdentityInfo("alice", "user", False, "login")]
    plan = make_plan(checks, ops, alone, intrusive=True)
    assert not plan.tasks
    assert nothing_to_test(plan) == (
        "nothing to test: authz-bola-write: needs two identities, at least one of them not "
        "privileged"
    )
    two = [*alone, IdentityInfo("bob", "user", False, "login")]
    nothing = make_plan(checks, ops, two, intrusive=True, exclude_ops=["GET /me"])
    assert "no operation is left to probe (excluded by operations.exclude)" in nothing_to_test(
        nothing
    )


def test_results_that_prove_different_things_never_merge_and_a_merge_keeps_the_worst() -> None:
    """Issue 9: two results of one check on one scope (an info note, then a high finding) must
    not share a fingerprint; an API-wide confirmation on another operation joins the finding,
    keeping the highest severity with that result's own evidence."""
    from authsift.engine.findings import make_finding
    from authsift.engine.runner import _merge_api_wide
    from authsift.model import Confidence, Severity
    from authsift.plan import Task

    check = registry()["jwt-token-type-confusion"]()
    exchange = Exchange(1, HttpRequest("GET", "http://127.0.0.1/me", (), None), None)

    def result(title: str | None, severity: Severity) -> Any:
        return make_finding(
            check,
            Redactor(),
            operation=None,
            attacker="alice",
            title=title,
            description="d",
            evidence=[],
            confidence=Confidence.CERTAIN,
            severity=severity,
            victim=None,
            reproduce=exchange,
            details=None,
        )

    note = result("Access token not typed at+jwt", Severity.INFO)
    proof = result(None, Severity.HIGH)
    assert note.fingerprint != proof.fingerprint
    assert proof.fingerprint == result(check.title, Severity.HIGH).fingerprint  # stable
    me, other = Operation("GET", "/me"), Operation("GET", "/profile")
    findings = [result(None, Severity.MEDIUM)]
    assert _merge_api_wide(findings, proof, Task(check.id, other, None, 1))
    assert [f.severity for f in findings] == [Severity.HIGH]
    assert findings[0].details["confirmed_on"] == ["GET /profile"]
    assert not _merge_api_wide(findings, note, Task(check.id, me, None, 1))  # a different result
