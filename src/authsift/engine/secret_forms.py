"""Every form in which a secret can leave the engine, and how to recognise a near copy of one.

A credential can be rebuilt from more than its exact text:
- its encodings: URL-encoded in a query or form, JSON-escaped in a body, base64-encoded inside a
  Basic header or any other base64 blob (at whichever byte offset it sits);
- for a JWS (a JWT), its signature segment. The signature is what only the issuer can make: with
  it, the payload (readable claims, in every decoded token anyway) and the header (shared by all
  tokens of an issuer) give the token back. So the signature is redacted wherever it appears — in
  the token, after a swapped header, in a JSON serialization — while header and payload stay
  readable: a forgery's claims are the proof of a finding;
- a near copy: a variant a check made by flipping, dropping or adding a character or two. It is
  undone by trying 64 values per position, and an RSA or ECDSA signature can even be checked
  offline against the published JWKS. Any base64url run within `MAX_EDITS` edits of a known
  signature (or of an opaque base64url secret) is a copy.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_EDITS = 2
MIN_NEAR_LENGTH = 20  # shorter runs are too common in ordinary text to be judged copies
MIN_FORM_LENGTH = 10  # derived forms shorter than this could match innocent text
BASE64URL_RUN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_NEAR_LENGTH - MAX_EDITS},}}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_TO_STANDARD = str.maketrans("-_", "+/")
_TO_URLSAFE = str.maketrans("+/", "-_")

_Trie = dict[str, "_Trie"]


def jws_signature(secret: str) -> str | None:
    """The signature segment of a compact JWS (`eyJ….….<signature>`), None for anything else."""
    parts = secret.split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return None
    if not all(_BASE64URL.fullmatch(part) for part in parts[:2]):
        return None
    signature = parts[2]
    if len(signature) < MIN_NEAR_LENGTH or not _BASE64URL.fullmatch(signature):
        return None
    return signature


def derived_forms(secret: str, placeholder: str) -> list[tuple[str, str]]:
    """(form, placeholder) for every form of `secret` worth an exact match, the secret first."""
    forms = [(form, placeholder) for form in whole_value_forms(secret)]
    forms += [(core, f"{placeholder}.base64") for core in base64_cores(secret)]
    signature = jws_signature(secret)
    if signature is not None:
        forms += [(form, f"{placeholder}.signature") for form in signature_forms(signature)]
    return forms


def near_target(secret: str, placeholder: str) -> tuple[str, str] | None:
    """What a near copy of `secret` would be a copy of: a JWS's signature, an opaque base64url
    secret (API key, refresh token, cookie) itself, or nothing (passwords, short values)."""
    signature = jws_signature(secret)
    if signature is not None:
        return signature, f"{placeholder}.signature"
    if len(secret) >= MIN_NEAR_LENGTH and _BASE64URL.fullmatch(secret):
        return secret, placeholder
    return None


def whole_value_forms(secret: str) -> set[str]:
    """The secret as written, URL-encoded (query and form style) and JSON-escaped."""
    escaped = json.dumps(secret)[1:-1]
    quoted = {urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    return {secret, escaped, *quoted}


def base64_cores(secret: str) -> set[str]:
    """The base64 characters that encode only the secret's own bytes, for each of the three byte
    offsets it can have inside a longer encoded value (`user:secret` in a Basic header). The
    characters at either end also carry neighbouring bits, so they are left out."""
    data = secret.encode()
    cores: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + data).decode()
        core = encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6]
        if len(core) >= MIN_FORM_LENGTH:
            cores |= {core, core.translate(_TO_URLSAFE)}
    return cores


def signature_forms(signature: str) -> set[str]:
    """A JWS signature as base64url, in the standard alphabet (also URL-encoded), and in hex."""
    standard = signature.translate(_TO_STANDARD)
    forms = {signature, standard, urllib.parse.quote(standard, safe="")}
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        return forms
    return forms | {raw.hex()}


def literal_pattern(literals: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of `literals`, the longest at each position, built as a trie.

    A flat alternation tries every literal at every position of the text, so its cost grows
    with the number of secrets, and a scan with short-lived tokens registers dozens. Tokens
    of one issuer share their first ~40 characters; in a trie they are compared once.
    """
    trie: _Trie = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}  # a literal ends here
    return re.compile(_trie_regex(trie))


def _trie_regex(node: _Trie) -> str:
    branches: list[str] = []
    for char, child in sorted(node.items()):
        if char == "":
            continue
        chain = [char]
        # runs of single children become one literal: the nesting stays as deep as the number
        # of forks, not the length of a token
        while len(child) == 1 and "" not in child:
            ((char, child),) = child.items()
            chain.append(char)
        branches.append(re.escape("".join(chain)) + _trie_regex(child))
    if not branches:
        return ""
    alternation = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # a literal may end here: try the longer ones first (greedy), fall back to ending here
    return f"(?:{alternation})?" if "" in node else alternation


@dataclass(frozen=True, slots=True)
class _Target:
    value: str
    placeholder: str
    pieces: tuple[str, ...]  # MAX_EDITS + 1 disjoint parts: one survives any MAX_EDITS edits


class NearCopies:
    """Replaces base64url runs within `MAX_EDITS` edits of a target by the target's placeholder.

    Cheap by construction: only runs whose length is within `MAX_EDITS` of a target's are looked
    at, and only those containing an intact part of the target (pigeonhole: two edits cannot
    touch three disjoint parts) reach the edit-distance computation.
    """

    def __init__(self, targets: Mapping[str, str]) -> None:
        self._by_length: dict[int, list[_Target]] = {}
        self._shortest = min((len(value) for value in targets), default=0) - MAX_EDITS
        for value, placeholder in targets.items():
            size = len(value) // (MAX_EDITS + 1)
            pieces = [value[k * size : (k + 1) * size] for k in range(MAX_EDITS)]
            target = _Target(value, placeholder, (*pieces, value[MAX_EDITS * size :]))
            for length in range(len(value) - MAX_EDITS, len(value) + MAX_EDITS + 1):
                self._by_length.setdefault(length, []).append(target)

    def __bool__(self) -> bool:
        return bool(self._by_length)

    def replace(self, text: str) -> str:
        if not self._by_length or len(text) < self._shortest:
            return text  # most header values: shorter than any copy could be
        return BASE64URL_RUN.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        run = match.group(0)
        best: tuple[int, str] | None = None
        for target in self._by_length.get(len(run), ()):
            if not any(piece in run for piece in target.pieces):
                continue
            distance = edit_distance(run, target.value, MAX_EDITS)
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, target.placeholder)
        if best is None:
            return run
        distance, placeholder = best
        if distance == 0:
            return placeholder
        return f"{placeholder} ({distance} character{'s' if distance > 1 else ''} changed)"


def edit_distance(a: str, b: str, limit: int) -> int | None:
    """Levenshtein distance of `a` and `b` when at most `limit`, else None.

    Only the diagonal band of width 2·limit+1 is computed (a path leaving it costs more than
    `limit`), and the computation stops as soon as a whole row exceeds the limit.
    """
    if abs(len(a) - len(b)) > limit:
        return None
    over = limit + 1
    previous = [j if j <= limit else over for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        current = [over] * (len(b) + 1)
        if i <= limit:
            current[0] = i
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            current[j] = min(
                previous[j - 1] + (a[i - 1] != b[j - 1]), previous[j] + 1, current[j - 1] + 1, over
            )
        if min(current[low - 1 : high + 1]) > limit:
            return None
        previous = current
    return previous[len(b)] if previous[len(b)] <= limit else None
