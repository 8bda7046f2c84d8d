"""transport-cleartext-credentials: the lab (policy.https_only) processing requests its proxy
marks as plain http is found; the hardened lab refuses them; without the policy a loopback
target is a question, not a finding."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from authsift.app.demo import lab_config, lab_config_path
from authsift.engine.scan import ScanOptions, run_scan
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import Outcome
from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-cleartext-credentials"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    assert len(found) == 1, outcomes(result, CHECK)
    assert found[0].details["hsts"] is None
    assert found[0].evidence[1].exchange.request.header("X-Forwarded-Proto") == "http"


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())


def test_without_the_policy_a_loopback_target_is_inconclusive() -> None:
    with run_in_thread(LabSettings.only({CHECK})) as url:
        config = lab_config(
            LabSettings.only({CHECK}),
            url,
            {"checks.include": [CHECK], "report.formats": ["json"], "policy.https_only": False},
        )
        result = asyncio.run(
            run_scan(ScanOptions(config=config, config_dir=lab_config_path().parent))
        )
    assert of(result, CHECK) == []
    reasons = [t.reason for t in result.tasks if t.outcome is Outcome.INCONCLUSIVE]
    assert any("X-Forwarded-Proto: http" in r and "https_only" in r for r in reasons), reasons


def _self_signed(directory: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def _https_desk(directory: Path) -> Iterator[str]:
    import ssl
    import threading

    from aiohttp import web

    from tests.checks.transport_tickets_api import TicketsOptions, tickets_app

    cert, key = _self_signed(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(tickets_app(TicketsOptions()), access_log=None)
    started = threading.Event()
    port: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        loop.run_until_complete(site.start())
        port.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield f"https://127.0.0.1:{port[0]}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_an_https_target_without_hsts_is_reported_and_the_http_origin_needs_scope(
    tmp_path: Path,
) -> None:
    import json

    from authsift.config import load_config
    from tests.checks.transport_tickets_api import PASSWORD_ENV, SPEC, config_for

    with _https_desk(tmp_path) as url:
        spec = tmp_path / "openapi.json"
        spec.write_text(json.dumps(SPEC))
        raw = config_for(oauth_shape=False)(url, str(spec))
        raw.update(
            {
                "checks": {"include": [CHECK]},
                "tls": {"verify": False},
                "report": {"formats": ["json"], "dir": str(tmp_path)},
            }
        )
        path = tmp_path / "authsift.yaml"
        path.write_text(yaml.safe_dump(raw))
        config = load_config(path, env={**os.environ, **PASSWORD_ENV})
        result = asyncio.run(run_scan(ScanOptions(config=config, config_dir=tmp_path)))
    titles = [f.title for f in of(result, CHECK)]
    assert titles == ["No Strict-Transport-Security on https answers"], outcomes(result, CHECK)
    assert any("out of scope" in o for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )
