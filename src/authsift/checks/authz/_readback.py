"""Read an object back as the privileged identity, and tell what changed between two readings.

A state-changing probe is proven by its effect, never by its status code: the object is read
before and after the probe through a `GET` of the object (`GET /admin/users/{id}`), its
collection (`GET /admin/users`, the item with the object's id) or another `GET …/{same param}`;
an object wrapped in an envelope (`{"ok": true, "profile": {...}}`) is read inside it. A canary
account is also read by itself, through the API's identity endpoint (`GET /me`), when the
privileged identity's view of it shows no account state (a public profile without the role):
the API's own answer to "who am I" is evidence any API gives. Each reading is reduced to the
object's JSON leaves; leaves that differ between two readings before the probe, and date-times,
are volatile and never count as a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any, Protocol

from authsift.analysis import exchange_json
from authsift.analysis.bodies import encode_scalar, json_leaves
from authsift.analysis.volatile import is_volatile_leaf, normalized_key
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._producers import id_of, last_param, listed_items
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation

State = dict[str, str]  # JSON leaf path → encoded value ("<volatile>" when masked)
MASK = "<volatile>"
_MAX_READERS = 1


class Account(Protocol):
    """A session of the scanner's own account (a canary), applied to a request."""

    def authorize(self, ctx: Context, request: HttpRequest) -> HttpRequest: ...


@dataclass(frozen=True, slots=True)
class Target:
    """The object a probe acts on: its address, and values that recognise it in a listing."""

    template: str
    params: dict[str, str]
    markers: frozenset[str] = frozenset()  # canary strings planted in it

    @property
    def object_id(self) -> str:
        return self.params.get(last_param(self.template) or "", "")


@dataclass(frozen=True, slots=True)
class Reading:
    """One read-back: the exchanges, and the object's state (None: absent; {} unknown)."""

    exchanges: tuple[Exchange, ...]
    states: tuple[State | None, ...]  # per reader; None = the reader says it does not exist

    @property
    def gone(self) -> bool:
        return bool(self.states) and all(state is None for state in self.states)

    @property
    def shown(self) -> Exchange:
        return self.exchanges[0]


@dataclass(slots=True)
class Observer:
    """Reads one target as one identity through the readers that found it."""

    ctx: Context
    target: Target
    identity: str
    readers: list[Operation] = field(default_factory=list)
    volatile: set[str] = field(default_factory=set)
    own: dict[str, Account] = field(default_factory=dict)  # reader key → the account itself
    written: set[str] = field(default_factory=set)  # markers a probe wrote into the target
    marked: bool = False  # the first reading showed the target's markers

    def ours(self, reading: Reading) -> bool:
        """Whether what answers at the target's address is still the scanner's object: it
        shows one of its markers, where the first reading did (an API that reuses ids may have
        given a deleted object's id to another)."""
        return not self.marked or _mentions(reading, self.target.markers | self.written)

    def label(self, index: int) -> str:
        """Who reads through the `index`-th reader: `ada`, `the canary account (GET /me)`."""
        reader = self.readers[index]
        return f"the canary account ({reader.key})" if reader.key in self.own else self.identity

    async def add_own(self, reader: Operation, account: Account, first: Reading) -> Reading:
        """Also read the target as the account itself through `reader` (its identity endpoint),
        when that shows it; `first` with this reading added."""
        self.own[reader.key] = account
        exchange = await self._read(reader)
        state = _state_of(exchange, self.target, reader)
        if not state:
            del self.own[reader.key]
            return first
        self.readers.append(reader)
        return Reading((*first.exchanges, exchange), (*first.states, state))

    async def find(self, operations: Sequence[Operation]) -> Reading | None:
        """Choose the readers that show the target (at most two); None when none does."""
        exchanges: list[Exchange] = []
        states: list[State | None] = []
        for reader in operations:
            exchange = await self._read(reader)
            state = _state_of(exchange, self.target, reader)
            if state:
                self.readers.append(reader)
                exchanges.append(exchange)
                states.append(state)
                if len(self.readers) >= _MAX_READERS:
                    break
        if not self.readers:
            return None
        found = Reading(tuple(exchanges), tuple(states))
        self.marked = _mentions(found, self.target.markers)
        return found

    async def read(self) -> Reading:
        exchanges = [await self._read(reader) for reader in self.readers]
        states = [
            _state_of(e, self.target, r) for e, r in zip(exchanges, self.readers, strict=True)
        ]
        return Reading(tuple(exchanges), tuple(states))

    def learn(self, first: Reading, second: Reading) -> None:
        """Leaves that differ between two readings with nothing done in between are volatile."""
        for a, b in zip(first.states, second.states, strict=True):
            self.volatile.update(_differing(a or {}, b or {}))

    def changes(
        self, before: Reading, after: Reading, only: int | None = None
    ) -> dict[str, tuple[str, str]]:
        """Stable leaves whose value differs (path → (before, after)); `$` when it vanished.
        `only`: through that reader alone."""
        found: dict[str, tuple[str, str]] = {}
        pairs = enumerate(zip(before.states, after.states, strict=True))
        for index, (old, new) in pairs:
            if only is not None and index != only:
                continue
            if old and new is None:
                found["$"] = ("present", "gone")
                continue
            if not old or not new:
                continue
            for path in _differing(old, new) - self.volatile:
                found[path] = (old.get(path, "(absent)"), new.get(path, "(absent)"))
        return found

    async def _read(self, reader: Operation) -> Exchange:
        account = self.own.get(reader.key)
        if account is not None:  # the account reads itself: no path parameters, its session
            request = account.authorize(self.ctx, self.ctx.build(reader))
            return await self.ctx.send(request)
        params = dict(self.target.params)
        own = last_param(reader.path)
        if own is not None and own not in params:  # `{userId}` reading a `{user_id}` object
            params[own] = self.target.object_id
        request = request_for(self.ctx, reader, params, self.identity)
        return await self.ctx.send(request, identity=self.identity)


