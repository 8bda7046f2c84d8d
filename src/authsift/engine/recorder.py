"""Every exchange of the scan, in order: the evidence store, the stats and the HAR source."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from authsift.engine.redact import Redactor
from authsift.model import Exchange, HttpRequest, HttpResponse


class Recorder:
    def __init__(self, *, keep: int = 200_000, redactor: Redactor | None = None) -> None:
        """`redactor` learns the tokens and cookies each answer hands out as it is recorded, so
        that they are secrets before anything can carry them out of the engine."""
        self._ids = itertools.count(1)
        self._redactor = redactor
        self.exchanges: list[Exchange] = []
        self._keep = keep
        self.by_status: Counter[str] = Counter()
        self.sent_as: Counter[str] = Counter()
        self.succeeded_as: Counter[str] = Counter()

    def record(
        self,
        request: HttpRequest,
        response: HttpResponse | None,
        error: str | None,
        identity: str | None,
        started: float,
    ) -> Exchange:
        exchange = Exchange(
            id=next(self._ids),
            request=request,
            response=response,
            error=error,
            identity=identity,
            started_at=started,
        )
        if self._redactor is not None:
            self._redactor.learn(exchange)
        # One event loop records; no lock needed (asyncio runs one callback at a time).
        if len(self.exchanges) < self._keep:
            self.exchanges.append(exchange)
        self.by_status[str(response.status) if response else "error"] += 1
        if identity is not None:
            self.sent_as[identity] += 1
            if response is not None and response.status < 400:
                self.succeeded_as[identity] += 1
        return exchange

    @property
    def count(self) -> int:
        return sum(self.by_status.values())

    def write_har(self, path: Path, redactor: Redactor, *, version: str) -> None:
        """HAR 1.2 of the scan's own traffic, redacted, for replay in Burp, ZAP or a browser."""
        entries = [_har_entry(redactor.exchange(e)) for e in self.exchanges]
        har = {
            "log": {
                "version": "1.2",
                "creator": {"name": "authsift", "version": version},
                "entries": entries,
            }
        }
        path.write_text(json.dumps(har, indent=1), encoding="utf-8")


def _har_entry(exchange: Exchange) -> dict[str, Any]:
    request = exchange.request
    response = exchange.response
    started = datetime.fromtimestamp(exchange.started_at or 0, UTC).isoformat()
    elapsed_ms = round((response.elapsed if response else 0.0) * 1000, 3)
    entry: dict[str, Any] = {
        "startedDateTime": started,
        "time": elapsed_ms,
        "request": {
            "method": request.method,
            "url": request.url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in request.headers],
            "queryString": [],
            "headersSize": -1,
            "bodySize": len(request.body) if request.body else 0,
        },
        "response": {
            "status": response.status if response else 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in (response.headers if response else ())],
            "content": {
                "size": len(response.body) if response else 0,
                "mimeType": (response.header("Content-Type") or "") if response else "",
                "text": response.text if response else "",
            },
            "redirectURL": (response.header("Location") or "") if response else "",
            "headersSize": -1,
            "bodySize": len(response.body) if response else 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
        "comment": exchange.error
        or (f"as {exchange.identity}" if exchange.identity else "anonymous"),
    }
    if request.body:
        entry["request"]["postData"] = {
            "mimeType": request.header("Content-Type") or "application/octet-stream",
            "text": request.body.decode("utf-8", errors="replace"),
        }
    return entry
