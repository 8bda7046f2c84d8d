"""Is an answer *data*? For endpoints nobody documented, where there is no baseline to compare
with: a 2xx that is neither a refusal in disguise (the API's calibration) nor HTML (a console or
single-page-app page proves no data by itself) nor a bare status (`{"status": "ok"}`,
`{"healthy": true, "version": "1.4"}`), and that carries values: a JSON body of at least two
values, or a plain-text body of some length. Pure; shared by unlisted-endpoint discovery (which
offers only such endpoints to the checks) and the checks that judge them.
"""

from __future__ import annotations

import re

from authsift.analysis.bodies import body_text, is_empty_container, json_body, json_leaves, last_key
from authsift.analysis.calibration import Calibration
from authsift.model import HttpResponse

_STATUS_KEY = re.compile(
    r"^(status|state|ok|success|healthy|health|alive|live|ready|up|version|build|commit|revision"
    r"|uptime|uptimeseconds|time|timestamp|now|date|service|name|app|environment|env|message"
    r"|checks?|db|database|cache|redis|queue|disk|memory)$"
)
MIN_TEXT = 64  # a plain-text answer shorter than this is a status line, not data


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def is_html(response: HttpResponse) -> bool:
    content_type = (response.header("Content-Type") or "").lower()
    return "html" in content_type or body_text(response, 512).lstrip().lower().startswith(
        ("<!doctype html", "<html")
    )


def data_reason(response: HttpResponse | None, calibration: Calibration) -> str | None:
    """Why this answer is data (for the report), or None when it is not."""
    if response is None or not 200 <= response.status < 300:
        return None
    if calibration.looks_like_rejection(response) is not None or is_html(response):
        return None
    parsed = json_body(response)
    if parsed is not None:
        leaves = [
            (path, leaf)
            for path, leaf in json_leaves(parsed.value)
            if leaf is not None and not is_empty_container(leaf)
        ]
        meaningful = [p for p, _ in leaves if not _STATUS_KEY.match(_norm(last_key(p)))]
        if not meaningful:
            return None  # a bare status answer: a health check, not data
        if len(leaves) < 2:
            return None
        return f"{response.status} with a JSON body of {len(leaves)} values"
    text = body_text(response).strip()
    if len(text) < MIN_TEXT:
        return None
    return f"{response.status} with {len(text)} characters of text"
