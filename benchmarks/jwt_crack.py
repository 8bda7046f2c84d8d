"""HS256 cracking speed: authsift's cracker against stdlib and PyJWT loops, and the physical bound.

research/perf-anchors.md (Part A) is the yardstick: the bound is SHA-256 compressions per second
(``openssl speed -evp sha256``) divided by compressions per guess — 1 for K⊕ipad, ⌈(m+9)/64⌉ for
an m-byte signing input, 1 for K⊕opad, 1 for the inner digest: 7 for the usual ~224-byte input.
The usual Python tool (jwt_tool) does ~155 k guesses/s; the target is ≥ 400 k/s per core.

Each measurement runs ``--rounds`` times, interleaved, and the best round counts (the least
disturbed by other work on a shared machine). Every rate is candidates ÷ wall time of the
whole search (file reading, splitting, process start-up included) for authsift, and of the
bare loop for the stdlib/PyJWT baselines. The secret is the last line, so every candidate is
tested. The same holds for the 6-digit mask (``?d?d?d?d?d?d``, secret ``999999``, the last of
1,000,000 candidates that the workers generate from index ranges), and for the built-in
candidates a scan tries by default (curated, common passwords, English words, every digit
string of up to 6 digits; a random secret, so all ~1.19 M are tried). The goal on 2 cores: the
whole authsift process ≥ 2× a one-process ``hmac.digest`` loop, for lists and masks alike.

    python benchmarks/jwt_crack.py [--words 2000000] [--jobs 0] [--rounds 3]
                                   [--pyjwt-words 50000] [--json]
"""

from __future__ import annotations

import argparse
import hmac
import json
import math
import random
import resource
import shutil
import string
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt as pyjwt

from authsift.jose import parse_compact, sign
from authsift.jose.crack import CrackResult, crack, split_block, usable_cores

SECRET = b"kqzvmtrelwpa"
CLAIMS = {
    "iss": "https://auth.example.com",
    "sub": "1234567890",
    "aud": "api.example",
    "iat": 1_764_000_000,
    "exp": 1_764_003_600,
    "name": "John Doe",
    "role": "user",
}
JWT_TOOL_ANCHOR = 155_000  # research/perf-anchors.md, jwt_tool -C -d on this machine class
TARGET_PER_CORE = 400_000
TARGET_VS_STDLIB = 2.0  # whole authsift process on all cores ÷ one-process hmac.digest loop
MASK = "?d?d?d?d?d?d"
MASK_SECRET = b"999999"  # the last candidate of the mask
MASK_SIZE = 1_000_000


def make_wordlist(path: Path, count: int) -> None:
    """``count - 1`` random lowercase words (6–14 letters), then the secret as the last line."""
    rng = random.Random(20261128)
    letters = string.ascii_lowercase
    with path.open("wb") as handle:
        for start in range(0, count - 1, 100_000):
            size = min(100_000, count - 1 - start)
            words = ("".join(rng.choices(letters, k=rng.randint(6, 14))) for _ in range(size))
            handle.write(("\n".join(words) + "\n").encode())
        handle.write(SECRET + b"\n")


def sha256_compressions_per_guess(message_length: int) -> int:
    """RFC 2104 HMAC-SHA256 cost in 64-byte compressions (see the module docstring)."""
    return 1 + math.ceil((message_length + 9) / 64) + 1 + 1


