"""What the api-key checks share: which identities hold a key, and a usable probe for one.

An API-key identity is one the config declares with `auth.type: api_key`: the operator says the
credential is a static key, so no guess from its shape is needed (CHECKS.md #1 step 1 allows
"the operator may also declare it").
"""

from __future__ import annotations

from dataclasses import dataclass

from authsift.analysis import Baseline
from authsift.checks.base import Context, CoveredElsewhere, Inconclusive
from authsift.model import Exchange, HttpRequest, Operation


def key_identities(ctx: Context) -> list[str]:
    """Identities whose credential is an API key (config `auth.type: api_key`), config order."""
    return [
        name
        for name in ctx.identities
        if ctx.facts.identity_auth.get(name) == "api_key" and ctx.credential(name) is not None
    ]


def key_of(ctx: Context, identity: str) -> str:
    credential = ctx.credential(identity)
    if credential is None:
        raise Inconclusive(f"{identity} has no credential")
    return credential.token


def placeholder(identity: str, suffix: str) -> str:
    """`$ALICE_RO_KEY_VARIANT`: how a value derived from a key appears in reports."""
    stem = "".join(c if c.isalnum() else "_" for c in identity.upper())
    return f"${stem}_{suffix}"


@dataclass(frozen=True)
class KeyProbe:
    """A key identity's usable, credential-dependent baseline on the task's operation."""

    operation: Operation
    identity: str
    key: str
    base: Baseline
    valid: Exchange
    none: Exchange
    anonymous: HttpRequest  # the request with every credential removed


async def key_probes(ctx: Context) -> list[KeyProbe]:
    """Every key identity whose baseline on this operation is usable and depends on the key, in
    config order. Raises Inconclusive when there is none (never "safe")."""
    operation = ctx.operation
    if operation is None:
        raise Inconclusive("this check probes an operation")
    names = key_identities(ctx)
    if not names:
        raise Inconclusive("no identity holds an API key (auth.type: api_key)")
    reasons: list[str] = []
    probes: list[KeyProbe] = []
    for name in names:
        try:
            base = await ctx.baseline(operation, name)
        except Inconclusive as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if not base.depends_on_auth:
            reasons.append(f"{name}: {operation.key} answers the same without the key")
            continue
        if ctx.calibration.looks_like_rejection(base.reference) is not None:
            reasons.append(f"{name}: the key is refused on {operation.key}")
            continue
        valid, none, _junk = ctx.baseline_exchanges(operation, name)
        probes.append(KeyProbe(operation, name, key_of(ctx, name), base, valid, none, none.request))
    if not probes:
        raise Inconclusive("; ".join(reasons))
    return probes


async def key_probe(ctx: Context) -> KeyProbe:
    """The first of `key_probes`."""
    return (await key_probes(ctx))[0]


def claim(ctx: Context, check_id: str, probe: KeyProbe) -> None:
    """One operation answers an API-wide question about the key: the first task with a usable
    probe claims it, the others are skipped as done elsewhere."""
    key = f"apikey.claimed.{check_id}"
    owner = ctx.shared.setdefault(key, probe.operation.key)
    if owner != probe.operation.key:
        raise CoveredElsewhere(f"tested on {owner}")
