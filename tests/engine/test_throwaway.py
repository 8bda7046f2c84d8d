"""Throwaway sessions against the real lab: a second, independent login of a configured identity
whose logout, refresh and replay never touch the identity's working session."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from authsift.engine.auth import AuthManager, IdentitySpec, Locator, LoginRecipe
from authsift.engine.credentials import Credential
from authsift.engine.redact import Redactor
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession, SessionSettings
from authsift.engine.throwaway import Throwaways, ThrowawayUnavailable
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import HttpRequest

BEARER = Credential("header", "Authorization", "", "Bearer {token}")


def alice() -> IdentitySpec:
    recipe = LoginRecipe(
        method="POST",
        path="/auth/login",
        token=Locator("body", "$.access_token"),
        apply=BEARER,
        json_body={"username": "alice", "password": "alice-lab-pass-1"},
        refresh_token=Locator("body", "$.refresh_token"),
    )
    return IdentitySpec(
        "alice", "user", "login", login=recipe, refresh_endpoint=("POST", "/auth/refresh")
    )


def static() -> IdentitySpec:
    return IdentitySpec("key", "user", "bearer", static=BEARER.with_token("k" * 20))


@pytest.fixture(scope="module")
def hardened() -> Iterator[str]:
    with run_in_thread(LabSettings.hardened_twin()) as url:
        yield url


@pytest.fixture
async def manager(hardened: str) -> AsyncIterator[tuple[AuthManager, HttpSession]]:
    auth = AuthManager([alice(), static()], hardened, Redactor())
    settings = SessionSettings(rate=0, intrusive=True)
    async with HttpSession(Scope(hardened), settings, credentials=auth) as session:
        auth.bind(session)
        assert await auth.login_all() == {}
        yield auth, session


async def test_throwaway_is_independent_of_the_working_session(
    manager: tuple[AuthManager, HttpSession], hardened: str
) -> None:
    auth, session = manager
    working = auth.states["alice"]
    before = (working.credential, working.refresh_token, working.generation)
    throwaway = await Throwaways(auth).login("alice")
    assert (working.credential, working.refresh_token, working.generation) == before
    assert throwaway.identity == "alice" and throwaway.label.startswith("alice-throwaway-")
    assert working.credential is not None and throwaway.token != working.credential.token
    assert throwaway.refresh_token and throwaway.refresh_token != working.refresh_token
    assert throwaway.id_token and throwaway.expires_in == 300
    assert throwaway.refresh_endpoint == ("POST", hardened + "/auth/refresh")
    # every secret it obtained is redacted, under its own placeholder
    for secret in (throwaway.token, throwaway.refresh_token, throwaway.id_token):
        assert secret not in auth.redactor.text(f"x {secret} y")
    assert "$ALICE_THROWAWAY" in auth.redactor.text(throwaway.token)

    me = HttpRequest("GET", hardened + "/auth/session")
    assert (await session.send(throwaway.apply(me))).status == 200
    logout = await session.send(throwaway.apply(HttpRequest("POST", hardened + "/auth/logout")))
    assert logout.status == 204
    assert (await session.send(throwaway.apply(me))).status == 401  # hardened: revoked
    # the working session never noticed: no renewal, same token, still accepted
    answer = await session.send(me, identity="alice")
    assert answer.status == 200
    assert (working.credential, working.refresh_token, working.generation) == before


async def test_refresh_rotates_and_replays(
    manager: tuple[AuthManager, HttpSession], hardened: str
) -> None:
    auth, session = manager
    throwaways = Throwaways(auth)
    first = await throwaways.login("alice")
    rotated = await throwaways.refresh(first)
    assert rotated.accepted and rotated.session is not None
    second = rotated.session
    assert second.generation == 1 and second.refresh_token != first.refresh_token
    assert second.token != first.token
    assert second.token not in auth.redactor.text(second.token)
    replay = await throwaways.refresh(first, first.refresh_token)  # RT1 again: reuse
    assert not replay.accepted and replay.status == 400
    assert replay.exchange.response is not None
    assert json.loads(replay.exchange.response.body)["error"] == "invalid_grant"
    family = await throwaways.refresh(second)  # hardened: the whole family is revoked
    assert not family.accepted
    me = HttpRequest("GET", hardened + "/auth/session")
    assert (await session.send(me, identity="alice")).status == 200


async def test_static_identity_has_no_throwaway(manager: tuple[AuthManager, HttpSession]) -> None:
    auth, _ = manager
    throwaways = Throwaways(auth)
    assert "static credential" in (throwaways.can_login("key") or "")
    with pytest.raises(ThrowawayUnavailable, match="static credential"):
        await throwaways.login("key")
    assert "no identity named" in (throwaways.can_login("nobody") or "")
