"""How private a property is: directory data anyone in the system may see, or data its owner
would not want another account to read. Pure; shared by the object-level checks.

Issue #8, property-level judgement: a signed-in user reading another user's public profile (id,
username, display name, avatar) is a directory, not a breach; the same request returning the
profile's e-mail, phone or password hash is. So a BOLA verdict names the *properties* that
leaked, and only a leak of at least one private property is a finding. A property is private by
its name (e-mail, phone, address, birth date, hash, token, secret, card, IBAN, balance, salary,
medical words…) or by the shape of its value (an e-mail address, a phone number, an IBAN, a card
number, free text of several words the owner wrote); directory data is the rest of an
identifying kind: ids, user names, display names, pictures, titles.

The rule leans towards "private": a property this module does not recognise either way counts as
private unless it is a short, single-word value under a directory-like key. A false "directory"
would hide a breach; a false "private" only keeps today's behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis.bodies import json_leaves, last_key

_PRIVATE_KEY = re.compile(
    r"mail|phone|mobile|fax|address|street|postcode|postal|zip|city|birth|dob|age$|gender|ssn"
    r"|socialsecurity|passport|national|taxid|license|password|passwd|hash|salt|secret|token"
    r"|apikey|privatekey|otp|card|cvv|cvc|iban|bic|swift|accountnumber|routing|balance|amount"
    r"|salary|income|credit|debit|payment|price|total|invoice|diagnos|medical|health|allerg"
    r"|prescri|medication|dosage|symptom|record|note|message|comment|content|body|text"
    r"|description|summary|memo|ingredient|step|location|geo|lat$|lng$|lon$|ipaddress|lastip"
    r"|private|internal|salt|counterparty|payee|payer|recipient|sender",
    re.I,
)
_DIRECTORY_KEY = re.compile(
    r"^(?:id|uuid|guid|slug|username|user|login|handle|nick|nickname|name|displayname|fullname"
    r"|firstname|lastname|givenname|familyname|surname|title|avatar|avatarurl|picture|photo"
    r"|photourl|image|imageurl|bio|about|headline|specialty|speciality|department|team|position"
    r"|jobtitle|role|type|kind|status|visibility|createdat|updatedat|joinedat|datejoined|since"
    r"|url|website|homepage|profileurl|locale|language|timezone|verified|isstaff|count"
    r"|\w*count|\w*id|\w*ids)$",
    re.I,
)
_ID_KEY = re.compile(r"(?:id|ids|uuid|guid|slug)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9 ]{10,30}$")
_CARD = re.compile(r"^(?:\d[ -]?){13,19}$")


@dataclass(frozen=True, slots=True)
class Property:
    """One property of an answer: its key path, key and value as text."""

    path: str
    key: str
    value: str


def value_shape(value: str) -> str | None:
    """Why the value itself is private whatever its key, or None."""
    text = value.strip()
    if _EMAIL.match(text):
        return "an e-mail address"
    if _IBAN.match(text.replace(" ", "")) and any(ch.isdigit() for ch in text[4:]):
        return "an IBAN"
    if _CARD.match(text) and sum(ch.isdigit() for ch in text) >= 13:
        return "a card number"
    if _PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 7 and not text.isdigit():
        return "a phone number"
    return None


def is_private(key: str, value: str) -> bool:
    """A property another account should not read: private by name, by value shape, or free
    text; directory data (ids, names, pictures, titles) is not."""
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    if value_shape(value) is not None:
        return True
    if _ID_KEY.search(norm) and len(value.split()) == 1:
        return False  # a reference (`record_id: 3`), whatever it refers to
    if _PRIVATE_KEY.search(norm):
        return True
    # not recognised either way: private, as before property-level judgement
    return not _DIRECTORY_KEY.match(norm)


def recognised_private(key: str, value: str) -> bool:
    """`is_private` on evidence only: a private name (`internal_notes`, `phone`, `salary`) or a
    private value shape (an e-mail address, an IBAN). A key neither list knows is *not* private
    here: for verdicts where a false "private" is the costly mistake (excessive exposure), where
    `is_private` leans the other way for BOLA."""
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    if value_shape(value) is not None:
        return True
    if _ID_KEY.search(norm) and len(value.split()) == 1:
        return False
    return bool(_PRIVATE_KEY.search(norm))


def properties_carrying(body: Any, values: Iterable[str]) -> list[Property]:
    """The properties of a parsed JSON answer whose value is one of `values` (whole values)."""
    wanted = {v.strip() for v in values}
    found: list[Property] = []
    for path, leaf in json_leaves(body):
        if isinstance(leaf, bool) or leaf is None:
            continue
        text = str(leaf).strip()
        if text in wanted:
            found.append(Property(path, last_key(path), text))
    return found


def private_properties(properties: Iterable[Property]) -> list[Property]:
    return [p for p in properties if is_private(p.key, p.value)]


def describe(properties: Iterable[Property], limit: int = 4) -> str:
    """`email, phone and 2 more`: property names for a sentence, never a Python repr."""
    names = list(dict.fromkeys(p.key or p.path for p in properties))
    if not names:
        return "no property"
    shown, rest = names[:limit], len(names) - limit
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def public_marker(body: Mapping[str, Any]) -> str | None:
    """A property by which the object says it is public (`visibility: public`, `is_public:
    true`, `public: true`, `private: false`), or None."""
    for key, value in body.items():
        norm = re.sub(r"[^a-z0-9]", "", str(key).lower())
        if norm in {"visibility", "access", "privacy", "audience"} and str(value).lower() in {
            "public",
            "everyone",
            "anyone",
            "world",
        }:
            return f"{key}: {value}"
        if norm in {"public", "ispublic", "published", "ispublished"} and value is True:
            return f"{key}: true"
        if norm in {"private", "isprivate"} and value is False:
            return f"{key}: false"
    return None
