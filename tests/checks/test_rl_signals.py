"""The limit-signal detector's pure logic (CHECKS.md §2 "Counts as limited"); the real-server
behaviour is in test_rl_login_bruteforce_account.py."""

from __future__ import annotations

from authsift.checks.ratelimit._signals import (
    LimitWatch,
    Signal,
    limited_alone,
    ordinary_alone,
)
from authsift.model import Exchange, HttpRequest, HttpResponse

REQUEST = HttpRequest("POST", "http://127.0.0.1:1/login")


def answer(status: int, body: str = "", elapsed: float = 0.01, **headers: str) -> Exchange:
    response = HttpResponse(status, tuple(headers.items()), body.encode(), elapsed)
    return Exchange(1, REQUEST, response)


F = '{"error": "invalid_credentials", "message": "Wrong user name or password, try again"}'


def watch() -> LimitWatch:
    return LimitWatch([answer(401, F), answer(401, F), answer(401, F)])


def test_statuses_wording_captcha_and_quota() -> None:
    w = watch()
    assert w.classify(answer(401, F))[0] is None  # F itself, its "try again" included
    assert w.classify(answer(429, "slow", **{"Retry-After": "7"})) == (
        "HTTP 429 Too Many Requests",
        "Retry-After: 7",
    )
    assert w.classify(answer(423, ""))[0] == "HTTP 423 Locked"
    assert w.classify(answer(503, ""))[1] == "no Retry-After"
    locked = '{"error": "locked", "message": "Account temporarily locked"}'
    assert w.classify(answer(401, locked))[0] == "lockout wording"
    captcha = '{"error": "captcha_required", "message": "Wrong user name or password"}'
    assert w.classify(answer(401, captcha))[0] == "CAPTCHA demanded"
    assert w.classify(answer(401, F, RateLimit='"peer";r=0;t=30'))[0] == "RateLimit quota exhausted"
    assert w.classify(answer(401, F, RateLimit='"peer";r=10;t=30'))[0] is None


def test_growing_delay_needs_twice_the_baseline_and_one_more_second() -> None:
    w = watch()
    for elapsed in (0.4, 0.5, 0.6, 0.7):  # slower, but not +1 s
        assert w.observe(answer(401, F, elapsed), now=1.0) is None
    signal = None
    for elapsed in (1.2, 1.4, 1.6):
        signal = w.observe(answer(401, F, elapsed), now=2.0)
    assert isinstance(signal, Signal) and signal.kind == "growing delay"
    assert signal.failures == 3 + 6  # baseline + the ordinary answers before it
    assert signal.describe().startswith("growing delay after 9 failures in 2.0 s")


def test_correct_password_refused_is_a_silent_lockout() -> None:
    w = watch()
    assert w.correct_refused(answer(200, '{"token": "t"}'), now=1.0) is None
    refused = w.correct_refused(answer(401, F), now=1.0)
    assert refused is not None and refused.kind == "correct password refused afterwards"


def test_signals_alone_and_ordinary_answers_without_a_baseline() -> None:
    assert limited_alone(answer(403, '{"detail": "Too many failed attempts."}')) == (
        "lockout wording"
    )
    assert limited_alone(answer(401, F)) is None  # "try again" alone is an ordinary failure
    blocked = answer(403, '{"detail": "Too many failed attempts."}')
    assert ordinary_alone(answer(401, F), blocked)
    assert not ordinary_alone(answer(404, "no route"), blocked)
    assert not ordinary_alone(blocked, blocked)
