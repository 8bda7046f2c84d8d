"""JOSE toolkit: compact JWS parse/assemble, signing, forgeries, keys and HMAC cracking.

Everything here works offline and never validates a token: the jwt checks and the
``authsift jwt`` commands decide what a token means.
"""

from authsift.jose.crack import CrackResult, crack, export_hashcat, export_john
from authsift.jose.errors import JoseError
from authsift.jose.forge import (
    Forgery,
    alg_none_variants,
    hmac_confusion,
    is_asymmetric,
    kid_injection,
    psychic_signature,
    serialization_confusion,
    signature_tampering,
)
from authsift.jose.forge_keys import embedded_jwk, remote_key_url
from authsift.jose.jws import CompactJws, assemble, b64url_decode, b64url_encode, parse_compact
from authsift.jose.keys import JwkEntry, key_encodings, load_jwks, load_key_material, public_jwk
from authsift.jose.sign import hmac_verify, resign, sign, sign_over_segment

__all__ = [
    "CompactJws",
    "CrackResult",
    "Forgery",
    "JoseError",
    "JwkEntry",
    "alg_none_variants",
    "assemble",
    "b64url_decode",
    "b64url_encode",
    "crack",
    "embedded_jwk",
    "export_hashcat",
    "export_john",
    "hmac_confusion",
    "hmac_verify",
    "is_asymmetric",
    "key_encodings",
    "kid_injection",
    "load_jwks",
    "load_key_material",
    "parse_compact",
    "psychic_signature",
    "public_jwk",
    "remote_key_url",
    "resign",
    "serialization_confusion",
    "sign",
    "sign_over_segment",
    "signature_tampering",
]
