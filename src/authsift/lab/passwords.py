"""Password verification with a deliberately slow hash, and the timing it must not leak.

The store keeps lab passwords in plain text (the demo config logs in with them); this module
hashes them with PBKDF2-HMAC-SHA256 as a real service would store them, so that a login costs a
real hash (~25 ms). Hardened, an unknown username is checked against a dummy hash so that it
costs the same as a wrong password (ASVS 5 V6.3.8, CWE-208). The flaw `rl-user-enum-timing`
returns early for unknown users, the "optimisation" that makes the difference measurable.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets

from authsift.lab.flaws import LabSettings
from authsift.lab.users import User

PBKDF2_ITERATIONS = 80_000  # ~25 ms on a 2-core CI runner: the timing flaw stands out


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)


@functools.lru_cache(maxsize=256)
def _stored_hash(password: str) -> tuple[bytes, bytes]:
    """(salt, hash) of a stored password, computed once per process like a user table row."""
    salt = secrets.token_bytes(16)
    return salt, _derive(password, salt)


class PasswordBook:
    def __init__(self, settings: LabSettings) -> None:
        self.settings = settings
        self._dummy_salt = secrets.token_bytes(16)

    def _stored(self, user: User) -> tuple[bytes, bytes]:
        """(salt, hash) of the user's current password, hashed once per password."""
        return _stored_hash(user.password)

    def _check_sync(self, user: User | None, password: str) -> bool:
        if user is None:
            if self.settings.on("rl-user-enum-timing"):
                return False  # "no account, no need to hash"
            _derive(password, self._dummy_salt)  # same cost as a wrong password
            return False
        salt, expected = self._stored(user)
        return hmac.compare_digest(_derive(password, salt), expected)

    async def check(self, user: User | None, password: str) -> bool:
        """True if `password` is the user's; runs the hash off the event loop."""
        return await asyncio.to_thread(self._check_sync, user, password)

    def prime(self, users: list[User]) -> None:
        """Hash every known password up front so that the first login is not slower."""
        for user in users:
            self._stored(user)
