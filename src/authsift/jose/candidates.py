"""Where HMAC secret candidates come from, in the order they are tried.

Defaults, cheapest and likeliest first: the curated list of framework and tutorial secrets
(``wordlists/jwt-secrets.txt``), words derived from the target (``derive.py``), the 30,000 most
common passwords and 49,160 English words (zxcvbn's frequency lists, MIT; see
``wordlists/LICENSE-zxcvbn.txt``), then every digit string of up to 6 digits. After them come the
caller's wordlists and masks.

A source is fed one of three ways: a few words in memory (checked by the parent, which starts no
process for them), a file streamed in byte blocks (plain or gzip; a worker splits each block), or
keyspaces a worker generates itself from the index range it is handed (masks, derived words).
"""

from __future__ import annotations

import base64
import functools
import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, Protocol

from authsift.jose.derive import derived
from authsift.jose.errors import JoseError
from authsift.jose.mask import Mask, digit_masks

#: Bytes per block handed to a worker: ~100k typical words, large enough to amortise IPC.
BLOCK_BYTES = 1 << 20
#: Digit strings tried by default (1,111,110 candidates); the CLI's ``--digits`` goes to 8.
DEFAULT_DIGITS = 6
MAX_DIGITS = 8

_B64_DIRECTIVE = b"#!b64 "
_GZIP_MAGIC = b"\x1f\x8b"
COMMON_PASSWORDS = "common-passwords.txt.gz"
ENGLISH_WORDS = "english-words.txt.gz"


class Keyspace(Protocol):
    """Candidates a worker makes from an index range (picklable: it travels to the workers)."""

    @property
    def size(self) -> int: ...

    def words(self, start: int, stop: int) -> list[bytes]: ...


@dataclass(frozen=True)
class Source:
    """One named group of candidates; exactly one of ``words``, ``files``, ``keyspaces`` is set.

    ``size`` is the number of candidates when known before the run (``None`` for a user's
    wordlist file, which is counted as it streams).
    """

    label: str
    words: tuple[bytes, ...] = ()
    files: tuple[Traversable, ...] = ()
    keyspaces: tuple[Keyspace, ...] = ()
    size: int | None = None

    @property
    def generated(self) -> bool:
        return bool(self.keyspaces)


def words_source(label: str, words: Sequence[bytes]) -> Source:
    return Source(label, words=tuple(words), size=len(words))


def keyspace_source(label: str, keyspaces: Sequence[Keyspace]) -> Source:
    return Source(label, keyspaces=tuple(keyspaces), size=sum(k.size for k in keyspaces))


def file_source(path: Path) -> Source:
    return Source(f"wordlist {path.name}", files=(path,))


def mask_source(mask: Mask) -> Source:
    return keyspace_source(f"mask {mask.text}", [mask])


def default_sources(texts: Sequence[str] = (), digits: int = DEFAULT_DIGITS) -> list[Source]:
    """The built-in candidates: curated, derived from ``texts``, common passwords, English
    words, and digit strings of 1 to ``digits`` digits (``0``: none)."""
    sources = [words_source("curated", builtin_candidates())]
    keyspace = derived(texts)
    if keyspace.size:
        sources.append(keyspace_source("derived", [keyspace]))
    for label, name in (("common passwords", COMMON_PASSWORDS), ("English words", ENGLISH_WORDS)):
        sources.append(Source(label, files=(_bundled(name),), size=bundled_size(name)))
    if digits > 0:
        sources.append(keyspace_source(f"digits ≤ {digits}", digit_masks(digits)))
    return sources


def builtin_candidates() -> list[bytes]:
    """The bundled curated secrets, plus the empty key (CHECKS #9 tries it first)."""
    text = _bundled("jwt-secrets.txt").read_bytes()
    words: list[bytes] = [b""]
    for line in split_block(text):
        if line.startswith(_B64_DIRECTIVE):
            # Software such as Nacos base64-decodes its configured key before HMAC use.
            words.append(_lenient_b64decode(line[len(_B64_DIRECTIVE) :].strip()))
        elif not line.startswith(b"# ") and line != b"#":
            words.append(line)
    return words


@functools.cache
def bundled_size(name: str) -> int:
    """Entries of a bundled list (counted once: decompressing them takes milliseconds)."""
    return sum(len(split_block(block)) for block in iter_blocks(_bundled(name)))


def split_block(block: bytes) -> list[bytes]:
    """Lines of a block: CRLF or LF endings, blank lines dropped, bytes kept as they are."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    return list(filter(None, block.split(b"\n")))


def iter_blocks(path: Traversable, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """Stream a file as blocks that end on a line boundary; memory stays O(block_bytes).

    A gzip file (told by its magic bytes, whatever its name) is decompressed as it streams.
    """
    for block, _ in blocks_read(path, block_bytes):
        yield block


def blocks_read(path: Traversable, block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[bytes, int]]:
    """``iter_blocks`` with, beside each block, the bytes of the file read so far."""
    carry = b""
    with path.open("rb") as raw:
        handle: IO[bytes] | gzip.GzipFile = raw
        magic = raw.read(2)
        raw.seek(0)
        pending = b""
        if magic == _GZIP_MAGIC:
            compressed = gzip.GzipFile(fileobj=raw, mode="rb")
            try:
                pending = compressed.read(block_bytes)
                handle = compressed
            except (OSError, EOFError):  # plain bytes that merely begin like gzip
                raw.seek(0)
                pending = b""
        while chunk := pending or _read(handle, block_bytes, path):
            pending = b""
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            yield data[: cut + 1], raw.tell()
        if carry:
            yield carry, raw.tell()


def _read(handle: IO[bytes] | gzip.GzipFile, size: int, path: Traversable) -> bytes:
    try:
        return handle.read(size)
    except (OSError, EOFError) as exc:  # a gzip file cut short or corrupt past its header
        raise JoseError(f"{path}: the compressed wordlist is damaged ({exc})") from exc


def _bundled(name: str) -> Traversable:
    return resources.files("authsift.jose") / "wordlists" / name


def _lenient_b64decode(text: bytes) -> bytes:
    """Decode base64 the way lenient Java decoders do: a trailing partial group is dropped."""
    whole_groups = text.rstrip(b"=")[: len(text.rstrip(b"=")) // 4 * 4]
    return base64.b64decode(whole_groups)
