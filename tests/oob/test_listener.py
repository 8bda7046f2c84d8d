"""The out-of-band listener serves what it is given and records every callback."""

from __future__ import annotations

import asyncio

import aiohttp

from authsift.oob import OobListener


async def test_serves_published_files_and_records_callbacks() -> None:
    async with OobListener() as listener:
        assert listener.base_url.startswith("http://127.0.0.1:")
        listener.publish(
            {"/jku/abc/jwks.json": b'{"keys": []}', "/x5u/abc/cert.pem": b"-----BEGIN"}
        )
        async with aiohttp.ClientSession() as client:
            async with client.get(listener.base_url + "/jku/abc/jwks.json") as response:
                assert response.status == 200
                assert response.content_type == "application/json"
                assert await response.read() == b'{"keys": []}'
            async with client.get(listener.base_url + "/x5u/abc/cert.pem") as response:
                assert response.content_type == "application/x-pem-file"
            async with client.get(listener.base_url + "/unknown?q=1") as response:
                assert response.status == 404
        assert [c.path for c in listener.callbacks] == [
            "/jku/abc/jwks.json",
            "/x5u/abc/cert.pem",
            "/unknown?q=1",
        ]
        assert listener.hits("/jku/")[0].remote == "127.0.0.1"
        assert await listener.wait_for_hit("/x5u/", timeout=0.01)


async def test_wait_for_hit_times_out_without_a_callback() -> None:
    async with OobListener() as listener:
        started = asyncio.get_running_loop().time()
        assert not await listener.wait_for_hit("/never", timeout=0.2)
        assert asyncio.get_running_loop().time() - started >= 0.19


async def test_public_url_is_what_the_target_is_given() -> None:
    async with OobListener(public_url="https://oob.example.test/") as listener:
        assert listener.base_url == "https://oob.example.test"
        listener.publish({"https://oob.example.test/k.json": b"{}"})
        async with aiohttp.ClientSession() as client:
            host, port = listener._bound or ("", 0)
            async with client.get(f"http://{host}:{port}/k.json") as response:
                assert response.status == 200


async def test_the_engine_lends_an_ephemeral_listener_by_default() -> None:
    from authsift.engine.callbacks import open_listener

    shared: dict[str, object] = {}
    async with open_listener({}, shared) as first, open_listener({}, shared) as second:
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.base_url != second.base_url  # two tasks, two ports, at once


async def test_a_forwarded_fixed_port_is_held_by_one_task_at_a_time() -> None:
    import socket

    from authsift.engine.callbacks import open_listener

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {"oob_url": "https://cb.example.net/", "oob_listen": f"127.0.0.1:{port}"}
    shared: dict[str, object] = {}
    order: list[str] = []

    async def task(name: str) -> None:
        async with open_listener(settings, shared) as listener:
            assert listener.base_url == "https://cb.example.net"
            order.append(f"{name} in")
            async with (
                aiohttp.ClientSession() as client,
                client.get(f"http://127.0.0.1:{port}/ping") as response,
            ):
                assert response.status == 404
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(task("a"), task("b"))
    assert order == ["a in", "a out", "b in", "b out"]
