"""The lab's accounts and the principal a request resolves to.

Shared by the token side (login, JWTs, refresh, rate limits: `lab/auth*.py`) and the resource
side (objects, admin, API keys: `lab/routes_*.py`). The store is mutable on purpose: admins
disable users and change roles, users change e-mail and password, and the token side must see it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Literal


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    email: str
    role: str  # "user" | "admin" | "service"
    password: str  # lab only: plain text so the demo config can log in; never returned by the API
    full_name: str = ""
    disabled: bool = False
    password_version: int = 0  # bumped on password change; tokens carry it when hardened


# The demo accounts. Passwords are lab-only and appear in lab/authsift.yaml.
DEFAULT_USERS: tuple[User, ...] = (
    User(1, "alice", "alice@lab.example", "user", "alice-lab-pass-1", "Alice Liddell"),
    User(2, "bob", "bob@lab.example", "user", "bob-lab-pass-2", "Bob Builder"),
    User(3, "carol", "carol@lab.example", "admin", "carol-lab-pass-3", "Carol Danvers"),
    User(4, "reporting-bot", "bot@lab.example", "service", "bot-lab-pass-4", "Reporting client"),
    # Not a scan identity: the disposable account whose password and role the lifecycle checks
    # change and change back (authsift.yaml `lifecycle.accounts`).
    User(5, "dave", "dave@lab.example", "user", "dave-lab-pass-5", "Dave Disposable"),
    # Not a scan identity either: the throwaway the noisy rate-limiting checks may lock out
    # (authsift.yaml `abuse.account`).
    User(6, "erin", "erin@lab.example", "user", "erin-lab-pass-6", "Erin Expendable"),
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, after authentication. `via` says which credential proved it."""

    user: User
    via: Literal["jwt", "apikey", "header"]
    scopes: frozenset[str] = field(default_factory=frozenset)
    role: str = ""  # the role authorization decisions use (normally the store's, see token flaws)
    claims: dict[str, object] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return (self.role or self.user.role) == "admin"


class UserStore:
    """Thread-safe because uvicorn may run sync handlers in a thread pool."""

    def __init__(self, users: tuple[User, ...] = DEFAULT_USERS) -> None:
        self._lock = threading.Lock()
        self._by_id = {u.id: u for u in users}

    def all(self) -> list[User]:
        with self._lock:
            return sorted(self._by_id.values(), key=lambda u: u.id)

    def by_id(self, user_id: int) -> User | None:
        with self._lock:
            return self._by_id.get(user_id)

    def by_username(self, username: str) -> User | None:
        with self._lock:
            for user in self._by_id.values():
                if user.username == username:
                    return user
            return None

    def update(self, user_id: int, **changes: object) -> User:
        with self._lock:
            user = replace(self._by_id[user_id], **changes)  # type: ignore[arg-type]
            self._by_id[user_id] = user
            return user
