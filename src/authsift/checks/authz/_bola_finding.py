"""The BOLA read finding: who read whose object, which private properties leaked, and why the
object is the owner's (the ownership evidence is stated, so a reader can judge it)."""

from __future__ import annotations

from dataclasses import dataclass

from authsift.analysis import similarity
from authsift.analysis.sensitivity import Property, describe
from authsift.checks.authz._inventory import KnownObject
from authsift.checks.authz._ownership import carries_personal_data
from authsift.checks.base import Check, Context
from authsift.model import Confidence, Evidence, Exchange, Finding, Severity

_OWNERSHIP = {
    "seed": "the config's `resources` seed it for {owner}",
    "created": "the scanner created it as {owner}",
    "listing": "{owner}'s own listing shows it as {owner}'s",
    "identity": "it is {owner}'s own account",
}


@dataclass(frozen=True, slots=True)
class BolaProof:
    owner: str
    intruder: str
    obj: KnownObject
    found: frozenset[str]  # the owner-object values the intruder's answer carries
    private: list[Property]  # the private properties among them
    anonymous_too: bool  # anonymous callers got the object as well


@dataclass(frozen=True, slots=True)
class BolaExchanges:
    owner: Exchange
    anonymous: Exchange
    attempt: Exchange
    own: Exchange | None
    missing: Exchange


def bola_finding(ctx: Context, check: Check, proof: BolaProof, seen: BolaExchanges) -> Finding:
    assert ctx.operation is not None and seen.attempt.response is not None
    owner, intruder, obj = proof.owner, proof.intruder, proof.obj
    sequential = obj.object_id.isdigit()
    why = []
    if carries_personal_data(proof.found) or any("mail" in p.key.lower() for p in proof.private):
        why.append("the object carries personal data")
    if sequential:
        why.append("ids are sequential integers")
    if proof.anonymous_too:
        why.append("anonymous callers get it too")
    anonymous_label = (
        "the same request without credentials (also answered)"
        if proof.anonymous_too
        else "the same request without credentials (refused)"
    )
    leaked = describe(proof.private)
    evidence = [
        Evidence(f"{owner} reads its own object", seen.owner),
        Evidence(anonymous_label, seen.anonymous),
        Evidence(f"{intruder} reads {owner}'s object", seen.attempt, f"carries {leaked}"),
    ]
    if seen.own is not None:
        evidence.append(Evidence(f"{intruder} reads its own object (control)", seen.own))
    evidence.append(Evidence(f"{intruder} asks for an id that does not exist", seen.missing))
    score = similarity(seen.attempt.response, seen.owner.response or seen.attempt.response)
    ownership = _OWNERSHIP.get(obj.source, "{owner} holds it").format(owner=owner)
    return ctx.finding(
        check,
        identity=intruder,
        description=(
            f"{intruder} read {owner}'s object {obj.object_id} through {ctx.operation.key}: "
            f"the answer is {score:.0%} like {owner}'s own and carries {owner}'s private "
            f"properties {leaked}. The object is {owner}'s because {ownership}; nothing says "
            f"{intruder} may read it (no sharing field, public flag, relationship or policy). "
            "Confirmed by two re-sends." + (f" Critical: {' and '.join(why)}." if why else "")
        ),
        evidence=evidence,
        confidence=Confidence.CERTAIN,
        severity=Severity.CRITICAL if why else Severity.HIGH,
        victim=owner,
        reproduce=seen.attempt,
        details={
            "object": obj.values,
            "id_source": obj.source,
            "leaked": [p.key or p.path for p in proof.private],
            "markers": sorted(proof.found, key=len, reverse=True)[:4],
            "similarity": round(score, 3),
        },
    )
