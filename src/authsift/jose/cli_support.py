"""Argument handling for ``authsift jwt`` that is worth testing apart from typer.

Why separate: resolving ``--key`` (literal, ``file:``, ``env:``), parsing ``--set`` values and
choosing a default algorithm are decisions, not presentation, and the command module should
stay a thin skin.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from authsift.jose.errors import JoseError
from authsift.jose.keys import load_key_material

_EC_ALGS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def resolve_key_bytes(spec: str) -> bytes:
    """``--key`` to bytes: ``file:PATH`` reads a file (bytes exact), ``env:NAME`` a variable,
    anything else is the literal secret."""
    if spec.startswith("file:"):
        path = Path(spec[5:]).expanduser()
        try:
            return path.read_bytes()
        except OSError as exc:
            raise JoseError(f"cannot read key file {str(path)!r}: {exc.strerror}") from None
    if spec.startswith("env:"):
        name = spec[4:]
        value = os.environ.get(name)
        if value is None:
            raise JoseError(f"environment variable {name!r} is not set")
        return value.encode("utf-8")
    return spec.encode("utf-8")


def signing_key_and_alg(material: bytes, alg: str | None) -> tuple[Any, str]:
    """The key object to sign with and the algorithm to use.

    A private key (PEM/DER) is used as such, with a default ``alg`` from its type; anything
    else is an HMAC secret (default HS256). Asking for HS* uses the bytes as given even when
    they are a PEM key — that is exactly the RS→HS confusion forgery (RFC 8725 §2.1).
    """
    if alg is not None and alg.upper().startswith("HS"):
        return material, alg.upper()
    try:
        key = load_key_material(material)
    except JoseError:
        key = None
    if key is None or not hasattr(key, "sign"):
        if alg is not None and not alg.upper().startswith("HS"):
            raise JoseError(f"{alg} needs a private key (PEM or DER); this key is not one")
        return material, "HS256"
    return key, alg or _default_alg(key)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``claim=value`` → (claim, value); the value is JSON when it parses, else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise JoseError(f"--set expects claim=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name, value


def display_secret(secret: bytes) -> str:
    """A recovered secret for the terminal: text when printable UTF-8, else hex."""
    try:
        text = secret.decode("utf-8")
    except UnicodeDecodeError:
        return f"hex:{secret.hex()}"
    if text.isprintable():
        return text if text else "(the empty string)"
    return f"hex:{secret.hex()}"


def _default_alg(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return _EC_ALGS.get(key.curve.name, "ES256")
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "EdDSA"
    raise JoseError(f"unsupported private key type {type(key).__name__}")
