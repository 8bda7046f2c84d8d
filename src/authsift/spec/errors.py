"""The one error a spec can raise, and the JSON-pointer arithmetic that names where it went wrong.

A user with a 4,000-line spec cannot act on `KeyError: 'name'`. Every problem the loader finds is
reported as `document#/json/pointer: what is wrong`, so the user can jump straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


class SpecError(Exception):
    """A spec that cannot be used, with the place that made it unusable.

    `document` is the file name or URL the problem is in (the root spec or a file reached through
    a `$ref`), `pointer` the RFC 6901 JSON pointer inside it ("" for the whole document), and
    `str(error)` reads `spec.yaml#/paths/~1users/get/parameters/0: missing 'name'`.
    """

    def __init__(self, document: str, pointer: str, problem: str) -> None:
        self.document = document
        self.pointer = pointer
        self.problem = problem
        super().__init__(f"{document}#{pointer}: {problem}")

    @property
    def location(self) -> str:
        """`document#pointer`: the form a user pastes into an editor or a JSON-pointer tool."""
        return f"{self.document}#{self.pointer}"


def escape_token(token: str | int) -> str:
    """RFC 6901 §4: '~' is written '~0' and '/' is written '~1' inside a reference token.

    "~" must be escaped first, otherwise the '~' of a freshly written '~1' would be escaped too.
    """
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """RFC 6901 §4: "first transforming any occurrence of the sequence '~1' to '/', and then
    transforming any occurrence of the sequence '~0' to '~'" — in that order, so '~01' is '~1'."""
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of a JSON pointer ('' is the whole document).

    RFC 6901 §6: in a URI fragment the pointer is percent-encoded (`#/paths/~1users~1%7Bid%7D`),
    so percent-decoding comes before the '~' unescaping.
    """
    decoded = unquote(pointer)
    if decoded == "":
        return []
    if not decoded.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/', got {pointer!r}")
    return [unescape_token(token) for token in decoded[1:].split("/")]


@dataclass(frozen=True, slots=True)
class Location:
    """A node of a loaded document: which document, and the JSON pointer inside it."""

    document: str
    pointer: str = ""

    def child(self, *tokens: str | int) -> Location:
        suffix = "".join("/" + escape_token(token) for token in tokens)
        return Location(self.document, self.pointer + suffix)

    def error(self, problem: str) -> SpecError:
        return SpecError(self.document, self.pointer, problem)

    def __str__(self) -> str:
        return f"{self.document}#{self.pointer}"
