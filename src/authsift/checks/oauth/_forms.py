"""HTML forms of an authorization server's login and consent pages, read without a browser.

Only what a user agent needs to submit a form as a person would: its action and method, its
inputs with their default values, and its submit buttons (a button's own name/value is part of
the submission, HTML §4.10.21.4 "constructing the entry list").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass(slots=True)
class Form:
    action: str
    method: str
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value)

    @property
    def has_password(self) -> bool:
        return any(kind == "password" for kind, _, _ in self.inputs)

    def fields(self) -> dict[str, str]:
        """Every named input with its default value, plus the first named submit button."""
        values = {
            name: value
            for kind, name, value in self.inputs
            if name and kind not in ("submit", "button", "image", "reset", "checkbox", "radio")
        }
        for name, value in self.buttons[:1]:
            if name:
                values.setdefault(name, value)
        return values

    def user_field(self) -> str | None:
        """The user-name input: a text or e-mail input of a form with a password input."""
        for kind, name, _ in self.inputs:
            if name and kind in ("text", "email", ""):
                return name
        return None

    def password_field(self) -> str | None:
        for kind, name, _ in self.inputs:
            if name and kind == "password":
                return name
        return None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): value or "" for key, value in attrs}
        if tag == "form":
            self._current = Form(values.get("action", ""), values.get("method", "get").upper())
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        if tag == "input":
            kind = values.get("type", "text").lower()
            name = values.get("name", "")
            if kind == "submit":
                self._current.buttons.append((name, values.get("value", "")))
            else:
                self._current.inputs.append((kind, name, values.get("value", "")))
        elif tag == "button" and values.get("type", "submit").lower() == "submit":
            self._current.buttons.append((values.get("name", ""), values.get("value", "")))
        elif tag in ("select", "textarea") and values.get("name"):
            self._current.inputs.append((tag, values["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def parse_forms(html: str) -> list[Form]:
    """The forms of an HTML page, in document order (malformed markup is read leniently)."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms
