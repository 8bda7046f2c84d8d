"""rl-resource-consumption (CHECKS.md #48); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Parameter,
    Severity,
)

HUGE = 10_000  # the page size asked for (CHECKS.md §2)
MIN_ITEMS = 1000  # more than max(documented maximum, this) items: not clamped
MAX_BYTES = 10 * 1024 * 1024
_PAGE_PARAM = re.compile(
    r"^(limit|size|pagesize|perpage|first|count|top|take|max|maxresults|maxitems|pagelimit|"
    r"itemsperpage|rows|pagelen|resultsperpage|batchsize)$"
)
_TOTAL_KEY = re.compile(r"^(total|count|totalcount|totalitems|totalresults|totalelements)$")


class ResourceConsumption(Check):
    """Page size not clamped: one request returns the whole collection.

    ## What it checks
    On list operations with a page-size query parameter (`limit`, `size`, `per_page`,
    `page[size]`, `first`, `top`…), asks for 10 000 items per page and counts what comes back
    against the default page and the documented maximum.

    ## Why it matters
    A page size the server does not cap lets any caller make one request that reads, renders
    and ships the whole table: memory and CPU exhaustion on the server, a cheap denial of
    service, and bulk data extraction in a single call that per-request rate limits never see.

    ## Example
    `GET /orders?limit=10000` returns 1 280 orders where the default page holds 20 and the
    documented maximum is 100.

    ## Remediation
    Clamp every page-size parameter on the server (or reject larger values with 400), whatever
    the client asks for, and document the maximum in the API description.

    ## References
    OWASP API4:2023 ("Number of records per page to return in a single request-response") ·
    OWASP ASVS 5.0 V2.4.1 · CWE-770, CWE-400

    ## Decision rule
    CHECKS.md #48 (a), read-only: the default request (the baseline) and one with the page size
    at 10 000, as the same identity. A finding needs more than max(documented `maximum`, 1000)
    items, or a body over 10 MB, and must reproduce once. It passes when the large value is
    refused (4xx), when the answer holds no more than the documented maximum or the default
    page, or when a total in the answer shows more items than were returned (a clamp). Fewer
    items than the threshold with no total to compare is inconclusive: the collection may
    simply end there. Bursts (b) and GraphQL depth (c) are not probed here. Medium.
    """

    id = "rl-resource-consumption"
    title = "Page size not clamped"
    family = Family.RATELIMIT
    severity = Severity.MEDIUM
    cwe = (770, 400)
    owasp = "API4:2023"
    max_requests = 4
    expected_requests = 2

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET" or _page_param(operation) is None:
            return "no page-size query parameter"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        param = _page_param(op) if op is not None else None
        if op is None or param is None:
            raise NotApplicable("no page-size query parameter")
        await ctx.baseline(op)  # the default page, as the identity the engine picks
        identity = ctx.identity
        default, _, _ = ctx.baseline_exchanges(op, identity)
        request = _with_param(ctx.build(op, as_identity=identity), param.name, HUGE)
        huge = await ctx.send(request, identity=identity)
        if huge.status is not None and 400 <= huge.status < 500:
            return  # refused: the server validates the page size
        if huge.response is None or not (200 <= huge.response.status < 300):
            raise Inconclusive(f"{param.name}={HUGE} answered {huge.status or huge.error}")
        documented = _documented_max(param)
        threshold = max(documented or 0, MIN_ITEMS)
        count, size = _items(huge), len(huge.response.body)
        if count > threshold or size > MAX_BYTES or huge.response.truncated:
            again = await ctx.send(request, identity=identity)
            if not (_items(again) > threshold or len(_body(again)) > MAX_BYTES):
                raise Inconclusive(f"{count} items once, {_items(again)} on a second request")
            yield self._finding(ctx, param, documented, default, huge, count, size)
            return
        total = _total(huge)
        if count <= _items(default) or (documented and count <= documented):
            return
        if total is not None and total > count:
            return  # a total larger than the page: clamped
        raise Inconclusive(
            f"{param.name}={HUGE} returned {count} items (default page {_items(default)}): too "
            "few to tell a clamp from the end of the collection"
        )

    def _finding(
        self,
        ctx: Context,
        param: Parameter,
        documented: int | None,
        default: Exchange,
        huge: Exchange,
        count: int,
        size: int,
    ) -> Finding:
        limit = f"documented maximum {documented}" if documented else "no documented maximum"
        return ctx.finding(
            self,
            description=(
                f"{param.name}={HUGE} returned {count} items ({size:,} bytes) where the default "
                f"page holds {_items(default)} ({limit}): the page size is not clamped, so one "
                "request reads the whole collection."
            ),
            evidence=[Evidence("default page", default), Evidence(f"{param.name}={HUGE}", huge)],
            confidence=Confidence.CERTAIN,
            reproduce=huge,
            details={"parameter": param.name, "items": count, "bytes": size},
        )


def _page_param(op: Operation | None) -> Parameter | None:
    if op is None:
        return None
    for param in op.parameters:
        if (
            param.location == "query"
            and _PAGE_PARAM.match(normalized_key(param.name))
            and param.schema.get("type") in ("integer", "number", None)
        ):
            return param
    return None


def _documented_max(param: Parameter) -> int | None:
    maximum = param.schema.get("maximum")
    return int(maximum) if isinstance(maximum, int | float) and maximum > 0 else None


def _with_param(request: HttpRequest, name: str, value: int) -> HttpRequest:
    parts = urllib.parse.urlsplit(request.url)
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != name]
    query = urllib.parse.urlencode([*pairs, (name, str(value))])
    return HttpRequest(
        request.method, urllib.parse.urlunsplit(parts._replace(query=query)), request.headers
    )


def _body(exchange: Exchange) -> bytes:
    return exchange.response.body if exchange.response is not None else b""


def _items(exchange: Exchange) -> int:
    """The length of the longest JSON array in the answer (the page's items)."""
    return _longest(exchange_json(exchange))


def _longest(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest(v) for v in value[:1])])
    if isinstance(value, dict):
        return max([0, *(_longest(v) for v in value.values())])
    return 0


def _total(exchange: Exchange) -> int | None:
    value = exchange_json(exchange)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if _TOTAL_KEY.match(normalized_key(str(key))) and isinstance(item, int):
                    return item
                if isinstance(item, dict):
                    stack.append(item)
    return None
