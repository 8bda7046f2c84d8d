"""authz-bfla-method-override (CHECKS.md #24); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._objects import (
    Created,
    create,
    creator_of,
    delete,
    read_back,
    still_there,
)
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
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

# Values that open an object to other readers when its schema offers them (so that a second
# identity may read, but not write, the scanner's object).
_OPEN_VALUES = ("public", "shared", "everyone")
_MAX_READERS = 3
_TUNNEL_HEADERS = ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")


@dataclass(frozen=True, slots=True)
class Tunnel:
    """One way of smuggling DELETE past a read-only permission."""

    label: str
    method: str
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""
    form_body: bytes | None = None


def tunnels() -> list[Tunnel]:
    """CHECKS.md #24: GET/POST with the override headers, and `_method=` in the query or body."""
    found = [Tunnel(f"GET + {h}: DELETE", "GET", ((h, "DELETE"),)) for h in _TUNNEL_HEADERS]
    found.append(Tunnel("GET ?_method=DELETE", "GET", query="_method=DELETE"))
    found += [Tunnel(f"POST + {h}: DELETE", "POST", ((h, "DELETE"),)) for h in _TUNNEL_HEADERS[:1]]
    found.append(
        Tunnel(
            "POST with body _method=DELETE",
            "POST",
            (("Content-Type", "application/x-www-form-urlencoded"),),
            form_body=b"_method=DELETE",
        )
    )
    return found


def opening_fields(schema: Mapping[str, Any]) -> dict[str, str]:
    """Enum properties of a create body that can make the object readable by others."""
    opened: dict[str, str] = {}
    for name, prop in (schema.get("properties") or {}).items():
        values = prop.get("enum") if isinstance(prop, dict) else None
        if isinstance(values, list):
            choice = next((v for v in _OPEN_VALUES if v in values), None)
            if choice is not None:
                opened[str(name)] = choice
    return opened


