"""What every task of a scan shares: the session, identities, baselines and calibration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import Baseline, Calibration
from authsift.checks.base import ScanFacts
from authsift.engine.auth import AuthManager
from authsift.engine.redact import Redactor
from authsift.engine.session import HttpSession
from authsift.model import Exchange, Operation
from authsift.spec.classify import looks_privileged


@dataclass(slots=True)
class ScanState:
    target: str
    session: HttpSession
    auth: AuthManager
    redactor: Redactor
    roles: dict[str, str]  # identity → role, config order
    privileged_roles: frozenset[str]
    resources: dict[str, dict[str, list[object]]]  # identity → parameter name → owned values
    calibration: Calibration
    markers: dict[str, frozenset[str]] = field(default_factory=dict)
    baselines: dict[tuple[str, str], asyncio.Future[Baseline]] = field(default_factory=dict)
    baseline_exchanges: dict[tuple[str, str], tuple[Exchange, Exchange, Exchange]] = field(
        default_factory=dict
    )
    operations: tuple[Operation, ...] = ()
    facts: ScanFacts | None = None
    shared: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    # (operation, identity) → the seeded value that names an object there, per parameter, when
    # the first seed under a shared name (`{id}` on a DRF-style API) named another type
    seed_choice: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)

    @property
    def identities(self) -> tuple[str, ...]:
        return tuple(self.roles)

    def is_privileged(self, identity: str) -> bool:
        return self.roles.get(identity, "") in self.privileged_roles

    def identity_order(self, operation: Operation) -> list[str]:
        """Who to try first for a baseline: the admin for admin-looking operations, else users."""
        privileged_first = looks_privileged(operation)
        return sorted(
            self.identities, key=lambda name: self.is_privileged(name) != privileged_first
        )
