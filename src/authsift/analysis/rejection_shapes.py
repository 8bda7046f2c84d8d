"""Answers that mean "no" without saying 401: error envelopes, login redirects, login forms.

Many APIs answer a refused request with `200 OK` and an error in the body, or redirect to a
login page. A scanner that reads only status codes calls those "accepted" and reports a flaw that
is not there (DESIGN.md §4). These are the shapes recognised without any calibration; the
calibration adds what one particular API was *seen* to do.

Every rule here errs on the side of "this is a refusal": a refusal is never reported as a flaw,
so a wrong guess can only hide a finding, never invent one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from authsift.analysis.volatile import normalized_key

# Path segments of login pages and identity providers: /login, /users/sign_in, /auth/,
# /oauth2/authorize, /sso/saml, /cas/login, /Account/LogOn.
_LOGIN_SEGMENT = re.compile(
    r"(?:^|[-_.])(?:login|log-in|log_in|logon|signin|sign-in|sign_in|auth|authenticate|"
    r"authorize|authorise|sso|saml|saml2|cas|oauth|oauth2|openid|oidc)(?:$|[-_.])",
    re.I,
)
_PASSWORD_INPUT = re.compile(r"<input\b[^>]*\btype\s*=\s*['\"]?password\b", re.I)

_ERROR_STATUS_WORDS = frozenset(
    {
        "accessdenied",
        "denied",
        "error",
        "fail",
        "failure",
        "forbidden",
        "unauthenticated",
        "unauthorized",
        "unauthorised",
    }
)
_AUTH_ERROR_CODES = frozenset(
    {
        "accessdenied",
        "authenticationrequired",
        "authrequired",
        "expiredtoken",
        "forbidden",
        "invalidcredentials",
        "invalidtoken",
        "loginrequired",
        "notauthenticated",
        "notauthorized",
        "permissiondenied",
        "tokenexpired",
        "unauthenticated",
        "unauthorized",
        "unauthorised",
    }
)
_SUCCESS_FLAGS = frozenset({"success", "ok", "succeeded", "successful"})
_STATUS_KEYS = frozenset({"status", "result", "state", "outcome"})
_CODE_KEYS = frozenset(
    {"code", "status", "statuscode", "httpstatus", "httpcode", "errorcode", "errcode", "errno"}
)
_MESSAGE_KEYS = frozenset(
    {
        "description",
        "detail",
        "error",
        "errordescription",
        "errormessage",
        "errormsg",
        "message",
        "msg",
        "reason",
        "title",
    }
)
_AUTH_FAILURE_WORDING = re.compile(
    r"\b(?:unauthori[sz]ed|unauthenticated|not\s+authenticated|not\s+authori[sz]ed|"
    r"authentication\s+(?:is\s+)?required|login\s+required|please\s+(?:log|sign)\s*in|"
    r"not\s+logged\s+in|access\s+denied|permission\s+denied|forbidden|"
    r"invalid\s+(?:access\s+|bearer\s+|api\s+)?(?:token|key|credentials?|signature)|"
    r"(?:token|jwt|signature|session)\s+(?:is\s+|has\s+)?(?:been\s+)?(?:invalid|expired|missing|malformed|revoked)|"
    r"expired\s+token|missing\s+(?:authorization|token|credentials?|api\s+key)|"
    r"insufficient\s+(?:scope|permissions?|privileges?)|"
    r"credentials?\s+(?:were\s+)?not\s+provided|no\s+permission)\b",
    re.I,
)
# Refusals by `error`, `status` word or message come in small envelopes (Spring Boot's has five
# keys, RFC 9457 problem details five plus extensions), not in data objects that happen to have
# such a field (a chat message saying "forbidden", a job whose status is "error").
_ENVELOPE_MAX_KEYS = 6
# A message alone is weaker evidence than an `error` member: only tiny envelopes qualify.
_MESSAGE_ENVELOPE_MAX_KEYS = 4
_AUTH_STATUSES = (401, 403)


def is_login_location(location: str) -> bool:
    """True when a redirect target's path names a login page or an identity provider."""
    path = urlsplit(location).path
    return any(_LOGIN_SEGMENT.search(segment) for segment in path.split("/") if segment)


