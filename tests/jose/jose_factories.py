"""Constants shared by the JOSE tests."""

from __future__ import annotations

from typing import Any

CLAIMS: dict[str, Any] = {
    "iss": "https://idp.example.com/",
    "sub": "alice",
    "aud": "api",
    "iat": 1_700_000_000,
    "exp": 4_100_000_000,
}