def openssl_compressions_per_second() -> tuple[float | None, str]:
    """SHA-256 compressions/s on one core from ``openssl speed`` at 16 KiB blocks."""
    binary = shutil.which("openssl")
    if binary is None:
        return None, "openssl not found: physical bound not measured"
    command = [binary, "speed", "-seconds", "2", "-bytes", "16384", "-evp", "sha256"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in reversed(completed.stdout.splitlines()):
        fields = line.split()
        if fields and fields[0].lower() in ("sha256", "sha2-256") and fields[-1].endswith("k"):
            kilobytes = float(fields[-1][:-1])
            return kilobytes * 1000 / 64, " ".join(command)
    return None, f"could not parse `{' '.join(command)}` output"


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the pool workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(
    function: Callable[[], float | CrackResult], candidates: int, secret: bytes = SECRET
) -> tuple[float, float]:
    """(guesses per wall second, guesses per CPU second) of one run."""
    cpu_before, wall_before = cpu_seconds(), time.perf_counter()
    outcome = function()
    wall, cpu = time.perf_counter() - wall_before, cpu_seconds() - cpu_before
    if isinstance(outcome, CrackResult):
        assert outcome.secret == secret, "cracker missed the secret"
        assert outcome.tried == candidates, (outcome.tried, candidates)
    return candidates / wall, candidates / max(cpu, 1e-9)


def stdlib_loop(words: list[bytes], message: bytes, target: bytes) -> float:
    """A plain ``hmac.digest`` loop over pre-split words: the naive stdlib baseline."""
    started = time.perf_counter()
    for word in words:
        if hmac.digest(word, message, "sha256") == target:
            break
    return len(words) / (time.perf_counter() - started)


def pyjwt_loop(words: list[bytes], token: str) -> float:
    """One ``jwt.decode`` per guess, as many scripts do (only the last words: it is slow)."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for word in words:
            try:
                pyjwt.decode(token, word, algorithms=["HS256"], options={"verify_aud": False})
                break
            except pyjwt.InvalidSignatureError:
                continue
            except pyjwt.ExpiredSignatureError:
                break
    return len(words) / (time.perf_counter() - started)


def run(word_count: int, jobs: int, rounds: int, pyjwt_words: int) -> dict[str, Any]:
    token = sign({"typ": "JWT"}, CLAIMS, SECRET, "HS256")
    mask_token = sign({"typ": "JWT"}, CLAIMS, MASK_SECRET, "HS256")
    strong_token = sign({"typ": "JWT"}, CLAIMS, b"\x00not-a-guessable-secret\xff" * 2, "HS256")
    parsed = parse_compact(token)
    defaults = [0]
    cores = jobs or usable_cores()
    best: dict[str, float] = {}

    def keep(name: str, rate: float) -> None:
        best[name] = max(rate, best.get(name, 0.0))

    with tempfile.TemporaryDirectory(prefix="authsift-bench-") as folder:
        wordlist = Path(folder) / "words.txt"
        make_wordlist(wordlist, word_count)
        words = split_block(wordlist.read_bytes())
        count = len(words)
        runs: dict[str, Callable[[], float | CrackResult]] = {
            "authsift_1_core": lambda: crack(token, [wordlist], builtin=False, jobs=1),
            "authsift_all_cores": lambda: crack(token, [wordlist], builtin=False, jobs=cores),
            "stdlib_hmac_digest_1_core": lambda: stdlib_loop(
                words, parsed.signing_input, parsed.signature
            ),
        }
        mask_runs: dict[str, Callable[[], float | CrackResult]] = {
            "mask_1_core": lambda: crack(mask_token, builtin=False, masks=[MASK], jobs=1),
            "mask_all_cores": lambda: crack(mask_token, builtin=False, masks=[MASK], jobs=cores),
        }

        def built_in() -> CrackResult:
            result = crack(strong_token, jobs=cores)
            assert result.secret is None and not result.timed_out
            defaults[0] = result.tried
            return result

        for _ in range(rounds):
            for name, function in runs.items():
                wall_rate, cpu_rate = timed(function, count)
                keep(name, wall_rate)
                keep(f"{name}_per_cpu_second", cpu_rate)
            for name, function in mask_runs.items():
                wall_rate, cpu_rate = timed(function, MASK_SIZE, MASK_SECRET)
                keep(name, wall_rate)
                keep(f"{name}_per_cpu_second", cpu_rate)
            started = time.perf_counter()
            built_in()
            keep("defaults_all_cores", defaults[0] / (time.perf_counter() - started))
        keep("pyjwt_decode_1_core", pyjwt_loop(words[-pyjwt_words:], token))
    results: dict[str, Any] = {
        "words": word_count,
        "rounds": rounds,
        "signing_input_bytes": len(parsed.signing_input),
        "cores": cores,
        **best,
        "authsift_per_core": best["authsift_all_cores"] / cores,
        "authsift_per_cpu_second": best["authsift_all_cores_per_cpu_second"],
        "scaling": best["authsift_all_cores"] / best["authsift_1_core"],
        "defaults_candidates": defaults[0],
        "list_vs_stdlib": best["authsift_all_cores"] / best["stdlib_hmac_digest_1_core"],
        "mask_vs_stdlib": best["mask_all_cores"] / best["stdlib_hmac_digest_1_core"],
        "defaults_vs_stdlib": best["defaults_all_cores"] / best["stdlib_hmac_digest_1_core"],
    }
    compressions, how = openssl_compressions_per_second()
    per_guess = sha256_compressions_per_guess(len(parsed.signing_input))
    results["openssl"] = how
    results["compressions_per_guess"] = per_guess
    if compressions is not None:
        results["compressions_per_second"] = compressions
        results["bound_per_core"] = compressions / per_guess
    return results


def report(results: dict[str, Any]) -> None:
    bound = results.get("bound_per_core")
    per_guess = results["compressions_per_guess"]
    print(
        f"{results['words']:,} words, secret last, best of {results['rounds']} rounds; "
        f"signing input {results['signing_input_bytes']} bytes; {results['cores']} cores"
    )
    if bound is None:
        print(f"physical bound: {results['openssl']}")
    else:
        print(
            f"physical bound: {results['compressions_per_second'] / 1e6:.1f} M SHA-256 "
            f"compressions/s/core ({results['openssl']}) ÷ {per_guess} per guess "
            f"= {bound / 1e6:.2f} M guesses/s per core"
        )
    cores = results["cores"]
    rows = [
        ("authsift, 1 process", "authsift_1_core", 1),
        (f"authsift, {cores} processes", "authsift_all_cores", cores),
        (f"authsift mask {MASK}, 1 process", "mask_1_core", 1),
        (f"authsift mask {MASK}, {cores} processes", "mask_all_cores", cores),
        (f"authsift built-in defaults, {cores} procs", "defaults_all_cores", cores),
        ("stdlib hmac.digest loop, 1 core", "stdlib_hmac_digest_1_core", 1),
        ("PyJWT decode per guess, 1 core", "pyjwt_decode_1_core", 1),
    ]
    print(f"{'method':36} {'guesses/s':>11} {'per core':>10} {'per CPU-s':>10} {'of bound':>9}")
    for name, key, used in rows:
        rate = results[key]
        per_cpu = results.get(f"{key}_per_cpu_second")
        cpu_text = f"{per_cpu:10,.0f}" if per_cpu else f"{'-':>10}"
        share = f"{(per_cpu or rate / used) / bound:9.1%}" if bound else f"{'n/a':>9}"
        print(f"{name:36} {rate:11,.0f} {rate / used:10,.0f} {cpu_text} {share}")
    print(f"{'jwt_tool (research anchor, not run)':36} {JWT_TOOL_ANCHOR:11,} {JWT_TOOL_ANCHOR:10,}")
    per_cpu = results["authsift_per_cpu_second"]
    verdict = "meets" if per_cpu >= TARGET_PER_CORE else "is below"
    print(
        f"authsift: {per_cpu:,.0f} guesses per CPU-second {verdict} the {TARGET_PER_CORE:,}/s "
        f"per-core target; wall-clock {results['scaling']:.2f}× from 1 to {cores} processes "
        f"(below {cores}× means other work held the cores: compare the per-CPU-s column); "
        f"{results['authsift_1_core'] / JWT_TOOL_ANCHOR:.1f}× jwt_tool on 1 core"
    )
    print(
        f"whole process on {cores} cores ÷ one-process hmac.digest loop (target ≥ "
        f"{TARGET_VS_STDLIB:g}× on a quiet machine): list {results['list_vs_stdlib']:.2f}×, "
        f"mask {MASK} {results['mask_vs_stdlib']:.2f}×, built-in defaults "
        f"({results['defaults_candidates']:,} candidates, not found) "
        f"{results['defaults_vs_stdlib']:.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--jobs", type=int, default=0, help="processes for the multi-core run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; best counts")
    parser.add_argument("--pyjwt-words", type=int, default=50_000)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = parser.parse_args()
    results = run(args.words, args.jobs, args.rounds, args.pyjwt_words)
    print(json.dumps(results, indent=2)) if args.json else report(results)


if __name__ == "__main__":
    main()
