"""Where an API may answer without its spec saying so: the candidates of unlisted-endpoint
discovery, from a curated list and from the spec itself. Pure: no I/O but reading the list.

Two sources, both bounded so that a scan's discovery costs a number of requests known before it
starts (`estimate_discovery`, printed by `--dry-run`):

* the curated list `data/unlisted_paths.txt` (admin, debug and ops paths that frameworks and
  deployments ship by default; the file explains each group and what is left out);
* candidates derived from the documented paths: GET on a path the spec documents only with other
  methods, the literal prefixes of documented paths, a few segments (`_debug`, `debug`, `admin`,
  `internal`, `export`, `all`, `logs`, `feed`) under the most used documented prefixes, and the
  curated admin and debug paths under the API's mount prefix (`/api/admin`).

Only GET is ever proposed (read-only); documented GET paths and the framework documentation
defaults are never candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from authsift.model import Operation

Kind = Literal["debug", "admin", "ops", "derived"]
KINDS: frozenset[str] = frozenset({"debug", "admin", "ops", "derived"})
# Segments tried under each of the most used documented prefixes (`/orders/export`).
DERIVED_SEGMENTS = ("_debug", "debug", "admin", "internal", "export", "all", "logs", "feed")
MAX_PREFIXES = 8  # documented prefixes that get the derived segments
MAX_DERIVED = 90  # spec-derived candidates at most (the curated list is ~70)
MAX_MOUNTED = 80  # curated entries looked at for the API's mount prefix (admin and debug kinds)
MAX_HITS = 24  # answering candidates followed up with identities
FOLLOW_UPS = 2  # requests per followed-up candidate: a low-privilege and a privileged identity
# Framework documentation and bare health checks: public on purpose, never candidates.
_DOCS = re.compile(
    r"^/(?:.*/)?(?:docs|redoc|openapi(?:\.json|\.yaml)?|swagger(?:-ui)?(?:\.json|\.html)?"
    r"|api-docs|health|healthz|livez|readyz|ready|ping|favicon\.ico|robots\.txt)/?$",
    re.I,
)
_PARAM = re.compile(r"\{[^}]*\}")


class CuratedListError(ValueError):
    """The bundled list is malformed (a packaging bug, reported in one line)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str
    kind: Kind
    origin: str  # "curated" or why the spec suggested it ("prefix of GET /orders/{id}")


@cache
def curated() -> tuple[Candidate, ...]:
    """The curated list, as shipped with authsift."""
    text = resources.files("authsift.spec").joinpath("data/unlisted_paths.txt").read_text("utf-8")
    return parse_curated(text)


def parse_curated(text: str) -> tuple[Candidate, ...]:
    found: list[Candidate] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()  # comments: whole or trailing
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[0].startswith("/") or parts[1] not in KINDS:
            raise CuratedListError(f"unlisted_paths.txt line {number}: expected '/path kind'")
        kind: Kind = parts[1]  # type: ignore[assignment]
        found.append(Candidate(parts[0], kind, "curated"))
    return tuple(found)


def is_framework_default(path: str) -> bool:
    """Documentation pages and bare health checks that are public on purpose."""
    return bool(_DOCS.match(path))


def documented_get(path: str, operations: Sequence[Operation]) -> bool:
    """The spec documents GET (or HEAD) on this exact path, or on a template it fills literally
    (a candidate `/orders/all` is *not* taken for `/orders/{id}`: that is how unlisted routes
    hide, so only the same template text counts)."""
    return any(
        op.method in {"GET", "HEAD"} and op.path.rstrip("/") == path.rstrip("/")
        for op in operations
    )


def candidates(operations: Sequence[Operation]) -> list[Candidate]:
    """Every candidate path for this spec, curated first, without duplicates or documented GETs."""
    chosen: dict[str, Candidate] = {}
    for candidate in (*curated(), *derived(operations)):
        key = candidate.path.rstrip("/") or "/"
        if key in chosen or documented_get(candidate.path, operations):
            continue
        if is_framework_default(candidate.path):
            continue
        chosen[key] = candidate
    return list(chosen.values())


def derived(operations: Sequence[Operation]) -> list[Candidate]:
    """Candidates the documented paths suggest, at most `MAX_DERIVED`."""
    found: list[Candidate] = []
    seen: set[str] = set()

    def add(path: str, origin: str) -> None:
        path = path.rstrip("/") or "/"
        if (
            path != "/"
            and path not in seen
            and len(found) < MAX_DERIVED
            and not documented_get(path, operations)
        ):
            seen.add(path)
            found.append(Candidate(path, "derived", origin))

    mount = mount_prefix(operations)
    if mount:  # the curated admin and debug paths under the API's own mount point (`/api/admin`)
        for entry in curated()[:MAX_MOUNTED]:
            if entry.kind in {"admin", "debug"} and not entry.path.startswith(mount + "/"):
                found.append(Candidate(mount + entry.path, entry.kind, f"curated, under {mount}"))
    for op in operations:  # other methods on documented paths: GET where only writes are listed
        if op.method not in {"GET", "HEAD"} and not _PARAM.search(op.path):
            add(op.path, f"documented only as {op.method}")
    ranked = _prefixes(operations)
    for prefix, _ in ranked:
        add(prefix, "prefix of documented paths")
    for prefix, _ in ranked[:MAX_PREFIXES]:
        for segment in DERIVED_SEGMENTS:
            add(f"{prefix}/{segment}", f"'{segment}' under the documented prefix {prefix}")
    return found


def mount_prefix(operations: Sequence[Operation]) -> str:
    """The literal prefix (one or two segments) most documented paths share, such as `/api` or
    `/api/v1`, or "" when there is none."""
    total = len(operations)
    best = ""
    for prefix, count in _prefixes(operations):
        shared = count >= max(2, 0.6 * total)
        if prefix.count("/") <= 2 and shared and len(prefix) > len(best):
            best = prefix
    return best


def _prefixes(operations: Sequence[Operation]) -> list[tuple[str, int]]:
    """Literal prefixes of the documented paths (up to the first parameter), most used first."""
    counts: Counter[str] = Counter()
    for op in operations:
        literal: list[str] = []
        for segment in op.path.strip("/").split("/"):
            if not segment or _PARAM.search(segment):
                break
            literal.append(segment)
            counts["/" + "/".join(literal)] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].count("/"), item[0]))


def estimate_discovery(operations: Sequence[Operation]) -> int:
    """The most requests discovery sends: one GET per candidate, one calibration GET per probed
    documented prefix, and the identity follow-ups of at most `MAX_HITS` answering candidates."""
    count = len(candidates(operations))
    return count + calibration_prefixes_count(operations) + MAX_HITS * FOLLOW_UPS


def calibration_prefixes(operations: Sequence[Operation]) -> list[str]:
    """The prefixes under which discovery learns how the API answers an unknown path."""
    return [prefix for prefix, _ in _prefixes(operations)[:MAX_PREFIXES]]


def calibration_prefixes_count(operations: Sequence[Operation]) -> int:
    return len(calibration_prefixes(operations))
