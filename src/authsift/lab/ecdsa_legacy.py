"""A hand-rolled ES256 verifier, as the mobile gateway once shipped it (flaw
`jwt-ecdsa-psychic-signature`).

It is textbook ECDSA (SEC 1 §4.1.4) minus step 1, the range check `1 <= r, s <= n-1`, and with
the modular inverse computed as s^(n-2) mod n, which returns 0 for s = 0 instead of failing.
With r = s = 0 (or r = s = n) both scalars become 0, the sum point is the point at infinity,
whose x is taken as 0, and 0 == r mod n: any message "verifies" — CVE-2022-21449 in Java 15–18.
Genuine signatures still verify, so the mobile app never noticed.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec

# NIST P-256 domain parameters (SEC 2 §2.4.2).
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_A = _P - 3
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)

Point = tuple[int, int] | None  # None is the point at infinity


def _add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % _P == 0:
        return None
    if p == q:
        slope = (3 * p[0] * p[0] + _A) * pow(2 * p[1], -1, _P) % _P
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (slope * slope - p[0] - q[0]) % _P
    return x, (slope * (p[0] - x) - p[1]) % _P


def _multiply(k: int, point: Point) -> Point:
    result: Point = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def legacy_es256_verify(public_key: ec.EllipticCurvePublicKey, message: bytes, sig: bytes) -> bool:
    """ES256 over raw R‖S (RFC 7518 §3.4) without the `0 < r, s < n` check. Do not copy."""
    if len(sig) != 64:
        return False
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:], "big")
    digest = int.from_bytes(hashlib.sha256(message).digest(), "big")
    numbers = public_key.public_numbers()
    w = pow(s, _N - 2, _N)  # "Fermat is faster than extended Euclid" — and 0 for s = 0
    u1 = digest * w % _N
    u2 = r * w % _N
    total = _add(_multiply(u1, _G), _multiply(u2, (numbers.x, numbers.y)))
    x = 0 if total is None else total[0]
    return x % _N == r % _N
