"""The one exception the JOSE toolkit raises for bad input.

Why a single ``ValueError`` subclass: callers (the CLI, the jwt checks) must tell "this is not a
token / not a key" apart from programming errors, and show it as one clear line, never a traceback.
"""

from __future__ import annotations


class JoseError(ValueError):
    """A malformed token, segment or key; the message is one human-readable line."""
