"""Per-user API keys with scopes: issue, list, revoke, authenticate.

Hardened, a key is 256 bits from a CSPRNG-grade derivation, stored only as its SHA-256 digest,
found by digest and compared in constant time; revocation takes effect on the next request.
Three flaws live here, each where real key services make it: a short sequential key format
(`apikey-low-entropy`), a lookup by the indexed prefix compared case-insensitively
(`apikey-mutation-accepted`), and a validated-key cache that revocation forgets to evict
(`apikey-revocation-ineffective`).

Seeded keys are derived from a fixed seed so the demo config can name them; they are lab-only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, replace

from authsift.lab.flaws import LabSettings

# Lab only: seeded keys must be reproducible so lab/authsift.yaml and the tests can use them.
_LAB_KEY_SEED = b"authsift-lab-demo-seed-v1"
KEY_PREFIX = "lab_"
# How many leading characters the key table indexes (and the flawed lookup compares).
_INDEXED_PREFIX_LENGTH = 12
_SEED_TIME = "2026-01-05T09:00:00Z"

READ, WRITE = "read", "write"

# (key id, owner id, name, scopes): alice has a read-only and a read-write key.
_SEEDED_KEYS: tuple[tuple[str, int, str, frozenset[str]], ...] = (
    ("k1", 1, "alice-read", frozenset({READ})),
    ("k2", 1, "alice-write", frozenset({READ, WRITE})),
    ("k3", 2, "bob-ci", frozenset({READ, WRITE})),
    ("k4", 4, "reporting-bot", frozenset({READ})),
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    owner_id: int
    name: str
    scopes: frozenset[str]
    digest: str  # SHA-256 of the key; the key itself is shown once, at creation
    indexed_prefix: str  # what the key table indexes; safe to display
    revoked: bool = False
    created_at: str = _SEED_TIME


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _strong_key(material: bytes) -> str:
    """256 bits, base64url: RFC 6749 §10.10 asks for a guessing probability <= 2^-128."""
    return KEY_PREFIX + base64.urlsafe_b64encode(material).rstrip(b"=").decode()


class ApiKeyStore:
    def __init__(self, settings: LabSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._keys: dict[str, ApiKey] = {}
        self._serial = 0
        # Validated keys, so the hot path skips the key table (a real service's Redis cache).
        self._validated_cache: dict[str, ApiKey] = {}
        self.seeded_values: dict[str, str] = {}  # key name -> key, for the demo and the tests
        for key_id, owner_id, name, scopes in _SEEDED_KEYS:
            seed_material = hmac.new(_LAB_KEY_SEED, name.encode(), hashlib.sha256).digest()
            value = self._store(key_id, owner_id, name, scopes, seed_material)
            self.seeded_values[name] = value

    def _new_key_value(self, owner_id: int, material: bytes) -> str:
        if self._settings.on("apikey-low-entropy"):
            # "Readable" keys: owner and a serial number, 8 digits (about 27 bits), guessable
            # and sequential across users.
            return f"{KEY_PREFIX}{owner_id:02d}{self._serial:06d}"
        return _strong_key(material)

    def _store(
        self, key_id: str, owner_id: int, name: str, scopes: frozenset[str], material: bytes
    ) -> str:
        with self._lock:
            self._serial += 1
            value = self._new_key_value(owner_id, material)
            self._keys[key_id] = ApiKey(
                key_id, owner_id, name, scopes, _digest(value), value[:_INDEXED_PREFIX_LENGTH]
            )
        return value

    def issue(self, owner_id: int, name: str, scopes: frozenset[str]) -> tuple[ApiKey, str]:
        """Create a key; returns its record and the key value, which is never retrievable again."""
        with self._lock:
            key_id = f"k{len(self._keys) + 1}"
            while key_id in self._keys:
                key_id += "x"
        value = self._store(key_id, owner_id, name, scopes, secrets.token_bytes(32))
        return self.get(key_id) or _missing(key_id), value

    def get(self, key_id: str) -> ApiKey | None:
        with self._lock:
            return self._keys.get(key_id)

    def keys_of(self, owner_id: int) -> list[ApiKey]:
        with self._lock:
            return [k for k in self._keys.values() if k.owner_id == owner_id]

    def revoke(self, key_id: str) -> None:
        with self._lock:
            key = self._keys[key_id]
            self._keys[key_id] = replace(key, revoked=True)
            if not self._settings.on("apikey-revocation-ineffective"):
                self._validated_cache = {
                    value: cached
                    for value, cached in self._validated_cache.items()
                    if cached.id != key_id
                }

    def authenticate(self, presented: str) -> ApiKey | None:
        """The active key the caller presented, or None."""
        with self._lock:
            cached = self._validated_cache.get(presented)
            if cached is not None:
                return cached
            key = self._lookup(presented)
            if key is None or key.revoked:
                return None
            self._validated_cache[presented] = key
            return key

    def _lookup(self, presented: str) -> ApiKey | None:
        if self._settings.on("apikey-mutation-accepted"):
            # Lookup by the indexed prefix, case-insensitively (the column has a CI collation),
            # and the full key is never compared afterwards.
            wanted = presented[:_INDEXED_PREFIX_LENGTH].lower()
            for key in self._keys.values():
                if (
                    len(presented) >= _INDEXED_PREFIX_LENGTH
                    and key.indexed_prefix.lower() == wanted
                ):
                    return key
            return None
        presented_digest = _digest(presented)
        for key in self._keys.values():
            if hmac.compare_digest(key.digest, presented_digest):
                return key
        return None


def _missing(key_id: str) -> ApiKey:
    raise LookupError(f"API key {key_id} vanished while being issued")


def demo_environment(settings: LabSettings) -> dict[str, str]:
    """Environment variables lab/authsift.yaml reads its API keys from, for these settings.

    The seeded key values depend on the settings (`apikey-low-entropy` changes their format), so
    the bundled config refers to them as `${AUTHSIFT_LAB_ALICE_READ_KEY}` and the demo sets them.
    """
    seeded = ApiKeyStore(settings).seeded_values
    return {
        "AUTHSIFT_LAB_ALICE_READ_KEY": seeded["alice-read"],
        "AUTHSIFT_LAB_ALICE_WRITE_KEY": seeded["alice-write"],
        "AUTHSIFT_LAB_BOB_KEY": seeded["bob-ci"],
    }