class BflaMethodOverride(Check):
    """Forbidden verb reachable by overriding the method.

    ## What it checks
    On objects that a second identity may read but must not delete, sends that identity's read
    with the verb smuggled in: `X-HTTP-Method-Override`, `X-HTTP-Method` or `X-Method-Override:
    DELETE` on GET and POST, and `_method=DELETE` in the query or a form body. The object is one the
    scanner creates for the purpose (opened to other readers when its schema allows, e.g.
    `visibility: public`), the plain `DELETE` is first shown to be refused, and the effect is read
    back as the owner. Intrusive: runs only with `checks.intrusive: true`.

    ## Why it matters
    Frameworks and middlewares that honour verb tunnelling dispatch to the delete logic after the
    *read* permission was checked, so a reader becomes a deleter (OWASP API5:2023, CWE-650).

    ## Example
    `GET /documents/{id}` as bob with `X-HTTP-Method-Override: DELETE` → `204`, and alice's
    document is gone.

    ## Remediation
    Turn verb tunnelling off, or apply it before routing so the tunnelled verb's own
    authorization runs; never dispatch on an override header inside a handler.

    ## References
    OWASP API5:2023 · ASVS 4.0.3 V13.2.1 · ASVS 5.0 V4.1.4 · WSTG-ATHZ-02 · CWE-650

    ## Decision rule
    CHECKS.md #24: vulnerable only when the state changes — the owner read the object before and
    gets 404/410 for it after the tunnelled request — and the same tunnel deletes a second fresh
    object too. The plain `DELETE` by the same identity must be refused with the object intact
    (otherwise it is a `authz-bola-write` matter, not this one). Only scanner-created objects are
    touched; each is deleted afterwards and anything left behind is listed under `leftovers`.
    """

    id = "authz-bfla-method-override"
    title = "Forbidden verb reachable by overriding the method"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (650, 285)
    owasp = "API5:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"two_identities"})
    max_requests = 60
    expected_requests = 10  # measured on the lab: create, probe, read back, clean up

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET" or not operation.path.rstrip("/").endswith("}"):
            return "only reads of one object are probed with verb overrides"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        post = creator_of(ctx, operation.path)
        if post is None or post.request_body is None:
            raise NotApplicable(
                "no object of our own can be made here (the collection needs a JSON POST and the "
                "object a DELETE): only scanner-created objects are written to"
            )
        extra = opening_fields(post.request_body.schema)
        created: list[Created] = []
        try:
            for owner in _by_privilege(ctx)[:2]:
                obj = await create(ctx, operation.path, owner, extra)
                if obj is None:
                    continue
                created.append(obj)
                readers = [name for name in _by_privilege(ctx) if name != owner][:_MAX_READERS]
                seen_by: list[str] = []
                found = await self._probe_readers(
                    ctx, operation, obj, readers, extra, created, seen_by
                )
                if found is not None:
                    yield found
                    return
                if not seen_by:
                    raise Inconclusive(
                        f"no other identity may read {owner}'s new object: no read permission "
                        "to escalate from"
                    )
                break
        finally:
            for obj in created:
                if still_there(obj, await read_back(ctx, obj)) is not False:
                    await delete(ctx, obj)
        if not created:
            raise Inconclusive("could not create an object of our own to probe")

    async def _probe_readers(
        self,
        ctx: Context,
        operation: Operation,
        obj: Created,
        readers: list[str],
        extra: Mapping[str, str],
        created: list[Created],
        seen_by: list[str],
    ) -> Finding | None:
        """Each reader that sees the object but may not delete it tries every tunnel."""
        for reader in readers:
            if still_there(obj, await read_back(ctx, obj)) is not True:
                fresh = await create(ctx, operation.path, obj.owner, extra)
                if fresh is None:
                    return None
                created.append(fresh)
                obj = fresh
            read = await ctx.send(_read_request(ctx, operation, obj, reader), identity=reader)
            if not _shows(read, obj):
                continue  # this reader may not even read it
            seen_by.append(reader)
            refused = await _plain_delete_refused(ctx, operation, obj, reader)
            if refused is None:
                continue  # deleting is allowed to this reader (or unclear): nothing to smuggle
            for tunnel in tunnels():
                tunnelled = _tunnelled(ctx, operation, obj, reader, tunnel)
                exchange = await ctx.send(tunnelled, identity=reader)
                if still_there(obj, await read_back(ctx, obj)) is not False:
                    continue
                if not await self._repeats(ctx, operation, obj.owner, reader, tunnel, extra):
                    return None
                return self._finding(ctx, operation, obj, reader, tunnel, read, refused, exchange)
        return None

    async def _repeats(
        self,
        ctx: Context,
        operation: Operation,
        owner: str,
        reader: str,
        tunnel: Tunnel,
        extra: Mapping[str, str],
    ) -> bool:
        """Confirmation: the same tunnel deletes a second, fresh object too."""
        again = await create(ctx, operation.path, owner, extra)
        if again is None:
            return False
        try:
            await ctx.send(_tunnelled(ctx, operation, again, reader, tunnel), identity=reader)
            return still_there(again, await read_back(ctx, again)) is False
        finally:
            if still_there(again, await read_back(ctx, again)) is not False:
                await delete(ctx, again)

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        obj: Created,
        reader: str,
        tunnel: Tunnel,
        read: Exchange,
        refused: Exchange,
        exchange: Exchange,
    ) -> Finding:
        return ctx.finding(
            self,
            identity=reader,
            description=(
                f"{reader} may read {obj.owner}'s object at {operation.key} but not delete it "
                f"(plain DELETE answered {refused.status}); with {tunnel.label} the read deleted "
                f"it (answered {exchange.status}; {obj.owner} then got 404). Reproduced on a "
                "second scanner-created object."
            ),
            evidence=[
                Evidence(f"read as {reader}", read),
                Evidence(f"plain DELETE as {reader} (refused)", refused),
                Evidence(f"{tunnel.label} as {reader}", exchange, "the object is gone afterwards"),
            ],
            confidence=Confidence.CERTAIN,
            victim=obj.owner,
            reproduce=exchange,
            details={"tunnel": tunnel.label, "object": obj.params},
        )


def _by_privilege(ctx: Context) -> list[str]:
    return sorted(ctx.identities, key=ctx.is_privileged)


def _read_request(ctx: Context, operation: Operation, obj: Created, reader: str) -> HttpRequest:
    return request_for(ctx, operation, obj.params, reader)


def _shows(exchange: Exchange, obj: Created) -> bool:
    """The reader got the object itself: a 2xx carrying the canaries planted in it."""
    response = exchange.response
    if response is None or not 200 <= response.status < 300:
        return False
    return bool(obj.canaries) and all(c in response.text for c in obj.canaries)


async def _plain_delete_refused(
    ctx: Context, operation: Operation, obj: Created, reader: str
) -> Exchange | None:
    """The reader's plain DELETE, when it was refused and the object is intact; else None."""
    remover = next(
        (o for o in ctx.operations if o.method == "DELETE" and o.path == operation.path), None
    )
    if remover is None:
        return None
    exchange = await ctx.send(request_for(ctx, remover, obj.params, reader), identity=reader)
    if exchange.status is None or 200 <= exchange.status < 300:
        return None
    return exchange if still_there(obj, await read_back(ctx, obj)) is True else None


def _tunnelled(
    ctx: Context, operation: Operation, obj: Created, reader: str, tunnel: Tunnel
) -> HttpRequest:
    base = _read_request(ctx, operation, obj, reader)
    url = base.url
    if tunnel.query:
        url += ("&" if urlsplit(url).query else "?") + tunnel.query
    return HttpRequest(tunnel.method, url, (*base.headers, *tunnel.headers), tunnel.form_body)
