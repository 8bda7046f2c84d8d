"""Out-of-band listener for checks that need the target to call us back (jku/x5u, foreign iss)."""

from authsift.oob.listener import Callback, OobListener

__all__ = ["Callback", "OobListener"]
