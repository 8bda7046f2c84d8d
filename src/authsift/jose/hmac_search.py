"""The engine room of ``crack``: the HMAC hot loop, and sources fed to it in batches.

Why it is shaped like this (research/perf-anchors.md, Part A): any per-guess call into
OpenSSL 3 costs ~2.5 µs of set-up against ~0.3 µs of hashing, so the hot loop does HMAC by hand
(RFC 2104: ``H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))``) with two ``hashlib`` constructor calls, pads keys
with C-level ``bytes`` methods, and keeps Python bytecode per guess to a minimum. Only processes
scale past the GIL, so the parent hands batches to a pool and does almost nothing itself: a
wordlist goes out as raw byte blocks (a worker splits them), and generated candidates (masks,
derived words) go out as ``(keyspace, start, stop)`` index ranges that a worker expands.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from authsift.jose.candidates import Keyspace, Source, blocks_read, split_block
from authsift.jose.errors import JoseError
from authsift.jose.jws import parse_compact
from authsift.jose.sign import HMAC_ALGS, hash_name

#: Candidates per generated batch: ~0.1 s of one core, so a time budget is kept closely.
SPAN = 1 << 16

_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))

# A batch: words in memory, a raw block of a file, or (keyspace index, start, stop).
Batch = list[bytes] | bytes | tuple[int, int, int]
Progress = Callable[[int, int], None]  # (candidates tried, candidates planned)


@dataclass(frozen=True)
class HmacTarget:
    """What a worker needs: the signing input, the signature to reproduce, the hash."""

    message: bytes
    signature: bytes
    hash_name: str

    @classmethod
    def from_token(cls, token: str) -> HmacTarget:
        parsed = parse_compact(token)
        if parsed.alg not in HMAC_ALGS:
            raise JoseError(f"only HS256/HS384/HS512 tokens can be cracked, this is {parsed.alg!r}")
        return cls(parsed.signing_input, parsed.signature, hash_name(parsed.alg or ""))


def search_words(target: HmacTarget, words: list[bytes]) -> bytes | None:
    """The word whose HMAC of ``target.message`` equals ``target.signature``, or ``None``.

    RFC 2104 §2: keys shorter than the block size B are zero-padded to B, longer keys are first
    hashed. The hot loop pads every word (wrong for the rare word longer than B, which cannot
    collide by accident); those long words get a second, exact pass.
    """
    constructor = getattr(hashlib, target.hash_name)
    block = constructor().block_size
    message, wanted, ipad, opad = target.message, target.signature, _IPAD, _OPAD
    for word in words:
        key = word.ljust(block, b"\0")
        inner = constructor(key.translate(ipad) + message).digest()
        if constructor(key.translate(opad) + inner).digest() == wanted:
            return _confirmed(target, word)
    if words and max(map(len, words)) > block:
        for word in words:
            if len(word) > block and _confirmed(target, word) is not None:
                return word
    return None


@dataclass
class Search:
    """One run over ``sources``: what each source has had tried, and when to give up."""

    target: HmacTarget
    sources: Sequence[Source]
    deadline: float | None = None  # time.perf_counter() value
    progress: Progress | None = None
    tried: list[int] = field(init=False)
    keyspaces: tuple[Keyspace, ...] = field(init=False)
    timed_out: bool = False
    found_in: int | None = None  # index of the source the secret came from
    _file_estimate: dict[int, tuple[int, int, int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.tried = [0] * len(self.sources)
        self.keyspaces = tuple(k for source in self.sources for k in source.keyspaces)
        for index, source in enumerate(self.sources):
            if source.size is None:  # a user's file: estimated from its size until read
                self._file_estimate[index] = (0, 0, sum(map(_file_bytes, source.files)))

    def run(self, workers: int) -> bytes | None:
        """In-memory words here first, then the rest in ``workers`` processes (1: here)."""
        for index, source in enumerate(self.sources):
            for start in range(0, len(source.words), SPAN):
                words = list(source.words[start : start + SPAN])
                found = self._record(index, _work(self.target, (), words))
                if found is not None or self._late():
                    return found
        if not any(source.files or source.keyspaces for source in self.sources):
            return None
        if workers == 1:
            return self._inline(self._batches())
        return self._run_pool(workers)

    def planned(self) -> int:
        """Candidates known in advance, plus an estimate for files still being read."""
        known = sum(source.size or 0 for source in self.sources)
        estimated = 0
        for index, (lines, read, total) in self._file_estimate.items():
            estimated += max(self.tried[index], lines * total // read if read else total // 10)
        return known + estimated

    def _run_pool(self, workers: int) -> bytes | None:
        """Keep ``2 × workers`` batches in flight, collected in order (so tallies are exact).

        A pool that cannot start its workers (a ``__main__`` that spawn cannot re-import) is
        not fatal: the search goes on in this process. On a hit or at the deadline, what is
        queued is cancelled and the workers are ended at once (``_stop``).
        """
        context = multiprocessing.get_context(_start_method())
        initargs = (self.target, self.keyspaces)
        pool = ProcessPoolExecutor(workers, context, initializer=_init_worker, initargs=initargs)
        pending: deque[tuple[int, Batch, Future[tuple[bytes | None, int]]]] = deque()
        batches = self._batches()
        try:
            while True:
                for index, batch in batches:
                    pending.append((index, batch, pool.submit(_work_in_worker, batch)))
                    if len(pending) >= 2 * workers:
                        break
                if not pending:
                    return None
                index, batch, future = pending.popleft()
                try:
                    outcome = future.result(self._remaining())
                except FuturesTimeout:
                    self.timed_out = True
                    pending.appendleft((index, batch, future))
                    return self._finished(pending)
                except BrokenProcessPool:
                    unsent = [(index, batch)] + [(i, b) for i, b, _ in pending]
                    return self._inline(itertools.chain(unsent, batches))
                found = self._record(index, outcome)
                if found is not None or self._late():
                    return found
        finally:
            _stop(pool, (future for _, _, future in pending))

    def _finished(
        self, pending: deque[tuple[int, Batch, Future[tuple[bytes | None, int]]]]
    ) -> bytes | None:
        """At the deadline: count the batches already done, in order (one may hold the hit)."""
        while pending and pending[0][2].done() and not pending[0][2].cancelled():
            index, _, future = pending.popleft()
            if future.exception() is not None:
                break
            found = self._record(index, future.result())
            if found is not None:
                self.timed_out = False
                return found
        return None

    def _inline(self, batches: Iterator[tuple[int, Batch]]) -> bytes | None:
        for index, batch in batches:
            found = self._record(index, _work(self.target, self.keyspaces, batch))
            if found is not None or self._late():
                return found
        return None

    def _batches(self) -> Iterator[tuple[int, Batch]]:
        keyspace_index = 0
        for index, source in enumerate(self.sources):
            lines, done = 0, 0
            for path in source.files:
                read = 0
                for block, read in blocks_read(path):
                    if index in self._file_estimate:
                        lines += block.count(b"\n") + (not block.endswith(b"\n"))
                        total = self._file_estimate[index][2]
                        self._file_estimate[index] = (lines, done + read, total)
                    yield index, block
                done += read
            for keyspace in source.keyspaces:
                for start in range(0, keyspace.size, SPAN):
                    yield index, (keyspace_index, start, min(start + SPAN, keyspace.size))
                keyspace_index += 1

    def _record(self, index: int, outcome: tuple[bytes | None, int]) -> bytes | None:
        found, count = outcome
        self.tried[index] += count
        if found is not None:
            self.found_in = index
        if self.progress is not None:
            self.progress(sum(self.tried), self.planned())
        return found

    def _remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.perf_counter())

    def _late(self) -> bool:
        self.timed_out = self.deadline is not None and time.perf_counter() >= self.deadline
        return self.timed_out


def _stop(pool: ProcessPoolExecutor, pending: Iterable[Future[tuple[bytes | None, int]]]) -> None:
    """Cancel what is queued, end the workers now (not after their batch), and wait for the
    pool's own threads, so that none is left behind to make the next search spawn."""
    for future in pending:
        future.cancel()
    for process in list((getattr(pool, "_processes", None) or {}).values()):  # pid → Process
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _file_bytes(path: object) -> int:
    stat = getattr(path, "stat", None)
    return int(stat().st_size) if callable(stat) else 0


def _confirmed(target: HmacTarget, word: bytes) -> bytes | None:
    expected = hmac.digest(word, target.message, target.hash_name)
    return word if hmac.compare_digest(expected, target.signature) else None


def _start_method() -> str:
    """fork is cheapest, but forking a multi-threaded process can deadlock: spawn then."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "spawn"


_WORKER: tuple[HmacTarget, tuple[Keyspace, ...]] | None = None


def _init_worker(target: HmacTarget, keyspaces: tuple[Keyspace, ...]) -> None:
    global _WORKER
    _WORKER = (target, keyspaces)


def _work_in_worker(batch: Batch) -> tuple[bytes | None, int]:
    assert _WORKER is not None, "worker used without its initializer"
    return _work(_WORKER[0], _WORKER[1], batch)


def _work(
    target: HmacTarget, keyspaces: Sequence[Keyspace], batch: Batch
) -> tuple[bytes | None, int]:
    if isinstance(batch, tuple):
        index, start, stop = batch
        words = keyspaces[index].words(start, stop)
    else:
        words = split_block(batch) if isinstance(batch, bytes) else batch
    return search_words(target, words), len(words)
