"""Offline lint of a JWT: what its header and claims alone reveal (``authsift jwt inspect``).

Why offline findings are worth having: several BCP violations are visible without touching
the API (no ``exp``, an unsecured ``alg``, secrets in a payload anyone can base64-decode), and
a pentester wants them before spending requests. Each rule quotes the clause it enforces.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from authsift.jose.jws import CompactJws
from authsift.jose.sign import ASYMMETRIC_ALGS, HMAC_ALGS
from authsift.model import Severity

#: Above this, an access token's lifetime is reported (CHECKS #30 default threshold: 24 h).
LONG_LIFETIME_SECONDS = 24 * 3600

_SECRET_NAMES = re.compile(
    r"(^|_)pass(word|wd)?$|^pwd$|secret|api_?key|private_?key|^(access|refresh|id)_?token$"
    r"|client_?secret|^ssn$|social_?security|credit_?card|card_?number|^cvv|^pin$|otp_?seed",
    re.IGNORECASE,
)
_PERSONAL_NAMES = re.compile(
    r"^e?mail$|email|phone|mobile|address|street|postal|zip_?code|birth|^dob$|^iban$|passport",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LintFinding:
    """One observation about a token: a stable code, a severity and one line of explanation."""

    code: str
    severity: Severity
    message: str


def lint_token(parsed: CompactJws, now: dt.datetime | None = None) -> list[LintFinding]:
    """Every finding for ``parsed``, worst first."""
    moment = now or dt.datetime.now(dt.UTC)
    findings = [*_header_findings(parsed.header), *_claim_findings(parsed.payload, moment)]
    return sorted(findings, key=lambda f: f.severity.rank, reverse=True)


def _header_findings(header: dict[str, Any]) -> Iterator[LintFinding]:
    alg = header.get("alg")
    if not isinstance(alg, str):
        yield LintFinding("alg-missing", Severity.HIGH, "header has no 'alg' (RFC 7515 §4.1.1)")
    elif alg.lower() == "none":
        yield LintFinding(
            "alg-none", Severity.CRITICAL,
            f"alg {alg!r}: unsecured JWS; RFC 7518 §3.6 says it MUST NOT be accepted by default",
        )  # fmt: skip
    elif alg in HMAC_ALGS:
        yield LintFinding(
            "alg-symmetric", Severity.LOW,
            f"{alg}: every verifier holds the signing secret, and it can be cracked offline "
            "(RFC 8725 §3.5); try `authsift jwt crack`",
        )  # fmt: skip
    elif alg not in ASYMMETRIC_ALGS:
        yield LintFinding(
            "alg-weak", Severity.MEDIUM,
            f"alg {alg!r} is not a recommended JWS algorithm (RFC 8725 §3.2)",
        )  # fmt: skip
    typ = header.get("typ")
    if not (isinstance(typ, str) and typ.lower() in ("at+jwt", "application/at+jwt")):
        yield LintFinding(
            "typ-not-at-jwt", Severity.INFO,
            f"typ is {typ!r}, not 'at+jwt' (RFC 9068 §2.1; explicit typing, RFC 8725 §3.11)",
        )  # fmt: skip
    for member in ("jku", "x5u"):
        if member in header:
            yield LintFinding(
                f"{member}-present", Severity.MEDIUM,
                f"{member} = {header[member]!r}: a verifier that follows it without an allowlist "
                "trusts any key (RFC 8725 §3.10); test with jwt-remote-key-url-injection",
            )  # fmt: skip
    for member in ("jwk", "x5c"):
        if member in header:
            yield LintFinding(
                f"{member}-present", Severity.MEDIUM,
                f"header carries its own key in {member!r}; it must not be trusted (RFC 8725 §3.8)",
            )  # fmt: skip
    if "kid" in header:
        yield LintFinding(
            "kid-present", Severity.INFO,
            f"kid = {header['kid']!r} drives key lookup; it must not reach a path or query "
            "unsanitised (RFC 8725 §3.10)",
        )  # fmt: skip


def _claim_findings(claims: dict[str, Any] | None, now: dt.datetime) -> Iterator[LintFinding]:
    if claims is None:
        yield LintFinding("payload-not-json", Severity.MEDIUM, "payload is not a JSON object")
        return
    if "exp" not in claims:
        yield LintFinding(
            "exp-missing", Severity.HIGH,
            "no 'exp': the token never expires (RFC 9068 §2.2 REQUIRED; RFC 7519 §4.1.4)",
        )  # fmt: skip
    else:
        lifetime = _lifetime_seconds(claims)
        if lifetime is not None and lifetime > LONG_LIFETIME_SECONDS:
            yield LintFinding(
                "lifetime-long", Severity.MEDIUM,
                f"lifetime exp − iat is {describe_duration(lifetime)} (over 24 h)",
            )  # fmt: skip
    for claim, clause in (("aud", "RFC 8725 §3.9"), ("iss", "RFC 8725 §3.8")):
        if claim not in claims:
            yield LintFinding(
                f"{claim}-missing", Severity.MEDIUM,
                f"no '{claim}': verifiers cannot tell whose token this is ({clause}; "
                "RFC 9068 §2.2 REQUIRED)",
            )  # fmt: skip
    for path, value in _walk(claims):
        name = path.rsplit(".", 1)[-1]
        if _SECRET_NAMES.search(name) and value not in (None, "", False):
            yield LintFinding(
                "sensitive-claim", Severity.HIGH,
                f"claim {path!r} looks like a secret; JWS payloads are only base64, not encrypted "
                "(RFC 7519 §12)",
            )  # fmt: skip
        elif _PERSONAL_NAMES.search(name):
            yield LintFinding(
                "personal-data-claim", Severity.LOW,
                f"claim {path!r} carries personal data beyond an identifier; anyone holding the "
                "token can read it (RFC 7519 §12)",
            )  # fmt: skip


def lifetime_summary(claims: dict[str, Any] | None, now: dt.datetime) -> dict[str, Any]:
    """iat/nbf/exp as ISO times plus human phrases ("expires in 2 h 5 min", "expired ...")."""
    summary: dict[str, Any] = {}
    for claim in ("iat", "nbf", "exp"):
        value = (claims or {}).get(claim)
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = dt.datetime.fromtimestamp(value, dt.UTC)
            summary[claim] = {"time": moment.isoformat(), "relative": _relative(claim, moment, now)}
        elif value is not None:
            summary[claim] = {"time": None, "relative": f"not a NumericDate: {value!r}"}
    lifetime = _lifetime_seconds(claims or {})
    if lifetime is not None:
        summary["lifetime"] = describe_duration(lifetime)
    exp = (claims or {}).get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        summary["expired"] = exp <= now.timestamp()
    return summary


def describe_duration(seconds: float) -> str:
    """Seconds as the two largest units: '3 d 4 h', '2 h 5 min', '45 s'."""
    remaining = int(abs(seconds))
    parts = []
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if remaining >= size:
            parts.append(f"{remaining // size} {unit}")
            remaining %= size
    return " ".join(parts[:2]) or "0 s"


def _relative(claim: str, moment: dt.datetime, now: dt.datetime) -> str:
    delta = (moment - now).total_seconds()
    span = describe_duration(delta)
    if claim == "exp":
        return f"expires in {span}" if delta > 0 else f"expired {span} ago"
    if claim == "nbf":
        return f"valid in {span} (not yet valid)" if delta > 0 else f"valid since {span} ago"
    return f"issued {span} ago" if delta <= 0 else f"issued {span} in the future"


def _lifetime_seconds(claims: dict[str, Any]) -> float | None:
    exp, start = claims.get("exp"), claims.get("iat", claims.get("nbf"))
    numbers = (int, float)
    if isinstance(exp, numbers) and isinstance(start, numbers):
        return float(exp) - float(start)
    return None


def _walk(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, item
            yield from _walk(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, prefix)
