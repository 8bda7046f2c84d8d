"""authz-path-variant-bypass (CHECKS.md #27); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from authsift.analysis import Verdict
from authsift.analysis.wording import human_value
from authsift.checks.authz._matrix import ANONYMOUS, Access, Cell, observe
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Severity
from authsift.spec.classify import looks_privileged, representative_operations

_VERSION = re.compile(r"^v(\d+)$", re.I)


def path_variants(path: str) -> list[tuple[str, str]]:
    """(label, path) spellings of `path` that a router may treat as the same route while an access
    rule keyed on the literal path does not (CHECKS.md #27's list). `path` starts with `/` and
    is already percent-encoded as it goes on the wire; the variants are sent exactly as written.
    """
    segments = path.split("/")[1:]
    if not segments or not segments[0]:
        return []
    first, rest = segments[0], "/".join(segments[1:])
    tail = "/" + rest if segments[1:] else ""
    variants: list[tuple[str, str]] = []
    if first[:1].isalpha():
        swapped = first[0].swapcase() + first[1:]
        variants += [
            ("first letter case swapped", f"/{swapped}{tail}"),
            ("upper case segment", f"/{first.upper()}{tail}"),
            ("first letter percent-encoded", f"/%{ord(first[0]):02x}{first[1:]}{tail}"),
            ("first letter double-encoded", f"/%25{ord(first[0]):02x}{first[1:]}{tail}"),
        ]
    variants += [
        ("trailing slash", path + "/"),
        ("leading double slash", "/" + path),
        ("double slash after the first segment", f"/{first}/{tail}" if tail else path + "//"),
        ("dot segment", "/." + path),
        ("dot-dot segment", "/authsift-x/.." + path),
        ("encoded dot segment", "/%2e" + path),
        ("encoded slash", f"/{first}%2f{rest}" if rest else path + "%2f"),
        ("matrix parameter", f"/{first};{tail}" if tail else path + ";"),
        ("trailing semicolon", path + ";"),
        ("`;.json` suffix", path + ";.json"),
        ("`.json` suffix", path + ".json"),
        ("encoded space suffix", path + "%20"),
        ("encoded tab suffix", path + "%09"),
        ("encoded hash suffix", path + "%23"),
    ]
    for index, segment in enumerate(segments):
        match = _VERSION.match(segment)
        if match:
            number = int(match.group(1))
            for other in sorted({max(number - 1, 0), number + 1} - {number}):
                changed = [*segments[:index], f"v{other}", *segments[index + 1 :]]
                variants.append((f"API version v{other}", "/" + "/".join(changed)))
            break
    seen: set[str] = {path}
    unique: list[tuple[str, str]] = []
    for label, variant in variants:
        if variant not in seen:
            seen.add(variant)
            unique.append((label, variant))
    return unique


class PathVariantBypass(Check):
    """Access control bound to one spelling of the path.

    ## What it checks
    On read-only operations that one identity is refused (401/403) while another may use — and,
    for anonymous callers, on admin-looking and a few identity-bearing operations — sends the
    allowed identity's request as the refused caller with the path spelt differently:
    letter case (`/Admin`), a trailing `/`, `//`, dot segments (`/./`, `/x/../`), percent-encoding
    (`%2e`, `%2f`, `%61dmin`, double-encoded `%2561dmin`), matrix parameters and suffixes (`;`,
    `;.json`, `.json`, `%20`, `%09`, `%23`) and neighbouring API versions (`/v1` ↔ `/v2`).

    ## Why it matters
    When the access rule matches the raw path and the router normalises it (case-insensitive,
    percent-decoded, dot segments removed), one odd spelling walks around the rule (OWASP
    API5:2023, API9:2023 for old versions; CWE-289, CWE-863).

    ## Example
    `GET /admin/users/3` as alice → `403`; `GET /%61dmin/users/3` as alice → `200` with the
    account, exactly what the admin gets.

    ## Remediation
    Authorize on the route the framework resolved (after normalisation), never on the raw request
    path; reject ambiguous paths (encoded slashes, dot segments) at the edge; retire old versions.

    ## References
    OWASP API5:2023, API9:2023 · ASVS 5.0 V8.3.1 · ASVS 4.0.3 V4.1.1 · WSTG-ATHZ-02
    · CWE-289, CWE-863

    ## Decision rule
    CHECKS.md #27: a variant is vulnerable only when the shared judge *accepts* it against the
    authorized identity's baseline of the canonical path (2xx, same status, similarity ≥ 0.90 with
    it and < 0.90 with the rejected answers, its markers present), and it reproduces twice with
    junk controls rejected. An SPA fallback or a soft 404 differs from the authorized answer and
    stays inconclusive by similarity. HEAD and OPTIONS variants are not tried (a body-less answer
    cannot be compared with the authorized one).
    """

    id = "authz-path-variant-bypass"
    title = "Access control bypassed by another spelling of the path"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (289, 863)
    owasp = "API5:2023"
    needs = frozenset({"two_identities"})
    max_requests = 32
    # ~17 on admin and representative operations, 0 where nobody is refused: 3.4 to 5.6 per
    # task on the lab with and without seeded resources (measured: benchmarks/estimate_accuracy.py)
    expected_requests = 4
    baselines = "all"

    def applies_to(self, operation: Operation) -> str | None:
        if not operation.is_read_only:
            return "only read-only operations are probed with path variants"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        cells = await observe(ctx, operation)
        owner, owner_cell = _authorized(ctx, cells)
        refused = _refused_caller(ctx, cells)
        if refused is None:
            raise NotApplicable("nobody is refused this operation: nothing to bypass")
        if refused == ANONYMOUS and not _worth_anonymous_variants(ctx, operation):
            # every operation refuses anonymous callers: a representative few are probed
            raise NotApplicable("anonymous variants are probed on a few representative operations")
        if owner is None or owner_cell is None or owner_cell.baseline is None:
            raise Inconclusive("no identity may use the operation: no authorized answer to match")
        base = owner_cell.baseline
        if not base.depends_on_auth:
            raise NotApplicable("answers the same without a credential: no refusal to bypass")
        canonical = ctx.build(operation, as_identity=owner)
        root = ctx.url("").rstrip("/")
        if not canonical.url.startswith(root + "/"):
            raise Inconclusive("the request URL is not under the target's base URL")
        split = urlsplit(canonical.url)
        relative = canonical.url[len(root) :].split("?", 1)[0].split("#", 1)[0]
        query = "?" + split.query if split.query else ""
        attacker = None if refused == ANONYMOUS else refused
        refused_exchange = cells[refused].exchange
        if refused_exchange is None or refused_exchange.request.url != canonical.url:
            # the refusal was for the caller's own objects: it must refuse the owner's too
            refused_exchange = await ctx.send(canonical, identity=attacker)
            if ctx.judge(refused_exchange, base).verdict is not Verdict.REJECTED:
                raise NotApplicable(
                    f"{refused} is not refused the owner's request: nothing to bypass"
                )
        for label, variant in path_variants(relative):
            probe = replace(canonical, url=root + variant + query)
            exchange = await ctx.send(probe, identity=attacker)
            judgement = ctx.judge(exchange, base)
            if judgement.verdict is not Verdict.ACCEPTED:
                continue
            if not await ctx.confirm(probe, base, identity=attacker):
                continue
            owner_exchange, _, _ = ctx.baseline_exchanges(operation, owner)
            who = "anonymous callers" if attacker is None else attacker
            evidence = [
                Evidence(f"canonical request as {owner}", owner_exchange),
                Evidence(f"canonical request as {who} (refused)", refused_exchange),
                Evidence(f"{label} as {who}", exchange, judgement.reason),
            ]
            yield ctx.finding(
                self,
                identity=attacker,
                description=(
                    f"{operation.key} refuses {who} ({refused_exchange.status}) but answers "
                    f"{human_value(variant)} ({label}) as it answers {owner}: {judgement.reason}. "
                    "Confirmed "
                    "twice with junk controls rejected."
                ),
                evidence=evidence,
                confidence=Confidence.CERTAIN,
                severity=Severity.CRITICAL
                if attacker is None or looks_privileged(operation)
                else Severity.HIGH,
                victim=owner,
                reproduce=exchange,
                details={
                    "variant": label,
                    "path": variant,
                    "similarity": round(judgement.sim_valid, 3),
                },
            )
            return


def _authorized(ctx: Context, cells: Mapping[str, Cell]) -> tuple[str | None, Cell | None]:
    """The identity whose answer the variants must match: a privileged one first."""
    allowed = [n for n in ctx.identities if cells[n].access is Access.ALLOWED]
    allowed.sort(key=lambda name: not ctx.is_privileged(name))
    return (allowed[0], cells[allowed[0]]) if allowed else (None, None)


def _refused_caller(ctx: Context, cells: Mapping[str, Cell]) -> str | None:
    """A caller refused the operation: a non-privileged identity first, anonymous last (a
    bypass by an authenticated user is the usual shape; anonymous is covered too)."""
    for name in sorted(ctx.identities, key=ctx.is_privileged):
        if cells[name].access is Access.DENIED:
            return name
    return ANONYMOUS if cells[ANONYMOUS].access is Access.DENIED else None


def _worth_anonymous_variants(ctx: Context, operation: Operation) -> bool:
    """Anonymous callers are refused nearly everywhere, so spelling variants for them run only on
    admin-looking and a few identity-bearing operations: an authentication rule keyed on the raw
    path shows there as well as anywhere, at a bounded request cost."""
    if looks_privileged(operation):
        return True
    return any(op.key == operation.key for op in representative_operations(ctx.operations))