def has_login_form(text: str) -> bool:
    """An HTML page with a password field is a login page, whatever its status says."""
    return bool(_PASSWORD_INPUT.search(text))


def error_body_reason(value: Any) -> str | None:
    """Why a JSON body reads as an error or refusal envelope, or None when it does not.

    Recognised (top level only, so that nested data never triggers it): a truthy `error`
    (in a small envelope);
    GraphQL `errors` without `data` (errors *with* data is a partial success);
    `success`/`ok` false; `status` or `result` of error, fail (JSend), forbidden, denied…
    (in a small envelope);
    a `code`/`status` of 401 or 403 or an auth error code (`invalid_token`, `UNAUTHORIZED`);
    and, in small envelopes only, a message with auth-failure wording ("Unauthorized",
    "invalid token", "access denied").
    """
    if not isinstance(value, dict):
        return None
    keyed = {normalized_key(str(key)): (str(key), child) for key, child in value.items()}
    for reason in (
        _error_member(keyed),
        _graphql_errors(keyed),
        _success_flag(keyed),
        _status_word(keyed),
        _auth_code(keyed),
        _auth_message(keyed),
    ):
        if reason is not None:
            return reason
    return None


def _error_member(keyed: dict[str, tuple[str, Any]]) -> str | None:
    if len(keyed) > _ENVELOPE_MAX_KEYS:
        return None  # a domain object with an "error" field (a failed webhook delivery)
    for norm in ("error", "err", "fault"):
        if norm in keyed:
            key, child = keyed[norm]
            if child not in (None, False, "", [], {}, 0):
                return f'error envelope ("{key}" is set)'
    return None


def _graphql_errors(keyed: dict[str, tuple[str, Any]]) -> str | None:
    if "errors" not in keyed:
        return None
    _, errors = keyed["errors"]
    data = keyed.get("data", ("data", None))[1]
    if isinstance(errors, list) and errors and data in (None, {}, []):
        return 'error envelope ("errors" without "data")'
    return None


def _success_flag(keyed: dict[str, tuple[str, Any]]) -> str | None:
    for norm in sorted(_SUCCESS_FLAGS & keyed.keys()):
        key, child = keyed[norm]
        if child is False or (isinstance(child, str) and child.lower() == "false"):
            return f'error envelope ("{key}": false)'
    return None


def _status_word(keyed: dict[str, tuple[str, Any]]) -> str | None:
    if len(keyed) > _ENVELOPE_MAX_KEYS:
        return None  # a job or payment whose own status is "error"
    for norm in sorted(_STATUS_KEYS & keyed.keys()):
        key, child = keyed[norm]
        if isinstance(child, str) and normalized_key(child) in _ERROR_STATUS_WORDS:
            return f'error envelope ("{key}": "{child}")'
    return None


def _auth_code(keyed: dict[str, tuple[str, Any]]) -> str | None:
    for norm in sorted(_CODE_KEYS & keyed.keys()):
        key, child = keyed[norm]
        if isinstance(child, bool):
            continue
        if isinstance(child, int) and child in _AUTH_STATUSES:
            return f'error envelope ("{key}": {child})'
        if isinstance(child, str):
            text = child.strip()
            if text.isdigit() and int(text) in _AUTH_STATUSES:
                return f'error envelope ("{key}": "{text}")'
            if normalized_key(text) in _AUTH_ERROR_CODES:
                return f'error envelope ("{key}": "{text}")'
    return None


def _auth_message(keyed: dict[str, tuple[str, Any]]) -> str | None:
    if len(keyed) > _MESSAGE_ENVELOPE_MAX_KEYS:
        return None
    for norm in sorted(_MESSAGE_KEYS & keyed.keys()):
        key, child = keyed[norm]
        if isinstance(child, str) and _AUTH_FAILURE_WORDING.search(child):
            return f'refusal message ("{key}": "{child[:80]}")'
    return None
