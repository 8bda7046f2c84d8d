"""Offline HS256/384/512 secret recovery from wordlists (CHECKS #9, RFC 8725 §3.5).

Why it is shaped like this (research/perf-anchors.md, Part A): any per-guess call into
OpenSSL 3 costs ~2.5 µs of set-up against ~0.3 µs of hashing, so the hot loop does HMAC by hand
(RFC 2104: ``H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))``) with two ``hashlib`` constructor calls, pads keys
with C-level ``bytes`` methods, and keeps Python bytecode per guess to a minimum. Wordlists are
read in byte blocks and split once (never line by line, never whole), and blocks go to worker
processes, since only processes scale past the GIL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

from authsift.jose.errors import JoseError
from authsift.jose.jws import parse_compact
from authsift.jose.sign import HMAC_ALGS, hash_name

#: Bytes per block handed to a worker: ~100k typical words, large enough to amortise IPC.
BLOCK_BYTES = 1 << 20

_B64_DIRECTIVE = b"#!b64 "
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@dataclass(frozen=True)
class CrackResult:
    """Outcome of a run: the secret (``None`` when not found) and how hard we tried."""

    secret: bytes | None
    tried: int
    seconds: float
    rate: float


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


def split_block(block: bytes) -> list[bytes]:
    """Lines of a block: CRLF or LF endings, blank lines dropped, bytes kept as they are."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    return list(filter(None, block.split(b"\n")))


def iter_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """Stream a file as blocks that end on a line boundary; memory stays O(block_bytes)."""
    carry = b""
    with path.open("rb") as handle:
        while chunk := handle.read(block_bytes):
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            yield data[: cut + 1]
    if carry:
        yield carry


def builtin_candidates() -> list[bytes]:
    """The bundled curated secrets, plus the empty key (CHECKS #9 tries it first)."""
    text = resources.files("authsift.jose").joinpath("wordlists/jwt-secrets.txt").read_bytes()
    words: list[bytes] = [b""]
    for line in split_block(text):
        if line.startswith(_B64_DIRECTIVE):
            # Software such as Nacos base64-decodes its configured key before HMAC use.
            words.append(_lenient_b64decode(line[len(_B64_DIRECTIVE) :].strip()))
        elif not line.startswith(b"# ") and line != b"#":
            words.append(line)
    return words


