"""Password-reset codes, the lab's test mailbox, and the CAPTCHA in front of the reset form.

Hardened (NIST 800-63B §5.2.2, ASVS 5 V6.5.1/V6.5.5/V6.6.3): a 6-digit code from the OS CSPRNG,
valid 10 minutes, single use, only the latest code counts, and 5 wrong guesses burn it and lock
the account's reset for 5 minutes. The CAPTCHA token is required and single use.

Flaws: `rl-otp-bruteforce` (no failure counter, code reusable, no expiry), `rl-captcha-not-enforced`
(the CAPTCHA is validated only when the client sends one — omit the field and it is skipped).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from authsift.lab.flaws import LabSettings
from authsift.lab.ratelimit import SlidingWindow, normalize_username

RESET_CODE_LIFETIME = 600
OTP_FAILURE_LIMIT = 5
OTP_LOCK_SECONDS = 300
RESET_REQUESTS_PER_MINUTE = 5


class Redemption(Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    LOCKED = "locked"


@dataclass(slots=True)
class _Code:
    code: str
    issued_at: float
    failures: int = 0
    used: bool = False


@dataclass(slots=True)
class _Mail:
    subject: str
    code: str
    sent_at: float


@dataclass(slots=True)
class _Account:
    code: _Code | None = None
    locked_until: float = 0.0
    mails: list[_Mail] = field(default_factory=list)


class ResetDesk:
    def __init__(self, settings: LabSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}
        self._captchas: set[str] = set()
        # each request may send an e-mail: a per-client budget keeps it from becoming a mailer
        self.request_budget = SlidingWindow(RESET_REQUESTS_PER_MINUTE, 60, clock)

    # ---------------------------------------------------------------- CAPTCHA

    def solve_captcha(self) -> str:
        """What a human solving the challenge would obtain (lab-only endpoint)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._captchas.add(token)
        return token

    def captcha_passes(self, token: str | None) -> bool:
        if not token and self.settings.on("rl-captcha-not-enforced"):
            # `if body.captcha_token: verify(...)` — the widget always sends it, so nobody
            # noticed that a request without the field is never challenged.
            return True
        with self._lock:
            if token in self._captchas:
                self._captchas.discard(token)  # single use
                return True
        return False

    # ---------------------------------------------------------------- codes

    def issue_code(self, username: str) -> None:
        """Mail a fresh code; it replaces any earlier one."""
        code = f"{secrets.randbelow(10**6):06d}"
        now = self.clock()
        with self._lock:
            account = self._accounts.setdefault(normalize_username(username), _Account())
            account.code = _Code(code, now)
            account.mails.append(_Mail("Your password reset code", code, now))

    def mailbox(self, username: str) -> list[dict[str, object]]:
        with self._lock:
            account = self._accounts.get(normalize_username(username))
            mails = list(account.mails) if account else []
        return [{"subject": m.subject, "code": m.code, "sent_at": m.sent_at} for m in mails]

    def redeem(self, username: str, code: str) -> tuple[Redemption, int]:
        """(verdict, Retry-After seconds when locked)."""
        flawed = self.settings.on("rl-otp-bruteforce")
        now = self.clock()
        with self._lock:
            account = self._accounts.get(normalize_username(username))
            if account is None:
                return Redemption.REJECTED, 0
            if not flawed and now < account.locked_until:
                return Redemption.LOCKED, max(1, int(account.locked_until - now))
            current = account.code
            if current is None:
                return Redemption.REJECTED, 0
            expired = now >= current.issued_at + RESET_CODE_LIFETIME
            if flawed:
                # The code is compared and that is all: no counter, no expiry, no single use.
                accepted = secrets.compare_digest(code, current.code)
                return (Redemption.ACCEPTED if accepted else Redemption.REJECTED), 0
            if current.used or expired or not secrets.compare_digest(code, current.code):
                current.failures += 1
                if current.failures >= OTP_FAILURE_LIMIT:
                    account.code = None  # burned: the right code no longer works either
                    account.locked_until = now + OTP_LOCK_SECONDS
                return Redemption.REJECTED, 0
            current.used = True
            return Redemption.ACCEPTED, 0
