"""The judge (CHECKS.md §1.2): accepted only with every proof, rejected on refusals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authsift.analysis import (
    Baseline,
    Judgement,
    Verdict,
    calibrate,
    confirm,
    confirmation_failure,
    identity_markers,
    judge,
)
from authsift.model import HttpResponse
from tests.analysis.analysis_factories import (
    ALICE,
    BOB,
    HTML_HEADERS,
    NO_CALIBRATION,
    NOT_AUTHENTICATED,
    json_response,
    profile_baseline,
    text_response,
    with_changes,
)

BASELINE = profile_baseline()
VALID = BASELINE.reference
FORGED_ANSWER = json_response(
    200,
    with_changes(
        ALICE, request_id="abcdefab-0000-4000-8000-000000000001", server_time="2026-11-28T10:01:00Z"
    ),
)

bodies = st.sampled_from(
    [
        VALID.body,
        FORGED_ANSWER.body,
        b"",
        b"{}",
        b'{"detail": "Not authenticated"}',
        b"<html>hi</html>",
    ]
) | st.binary(max_size=64)
header_sets = st.sampled_from(
    [(), (("Content-Type", "application/json"),), (("Location", "/me"),), (("Location", "/login"),)]
)
never_accepted_statuses = (
    st.sampled_from([401, 403]) | st.integers(300, 399) | st.integers(500, 599)
)


@settings(max_examples=200, deadline=None)
@given(never_accepted_statuses, bodies, header_sets)
def test_refusals_redirects_and_server_errors_are_never_accepted(
    status: int, body: bytes, headers: tuple[tuple[str, str], ...]
) -> None:
    response = HttpResponse(status=status, headers=headers, body=body)
    judgement = judge(response, BASELINE, NO_CALIBRATION)
    assert judgement.verdict is not Verdict.ACCEPTED
    if status in (401, 403):
        assert judgement.verdict is Verdict.REJECTED


def test_no_response_is_inconclusive() -> None:
    judgement = judge(None, BASELINE, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE
    assert "timeout" in judgement.reason


answer_statuses = st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 429, 500])
answer_bodies = st.sampled_from(
    [
        VALID.body,
        b"{}",
        b'{"data": []}',
        b'{"detail": "Not authenticated"}',
        b"OK",
        b"<html>x</html>",
    ]
)


@settings(max_examples=200, deadline=None)
@given(answer_statuses, answer_bodies, answer_statuses, answer_bodies)
def test_an_answer_identical_to_the_no_credential_baseline_is_never_accepted(
    valid_status: int, valid_body: bytes, none_status: int, none_body: bytes
) -> None:
    valid = HttpResponse(status=valid_status, headers=HTML_HEADERS, body=valid_body)
    none = HttpResponse(status=none_status, headers=HTML_HEADERS, body=none_body)
    baseline = Baseline.from_responses((valid, valid), none=none)
    assert judge(none, baseline, NO_CALIBRATION).verdict is not Verdict.ACCEPTED


def test_forged_token_answered_like_the_valid_profile_is_accepted() -> None:
    judgement = judge(FORGED_ANSWER, BASELINE, NO_CALIBRATION)
    assert judgement.verdict is Verdict.ACCEPTED, judgement.reason
    assert judgement.sim_valid == 1.0
    assert judgement.sim_none is not None and judgement.sim_none < 0.9
    assert judgement.markers_found == BASELINE.markers
    assert BASELINE.markers == frozenset({"1042", "alice", "alice@example.com", "Alice Liddell"})


def test_refusals_by_status_and_by_likeness_to_rejected_baselines() -> None:
    assert judge(json_response(401, {"x": 1}), BASELINE, NO_CALIBRATION).verdict is Verdict.REJECTED
    # 200 carrying the very body this API gives without credentials (no known error shape)
    custom_refusal = {"realm": "shop", "hint": "send a bearer token"}
    baseline = profile_baseline(none=json_response(401, custom_refusal))
    judgement = judge(json_response(200, custom_refusal), baseline, NO_CALIBRATION)
    assert judgement.verdict is Verdict.REJECTED and "no-credential" in judgement.reason
    # ... but a 500 that happens to look like the 401 page is not a refusal
    crash = json_response(500, custom_refusal)
    assert judge(crash, baseline, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE


def test_200_with_error_body_is_rejected_not_accepted() -> None:
    judgement = judge(
        json_response(200, {"success": False, "error": "invalid token"}), BASELINE, NO_CALIBRATION
    )
    assert judgement.verdict is Verdict.REJECTED


def test_error_shaped_valid_baseline_makes_everything_inconclusive() -> None:
    error_page = json_response(200, {"status": "error", "message": "login first"})
    baseline = Baseline.from_responses((error_page, error_page), none=json_response(401, {}))
    assert (
        judge(json_response(200, ALICE), baseline, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE
    )


def test_spa_index_for_every_path_is_never_accepted() -> None:
    index = HttpResponse(status=200, headers=HTML_HEADERS, body=b"<html><div id=root></div></html>")
    calibration = calibrate(unknown_path=[index])
    # the probe got the SPA shell: a refusal in disguise
    judgement = judge(index, BASELINE, calibration)
    assert judgement.verdict is Verdict.REJECTED and "soft 404" in judgement.reason
    # the operation itself only ever serves the shell: nothing can be accepted
    shell_baseline = Baseline.from_responses((index, index), none=json_response(401, {}))
    assert judge(index, shell_baseline, calibration).verdict is not Verdict.ACCEPTED


def test_public_endpoint_does_not_depend_on_auth() -> None:
    catalog = json_response(
        200, {"products": [{"id": 1, "name": "Lamp"}, {"id": 2, "name": "Rug"}]}
    )
    baseline = Baseline.from_responses((catalog, catalog), none=catalog, junk=catalog)
    assert not baseline.depends_on_auth
    judgement = judge(catalog, baseline, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE
    assert "does not depend on the credential" in judgement.reason
    assert BASELINE.depends_on_auth


def test_list_endpoint_empty_for_everyone_is_not_accepted() -> None:
    empty = json_response(200, {"data": []})
    public = Baseline.from_responses((empty, empty), none=empty)
    assert judge(empty, public, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE
    # even when anonymous callers get a 401, an empty list proves nothing about whose data it is
    protected = Baseline.from_responses((empty, empty), none=json_response(401, NOT_AUTHENTICATED))
    judgement = judge(empty, protected, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE and "generic" in judgement.reason


def test_data_without_markers_is_accepted_when_it_carries_substance() -> None:
    orders = json_response(200, {"data": [{"sku": "LAMP-1", "qty": 2}]})
    baseline = Baseline.from_responses(
        (orders, orders),
        none=json_response(401, NOT_AUTHENTICATED),
        identity_markers=frozenset({"alice"}),
    )
    assert baseline.markers == frozenset()
    assert judge(orders, baseline, NO_CALIBRATION).verdict is Verdict.ACCEPTED


def test_another_users_profile_is_not_accepted_as_alices() -> None:
    bob = json_response(200, BOB)
    judgement = judge(bob, BASELINE, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE


def test_impersonation_proof_requires_the_victims_markers() -> None:
    bob_first = json_response(200, BOB)
    bob_baseline = Baseline.from_responses(
        (bob_first, bob_first),
        none=json_response(401, NOT_AUTHENTICATED),
        identity_markers=identity_markers(BOB),
    )
    forged_as_bob = judge(json_response(200, BOB), bob_baseline, NO_CALIBRATION)
    assert forged_as_bob.verdict is Verdict.ACCEPTED
    # same similarity, but demanding alice's markers: not proven
    wrong_markers = judge(
        json_response(200, BOB), bob_baseline, NO_CALIBRATION, markers=BASELINE.markers
    )
    assert (
        wrong_markers.verdict is Verdict.INCONCLUSIVE and "markers missing" in wrong_markers.reason
    )


def test_status_mismatch_and_other_statuses_are_inconclusive_with_reasons() -> None:
    created = HttpResponse(status=201, headers=FORGED_ANSWER.headers, body=FORGED_ANSWER.body)
    assert "where the valid request got 200" in judge(created, BASELINE, NO_CALIBRATION).reason
    for status, words in ((429, "rate limited"), (400, "not understood"), (503, "server error")):
        judgement = judge(json_response(status, {}), BASELINE, NO_CALIBRATION)
        assert judgement.verdict is Verdict.INCONCLUSIVE and words in judgement.reason


def test_login_redirect_is_a_refusal_other_redirects_inconclusive() -> None:
    to_login = HttpResponse(status=302, headers=(("Location", "/login?next=/me"),))
    assert judge(to_login, BASELINE, NO_CALIBRATION).verdict is Verdict.REJECTED
    elsewhere = HttpResponse(status=302, headers=(("Location", "/v2/me"),))
    assert judge(elsewhere, BASELINE, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE


def test_cached_answers_are_not_accepted() -> None:
    cached = json_response(200, ALICE, (("Age", "12"),))
    judgement = judge(cached, BASELINE, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE and "cache" in judgement.reason
    hit = json_response(200, ALICE, (("X-Cache", "HIT from edge"),))
    assert judge(hit, BASELINE, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE


def test_unusable_baselines() -> None:
    failed = Baseline.from_responses(
        (json_response(500, {}), json_response(500, {})), none=json_response(401, {})
    )
    assert failed.usable[0] is False and "500" in failed.usable[1]
    assert judge(FORGED_ANSWER, failed, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE
    flapping = Baseline.from_responses(
        (json_response(200, ALICE), json_response(200, BOB)), none=json_response(401, {})
    )
    assert flapping.usable[0] is False
    no_rejected = Baseline.from_responses((VALID, VALID))
    judgement = judge(FORGED_ANSWER, no_rejected, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE and "no rejected baseline" in judgement.reason


def test_text_endpoint_baseline() -> None:
    page = text_response(200, "<h1>Account of alice</h1><p>alice@example.com</p>", "text/html")
    baseline = Baseline.from_responses(
        (page, page),
        none=text_response(302, ""),
        identity_markers=frozenset({"alice@example.com", "1042"}),
    )
    assert baseline.markers == frozenset({"alice@example.com"})
    assert judge(page, baseline, NO_CALIBRATION).verdict is Verdict.ACCEPTED


def _judgement(verdict: Verdict) -> Judgement:
    return Judgement(verdict, "test", 1.0, 0.0, frozenset())


ACCEPTED, REJECTED = _judgement(Verdict.ACCEPTED), _judgement(Verdict.REJECTED)
INCONCLUSIVE = _judgement(Verdict.INCONCLUSIVE)


def test_confirmation_needs_reproduction_and_rejected_controls() -> None:
    assert confirm([ACCEPTED, ACCEPTED], [REJECTED, REJECTED])
    assert not confirm([ACCEPTED, INCONCLUSIVE], [REJECTED])
    assert not confirm([ACCEPTED, ACCEPTED], [REJECTED, ACCEPTED])  # the cache answers anyone
    assert not confirm([ACCEPTED, ACCEPTED], [INCONCLUSIVE])
    assert not confirm([ACCEPTED], [REJECTED])
    assert not confirm([ACCEPTED, ACCEPTED], [])
    reason = confirmation_failure([ACCEPTED, ACCEPTED], [ACCEPTED])
    assert reason is not None and "junk control 1" in reason


def test_fail_open_endpoint_accepts_junk_and_can_be_judged_without_it() -> None:
    # any credential gets alice's profile: the junk baseline is accepted
    fallback = json_response(200, ALICE)
    baseline = profile_baseline(junk=fallback)
    assert baseline.accepts_junk and not baseline.is_public and not baseline.depends_on_auth
    assert judge(FORGED_ANSWER, baseline, NO_CALIBRATION).verdict is Verdict.INCONCLUSIVE
    # a check whose probe *is* an invalid credential compares with valid and no-credential only
    stripped = baseline.without_junk()
    assert stripped.junk is None and stripped.depends_on_auth
    assert judge(FORGED_ANSWER, stripped, NO_CALIBRATION).verdict is Verdict.ACCEPTED


def test_a_refusal_shaped_answer_equal_to_the_valid_one_is_inconclusive_not_rejected() -> None:
    legacy_error = json_response(200, {"error": "report not found"})
    baseline = Baseline.from_responses(
        (legacy_error, legacy_error), none=json_response(401, NOT_AUTHENTICATED)
    )
    judgement = judge(legacy_error, baseline, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE and "baseline failed" in judgement.reason
    # a different refusal on the same operation is still a refusal
    other = json_response(200, {"success": False})
    assert judge(other, baseline, NO_CALIBRATION).verdict is Verdict.REJECTED


def test_text_answer_with_only_a_clock_is_generic() -> None:
    clock = text_response(200, "2026-11-28T10:00:00Z")
    baseline = Baseline.from_responses((clock, clock), none=text_response(401, "no"))
    judgement = judge(clock, baseline, NO_CALIBRATION)
    assert judgement.verdict is Verdict.INCONCLUSIVE and "generic" in judgement.reason
