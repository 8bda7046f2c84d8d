"""Each rate-limiting and enumeration flaw of the lab, proven with plain HTTP in ≤ ~30 requests.

Runs three ways per flaw (`mode`): the flaw alone, every flaw on, the hardened twin. Every test
first moves the lab's clock an hour ahead, so that the windows left by earlier tests are empty.
"""

from __future__ import annotations

import re
import secrets
import statistics

from tests.lab._token_helpers import OFF, PASSWORDS, Lab, LabPool, Reply, http, pool

__all__ = ["pool"]  # the module-scoped LabPool fixture

WEB = "/auth/login"
MOBILE = "/auth/mobile/login"


def fresh(pool: LabPool, mode: str, flaw_id: str) -> Lab:
    lab = pool.for_mode(mode, flaw_id)
    lab.clock.advance(3600)
    return lab


def attempt(
    lab: Lab, username: str, password: str = "wrong-password", path: str = WEB, **headers: str
) -> Reply:
    body = {"username": username, "password": password}
    return http("POST", lab.url + path, json_body=body, headers=headers)


def test_login_bruteforce_one_account(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-login-bruteforce-account")
    statuses = [attempt(lab, "alice").status for _ in range(12)]
    limited = 429 in statuses
    assert limited is (mode == OFF)
    if mode == OFF:
        first_limit = statuses.index(429)
        assert first_limit == 5  # five failures per account per minute, then 429
        limited_reply = attempt(lab, "alice")
        assert limited_reply.header("Retry-After") is not None
    else:
        assert attempt(lab, "alice", PASSWORDS["alice"]).status == 200  # no silent lockout


def test_credential_stuffing_across_accounts(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-credential-stuffing-spray")
    statuses = [
        attempt(lab, f"user{n}-{secrets.token_hex(3)}@example.com").status for n in range(24)
    ]
    assert (429 in statuses) is (mode == OFF)
    if mode == OFF:
        assert statuses.index(429) == 20  # twenty failures per client address per minute


def limit_mobile_login(lab: Lab) -> None:
    """Six wrong passwords for alice on the mobile login: the sixth is refused in every mode."""
    statuses = [attempt(lab, "alice", path=MOBILE).status for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429, statuses


def test_forwarded_header_resets_the_limit(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-bypass-forwarded-headers")
    limit_mobile_login(lab)
    spoofed = [
        attempt(lab, "alice", path=MOBILE, **{"X-Forwarded-For": f"203.0.113.{n}"}).status
        for n in range(1, 6)
    ]
    control = attempt(lab, "alice", path=MOBILE).status
    assert control == 429
    assert (spoofed == [401] * 5) is (mode != OFF)
    if mode == OFF:
        assert set(spoofed) == {429}


def test_username_variants_reset_the_limit(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-bypass-request-variants")
    limit_mobile_login(lab)
    variants = [
        attempt(lab, name, path=MOBILE).status
        for name in ("ALICE", "Alice", " alice", "alice ", "aLiCe")
    ]
    assert attempt(lab, "alice", path=MOBILE).status == 429  # control stays limited
    assert (variants == [401] * 5) is (mode != OFF)
    if mode == OFF:
        assert set(variants) == {429}
    # the variants log in as alice: the lookup normalizes, only the limiter did not
    lab.clock.advance(3600)
    assert attempt(lab, " ALICE ", PASSWORDS["alice"], path=MOBILE).status == 200


def request_reset(lab: Lab, username: str, captcha: str | None = None) -> Reply:
    body: dict[str, str] = {"username": username}
    if captcha is not None:
        body["captcha_token"] = captcha
    return http("POST", lab.url + "/auth/password-reset", json_body=body)


def solved_captcha(lab: Lab) -> str:
    token: str = http("POST", lab.url + "/_lab/captcha").json()["captcha_token"]
    return token


def test_captcha_skipped_when_omitted(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-captcha-not-enforced")
    assert (request_reset(lab, "carol").status == 202) is (mode != OFF)
    assert request_reset(lab, "carol", "garbage").status == 400
    solved = solved_captcha(lab)
    assert request_reset(lab, "carol", solved).status == 202
    assert request_reset(lab, "carol", solved).status == 400  # single use in every mode


def test_reset_code_guessing(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-otp-bruteforce")
    assert request_reset(lab, "bob", solved_captcha(lab)).status == 202
    code = http("GET", lab.url + "/_lab/mailbox/bob").json()["messages"][-1]["code"]
    wrong = [c for c in (f"{n:06d}" for n in range(12)) if c != code][:10]
    confirm = lab.url + "/auth/password-reset/confirm"

    def submit(guess: str) -> int:
        body = {"username": "bob", "code": guess, "new_password": PASSWORDS["bob"]}
        return http("POST", confirm, json_body=body).status

    statuses = [submit(guess) for guess in wrong]
    assert (429 in statuses) is (mode == OFF)
    right_code_works = submit(code) == 200
    assert right_code_works is (mode != OFF)
    if mode != OFF:
        assert submit(code) == 200  # and it can be used again


def test_unknown_user_answered_differently(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-user-enum-response")
    known = attempt(lab, "alice")
    unknown = attempt(lab, f"nobody-{secrets.token_hex(4)}")
    same = (known.status, known.body) == (unknown.status, unknown.body)
    assert same is (mode == OFF)


def test_unknown_user_answered_faster(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-user-enum-timing")
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(5):  # within the hardened limits: 5 per account, 20 per client
        known.append(attempt(lab, "alice").elapsed)
        unknown.append(attempt(lab, f"ghost-{secrets.token_hex(4)}").elapsed)
    fast = statistics.median(unknown) < 0.5 * statistics.median(known)
    assert fast is (mode != OFF), (known, unknown)


def test_introspection_without_client_authentication(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-token-guessing")
    guess = http("POST", lab.url + "/oauth/introspect", form={"token": secrets.token_urlsafe(16)})
    assert (guess.status == 200 and guess.json() == {"active": False}) is (mode != OFF)
    authenticated = http(
        "POST",
        lab.url + "/oauth/introspect",
        form={
            "token": secrets.token_urlsafe(16),
            "client_id": "reporting-bot",
            "client_secret": PASSWORDS["reporting-bot"],
        },
    )
    assert authenticated.status == 200 and authenticated.json()["active"] is False


_STRUCTURED_POLICY = re.compile(r'^"[a-z]+";q=\d+;w=\d+$')
_STRUCTURED_LIMIT = re.compile(r'^"[a-z]+";r=\d+;t=\d+$')


def test_ratelimit_headers_well_formed(pool: LabPool, mode: str) -> None:
    lab = fresh(pool, mode, "rl-ratelimit-headers")
    reply = attempt(lab, "alice", path=MOBILE)
    policy, limit = reply.header("RateLimit-Policy") or "", reply.header("RateLimit") or ""
    well_formed = bool(_STRUCTURED_POLICY.match(policy) and _STRUCTURED_LIMIT.match(limit))
    assert well_formed is (mode == OFF), (policy, limit)
    for _ in range(5):
        refused = attempt(lab, "alice", path=MOBILE)
    assert refused.status == 429
    assert (refused.header("Retry-After") is not None) is (mode == OFF)


def test_other_secret_checks_are_throttled_in_every_mode(pool: LabPool, mode: str) -> None:
    """Not a flaw: client-secret guessing and reset-mail requests are limited whatever is on."""
    lab = fresh(pool, mode, "rl-login-bruteforce-account")
    guesses = [
        http(
            "POST",
            lab.url + "/oauth/token",
            form={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic cmVwb3J0aW5nLWJvdDp3cm9uZw=="},  # reporting-bot:wrong
        )
        for _ in range(6)
    ]
    assert [g.status for g in guesses] == [401] * 5 + [429]
    requests = [request_reset(lab, "nobody", "garbage").status for _ in range(6)]
    assert requests == [400] * 5 + [429]