def readers_of(template: str, operations: Sequence[Operation]) -> list[Operation]:
    """GETs that show one object of `template`: the object itself, its collection (admin
    listings included: the privileged identity reads them), then other `GET …/{same param}`."""
    base = template.rstrip("/")
    parent = base.rsplit("/", 1)[0]
    name = normalized_key(last_param(template) or "")
    gets = [op for op in operations if op.method == "GET"]
    exact = [op for op in gets if op.path.rstrip("/") == base]
    listing = [op for op in gets if op.path.rstrip("/") == parent and parent]
    same = [
        op
        for op in gets
        if op not in exact
        and normalized_key(last_param(op.path) or "-") == name
        and len(_params(op.path)) == 1 == len(_params(template))
    ]
    return [*exact, *listing, *same]


def state_of(value: Any) -> State:
    """The comparable leaves of an object (date-times and nonces masked)."""
    state: State = {}
    for path, leaf in json_leaves(value):
        state[path] = MASK if is_volatile_leaf(path, leaf) else encode_scalar(leaf)
    return state


def _state_of(exchange: Exchange, target: Target, reader: Operation) -> State | None:
    """The target's state in one answer: {} when the answer says nothing, None when it says
    the target does not exist (404/410, or a listing that answers without it)."""
    response = exchange.response
    if response is None:
        return {}
    if response.status in (404, 410) and last_param(reader.path) is not None:
        return None
    if not 200 <= response.status < 300:
        return {}
    answer = exchange_json(exchange)
    name = last_param(target.template) or ""
    for single in (answer, inner(answer)):
        if isinstance(single, dict) and _is_target(single, target, name):
            return state_of(single)
    items = listed_items(answer)
    for item in items:
        if _is_target(item, target, name):
            return state_of(item)
    if last_param(reader.path) is None and (items or answer == []):
        return None  # the collection answered, and the object is not in it
    return {}


def inner(answer: Any) -> dict[str, Any] | None:
    """The one object inside an envelope (`{"ok": true, "user": {...}}`): the only member that
    is an object, beside scalars; None when `answer` is not such an envelope."""
    if not isinstance(answer, dict) or any(isinstance(v, list) for v in answer.values()):
        return None
    nested = [v for v in answer.values() if isinstance(v, dict)]
    return nested[0] if len(nested) == 1 else None


def _is_target(item: Mapping[str, Any], target: Target, name: str) -> bool:
    if target.object_id and id_of(item, name) == target.object_id:
        return True
    values = {str(v) for v in item.values() if isinstance(v, str | int) and not isinstance(v, bool)}
    return bool(target.markers & values)


def _mentions(reading: Reading, markers: Set[str]) -> bool:
    texts = [e.response.text for e in reading.exchanges if e.response is not None]
    return any(marker in text for marker in markers for text in texts)


def _differing(a: State, b: State) -> set[str]:
    return {path for path in a.keys() | b.keys() if a.get(path) != b.get(path)}


def _params(template: str) -> list[str]:
    return [p for p in template.split("/") if p.startswith("{")]
