"""Calibration: soft 404, login redirects and 200-with-error bodies are refusals in disguise."""

from __future__ import annotations

from typing import Any

import pytest

from authsift.analysis import Calibration, calibrate
from authsift.analysis.rejection_shapes import error_body_reason, is_login_location
from authsift.model import HttpResponse
from tests.analysis.analysis_factories import ALICE, HTML_HEADERS, json_response, text_response

SPA_INDEX = (
    '<!doctype html><html><head><title>Shop</title><script src="/static/app.3f9a.js"></script>'
    '</head><body><div id="root"></div><noscript>Enable JavaScript</noscript></body></html>'
)


def spa(status: int = 200) -> HttpResponse:
    return HttpResponse(status=status, headers=HTML_HEADERS, body=SPA_INDEX.encode())


def test_spa_index_for_every_path_is_a_soft_404() -> None:
    calibration = calibrate(unknown_path=[spa(), spa()])
    assert calibration.serves_soft_404
    assert calibration.looks_like_soft_404(spa())
    reason = calibration.looks_like_rejection(spa())
    assert reason is not None and "soft 404" in reason
    assert not calibration.looks_like_soft_404(json_response(200, ALICE))
    assert calibration.looks_like_rejection(json_response(200, ALICE)) is None


def test_an_honest_404_is_not_a_soft_404() -> None:
    calibration = calibrate(unknown_path=[json_response(404, {"detail": "Not Found"})])
    assert not calibration.serves_soft_404
    assert not calibration.looks_like_soft_404(json_response(200, {"detail": "Not Found"}))


@pytest.mark.parametrize(
    "location",
    [
        "/login?next=/me",
        "https://app.example.com/users/sign_in",
        "/auth/",
        "https://idp.example.com/oauth2/authorize?client_id=x",
        "/Account/LogOn",
        "/cas/login.php",
    ],
)
def test_redirects_to_login_pages_are_refusals(location: str) -> None:
    response = HttpResponse(status=302, headers=(("Location", location),))
    assert is_login_location(location)
    assert NO_CAL.looks_like_rejection(response) is not None


@pytest.mark.parametrize("location", ["/authors/5", "/me/", "/orders?page=2", "/catalog"])
def test_other_redirects_are_not_refusals(location: str) -> None:
    response = HttpResponse(status=301, headers=(("Location", location),))
    assert NO_CAL.looks_like_rejection(response) is None


def test_learned_login_location_is_recognised_whatever_its_name() -> None:
    valid = json_response(200, ALICE)
    anonymous = HttpResponse(status=302, headers=(("Location", "/portal/entry?x=1"),))
    calibration = calibrate(unauthenticated=[(valid, anonymous)])
    elsewhere = HttpResponse(status=303, headers=(("Location", "https://api.test/portal/entry"),))
    assert calibration.looks_like_rejection(elsewhere) is not None


@pytest.mark.parametrize(
    "body",
    [
        {"error": "invalid_token"},
        {"error": {"code": 401, "message": "bad"}},
        {"success": False, "data": None},
        {"ok": False},
        {"status": "error", "message": "x"},
        {"status": "fail", "data": {"token": "required"}},
        {"code": 401, "msg": "x"},
        {"statusCode": "403"},
        {"code": "UNAUTHORIZED"},
        {"message": "Unauthorized"},
        {"detail": "Authentication credentials were not provided."},
        {"msg": "Token has expired"},
        {"errors": [{"message": "Not authorised"}], "data": None},
    ],
)
def test_200_with_error_bodies_are_refusals(body: dict[str, Any]) -> None:
    assert error_body_reason(body) is not None
    assert NO_CAL.looks_like_rejection(json_response(200, body)) is not None


@pytest.mark.parametrize(
    "body",
    [
        ALICE,
        {"error": None, "data": {"id": 1}},
        {"errors": [{"message": "field x deprecated"}], "data": {"me": {"id": 1}}},
        {"status": "failed", "id": 9, "amount": 5},  # a payment whose status is "failed"
        {"id": 1, "from": "bob", "to": "alice", "message": "forbidden fruit", "at": "x", "read": 1},
        {"code": 200, "data": {"id": 1}},
        [{"error": "x"}],
    ],
)
def test_ordinary_bodies_are_not_refusals(body: Any) -> None:
    assert error_body_reason(body) is None
    assert NO_CAL.looks_like_rejection(json_response(200, body)) is None


def test_login_form_page_is_a_refusal() -> None:
    page = '<html><form action="/login"><input name="u"><input type="password" name="p"></form>'
    assert NO_CAL.looks_like_rejection(text_response(200, page, "text/html")) is not None


def test_learned_error_page_needs_a_credential_that_changed_the_answer() -> None:
    valid = json_response(200, ALICE)
    anonymous = json_response(200, {"user": None, "greeting": "hello stranger"})
    calibration = calibrate(unauthenticated=[(valid, anonymous)])
    assert calibration.looks_like_rejection(anonymous) is not None
    # a public endpoint answering the same with and without credentials teaches nothing
    public = calibrate(unauthenticated=[(valid, valid)])
    assert public.error_pages == ()
    assert public.looks_like_rejection(valid) is None


def test_non_success_statuses_are_left_to_the_judge() -> None:
    assert NO_CAL.looks_like_rejection(json_response(500, {"error": "boom"})) is None


NO_CAL = Calibration()
