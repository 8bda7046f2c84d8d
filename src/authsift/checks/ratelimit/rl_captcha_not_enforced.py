"""rl-captcha-not-enforced (CHECKS.md #43); the user-facing doc is the class docstring."""

from __future__ import annotations

import json
import re
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from authsift.analysis import SIMILARITY_THRESHOLD, similarity
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._login import EMAIL_FIELD, USER_FIELD, body_fields
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import limit_memo
from authsift.checks.ratelimit._forms import encode
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Safety,
    Severity,
)

CAPTCHA_FIELD = re.compile(
    r"captcha|recaptcha|hcaptcha|turnstile|gcaptcha|grecaptcharesponse|cfturnstileresponse"
)
_CAPTCHA_WORDS = re.compile(r"captcha|challenge|robot|human|turnstile", re.I)
_REQUIRED_WORDS = re.compile(r"required|missing|must be (provided|present|set)", re.I)
SIMILAR = SIMILARITY_THRESHOLD


def captcha_field(op: Operation) -> str | None:
    if op.method not in ("POST", "PUT", "PATCH") or op.request_body is None:
        return None
    content = op.request_body.content_type
    if "json" not in content and "x-www-form-urlencoded" not in content:
        return None
    return next((f for f in body_fields(op) if CAPTCHA_FIELD.search(normalized_key(f))), None)


class RlCaptchaNotEnforced(Check):
    """CAPTCHA present but not validated server-side.

    ## What it checks
    On an operation whose body declares a CAPTCHA field (`captcha`, `g-recaptcha-response`,
    `h-captcha-response`, `cf-turnstile-response`…), sends the request with a garbage CAPTCHA
    value, then with the field omitted and with it empty. The user name it carries is one that
    does not exist (RFC 2606 `example.com`), so no e-mail reaches anyone.

    ## Why it matters
    A CAPTCHA the server checks only when the client sends one stops nobody: a script simply
    leaves the field out, and the brute force, credential stuffing or mail flooding the CAPTCHA
    was meant to slow down runs at full speed (CWE-602: the client enforces what the server
    should).

    ## Example
    `POST /auth/password-reset {"username": "x", "captcha_token": "garbage"}` → `400 Solve the
    CAPTCHA`; the same without `captcha_token` → `202 Accepted`.

    ## Remediation
    Make the CAPTCHA token required and verify it with the provider on every request, rejecting
    missing, empty, malformed and re-used tokens alike; never branch on whether it was sent.

    ## References
    OWASP WSTG-ATHN-03 · NIST SP 800-63B §5.2.2 · ASVS 4.0 V2.2.1 · CWE-602 · CWE-804

    ## Decision rule
    CHECKS.md #43. The garbage value must be refused (4xx, not 429; else inconclusive, or a
    finding when it is accepted with 2xx: the token is not validated at all). The omitted or the
    empty field is a finding when its answer is not a CAPTCHA refusal: not alike the garbage
    answer (same status, body similarity ≥ 0.90), no CAPTCHA wording, not a 400/422 saying the
    field is required, not 429 or 5xx; it must reproduce once more. Medium; high when the
    login's rate-limiting checks saw no other limit on the operation.
    """

    id = "rl-captcha-not-enforced"
    title = "CAPTCHA present but not validated server-side"
    family = Family.RATELIMIT
    severity = Severity.MEDIUM
    cwe = (602, 804)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    baselines = "none"
    max_requests = 5
    expected_requests = 3

    def applies_to(self, operation: Operation) -> str | None:
        return None if captcha_field(operation) else "declares no CAPTCHA field"

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        field = captcha_field(op) if op else None
        if op is None or field is None:
            raise Inconclusive("declares no CAPTCHA field")
        base = _request(ctx, op)
        garbage = await ctx.send(
            _with(base, field, f"authsift-garbage-{secrets.token_hex(8)}"), retry_on_limit=False
        )
        status = garbage.status or 0
        if status == 429 or status >= 500 or garbage.response is None:
            raise Inconclusive(f"a garbage CAPTCHA was answered with HTTP {status or 'nothing'}")
        if 200 <= status < 300:
            yield self._finding(ctx, field, "a garbage value", garbage, garbage, Confidence.FIRM)
            return
        for label, value in (("the field omitted", None), ("an empty value", "")):
            answer = await ctx.send(_with(base, field, value), retry_on_limit=False)
            if _captcha_refused(answer, garbage):
                continue
            again = await ctx.send(_with(base, field, value), retry_on_limit=False)
            if _captcha_refused(again, garbage):
                raise Inconclusive(f"with {label} the answer did not reproduce")
            yield self._finding(ctx, field, label, again, garbage, Confidence.FIRM)
            return

    def _finding(
        self,
        ctx: Context,
        field: str,
        label: str,
        answer: Exchange,
        garbage: Exchange,
        confidence: Confidence,
    ) -> Finding:
        assert ctx.operation is not None
        key = ctx.operation.key
        alone = isinstance(limit_memo(ctx).get(key), int)
        return ctx.finding(
            self,
            description=(
                f"{key} declares the CAPTCHA field `{field}` but answered HTTP "
                f"{answer.status} with {label}"
                + (
                    f", while a garbage value was refused (HTTP {garbage.status})"
                    if answer is not garbage
                    else ""
                )
                + ": the request is processed without a solved CAPTCHA."
            ),
            evidence=[
                Evidence("garbage CAPTCHA value", garbage),
                *([Evidence(label, answer)] if answer is not garbage else []),
            ],
            confidence=confidence,
            severity=Severity.HIGH if alone else None,
            details={"field": field, "variant": label},
        )


def _captcha_refused(answer: Exchange, garbage: Exchange) -> bool:
    response = answer.response
    if response is None or response.status == 429 or response.status >= 500:
        return True  # not evidence of a missing check
    refused = garbage.response
    alike = refused is not None and response.status == refused.status
    if alike and refused is not None and similarity(response, refused) >= SIMILAR:
        return True
    if 400 <= response.status < 500 and _CAPTCHA_WORDS.search(response.text[:4096]):
        return True
    return response.status in (400, 422) and bool(_REQUIRED_WORDS.search(response.text[:4096]))


def _request(ctx: Context, op: Operation) -> HttpRequest:
    nobody = f"authsift-nobody-{secrets.token_hex(4)}"
    names: dict[str, Any] = {}
    for name in body_fields(op):
        key = normalized_key(name)
        if EMAIL_FIELD.match(key):
            names[name] = f"{nobody}@example.com"
        elif USER_FIELD.match(key):
            names[name] = nobody
    return encode(ctx.build(op), op, names)


def _with(request: HttpRequest, field: str, value: str | None) -> HttpRequest:
    text = (request.body or b"").decode()
    form = any(k.lower() == "content-type" and "form" in v for k, v in request.headers)
    values = dict(urllib.parse.parse_qsl(text)) if form else json.loads(text or "{}")
    if value is None:
        values.pop(field, None)
    else:
        values[field] = value
    body = urllib.parse.urlencode(values).encode() if form else json.dumps(values).encode()
    return replace(request, body=body)