def usable_cores() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _lenient_b64decode(text: bytes) -> bytes:
    """Decode base64 the way lenient Java decoders do: a trailing partial group is dropped."""
    whole_groups = text.rstrip(b"=")[: len(text.rstrip(b"=")) // 4 * 4]
    return base64.b64decode(whole_groups)


def crack(
    token: str,
    wordlists: Sequence[Path] = (),
    *,
    builtin: bool = True,
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
    progress_bytes: Callable[[int], None] | None = None,
    extra_candidates: Sequence[bytes] = (),
) -> CrackResult:
    """Try ``extra_candidates``, the bundled list, then each wordlist file, in that order.

    ``jobs=0`` uses every core; ``jobs=1`` stays in this process (no fork, safe anywhere).
    ``progress`` receives the running count of candidates tried, ``progress_bytes`` the
    running count of wordlist-file bytes consumed (for an ETA from file sizes).
    """
    target = HmacTarget.from_token(token)
    started = time.perf_counter()
    workers = jobs if jobs > 0 else usable_cores()
    # The in-memory candidates are few: checking them here beats starting processes.
    in_memory = [list(extra_candidates)] + ([builtin_candidates()] if builtin else [])
    secret, tried = _run_inline(target, iter(in_memory), progress, 0)
    if secret is None and wordlists:
        blocks = _file_blocks(wordlists, progress_bytes)
        if workers == 1:
            secret, tried = _run_inline(target, blocks, progress, tried)
        else:
            secret, tried = _run_pool(target, blocks, workers, progress, tried)
    seconds = time.perf_counter() - started
    return CrackResult(secret, tried, seconds, tried / seconds if seconds > 0 else 0.0)


def export_hashcat(token: str) -> str:
    """hashcat ``-m 16500`` (JWT) takes the token itself; we only check that it is HS*."""
    HmacTarget.from_token(token)
    parsed = parse_compact(token)
    return f"{parsed.raw_header}.{parsed.raw_payload}.{parsed.raw_signature}"


def export_john(token: str) -> str:
    """John jumbo ``--format=HMAC-SHA256`` (or -SHA384/-SHA512): ``signing_input#hex(sig)``."""
    target = HmacTarget.from_token(token)
    return f"{target.message.decode('ascii')}#{target.signature.hex()}"


def john_format(token: str) -> str:
    """The John format name matching the token's algorithm, e.g. ``HMAC-SHA256``."""
    return "HMAC-" + HmacTarget.from_token(token).hash_name.upper()


def _confirmed(target: HmacTarget, word: bytes) -> bytes | None:
    expected = hmac.digest(word, target.message, target.hash_name)
    return word if hmac.compare_digest(expected, target.signature) else None


# A batch is either a ready list of words (built-in, extras) or a raw block from a file.
_Batch = list[bytes] | bytes


def _file_blocks(
    wordlists: Sequence[Path], progress_bytes: Callable[[int], None] | None
) -> Iterator[_Batch]:
    consumed = 0
    for path in wordlists:
        for block in iter_blocks(path):
            yield block
            consumed += len(block)
            if progress_bytes is not None:
                progress_bytes(consumed)


def _run_inline(
    target: HmacTarget,
    batches: Iterator[_Batch],
    progress: Callable[[int], None] | None,
    tried: int,
) -> tuple[bytes | None, int]:
    for batch in batches:
        secret, count = _work(target, batch)
        tried += count
        if progress is not None:
            progress(tried)
        if secret is not None:
            return secret, tried
    return None, tried


def _run_pool(
    target: HmacTarget,
    batches: Iterator[_Batch],
    workers: int,
    progress: Callable[[int], None] | None,
    tried: int,
) -> tuple[bytes | None, int]:
    """Feed blocks to a process pool, at most ``2 × workers`` in flight to bound memory."""
    context = multiprocessing.get_context(_start_method())
    with context.Pool(workers, initializer=_init_worker, initargs=(target,)) as pool:
        pending: deque[AsyncResult[tuple[bytes | None, int]]] = deque()
        for batch in batches:
            pending.append(pool.apply_async(_work_in_worker, (batch,)))
            while len(pending) >= 2 * workers:
                secret, tried = _collect(pending.popleft(), tried, progress)
                if secret is not None:
                    return _stop(pool, secret, tried)
        while pending:
            secret, tried = _collect(pending.popleft(), tried, progress)
            if secret is not None:
                return _stop(pool, secret, tried)
    return None, tried


def _collect(
    result: AsyncResult[tuple[bytes | None, int]],
    tried: int,
    progress: Callable[[int], None] | None,
) -> tuple[bytes | None, int]:
    secret, count = result.get()
    tried += count
    if progress is not None:
        progress(tried)
    return secret, tried


def _stop(pool: Pool, secret: bytes, tried: int) -> tuple[bytes, int]:
    pool.terminate()
    return secret, tried


def _start_method() -> str:
    """fork is cheapest, but forking a multi-threaded process can deadlock: spawn then."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "spawn"


_WORKER_TARGET: HmacTarget | None = None


def _init_worker(target: HmacTarget) -> None:
    global _WORKER_TARGET
    _WORKER_TARGET = target


def _work_in_worker(batch: _Batch) -> tuple[bytes | None, int]:
    assert _WORKER_TARGET is not None, "worker used without its initializer"
    return _work(_WORKER_TARGET, batch)


def _work(target: HmacTarget, batch: _Batch) -> tuple[bytes | None, int]:
    words = split_block(batch) if isinstance(batch, bytes) else batch
    return search_words(target, words), len(words)
