"""Forwarded client addresses: counted only from trusted proxies (server/forwarded.py).

The HTTP tests talk to a real server on an ephemeral port; the "proxy" is the test client itself,
whose address (127.0.0.1) is or is not in `trusted_proxies`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from rooms import demo_fair
from server.forwarded import client_address, parse_trusted
from server.settings import Settings
from tests.support import Client, Server, database_from_template, settings_for_test, start_server

NETS = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]


# --- the rule, without I/O -------------------------------------------------------------------


def test_an_untrusted_peer_is_the_client_whatever_it_sends() -> None:
    assert client_address("203.0.113.9", ["1.1.1.1"], NETS) == "203.0.113.9"


def test_the_client_is_the_first_untrusted_hop_from_the_right() -> None:
    # The client wrote 6.6.6.6 itself; our proxy appended the address it saw (1.1.1.1).
    assert client_address("127.0.0.1", ["6.6.6.6", "1.1.1.1"], NETS) == "1.1.1.1"
    # Two trusted hops (an internal TLS terminator, then the balancer).
    assert client_address("127.0.0.1", ["6.6.6.6", "1.1.1.1", "10.1.2.3"], NETS) == "1.1.1.1"
    # No header: the proxy itself.
    assert client_address("127.0.0.1", [], NETS) == "127.0.0.1"


def test_hops_as_proxies_write_them() -> None:
    assert client_address("127.0.0.1", ["[2001:db8::1]:4711"], NETS) == "2001:db8::1"
    assert client_address("127.0.0.1", ["192.0.2.7:80"], NETS) == "192.0.2.7"
    assert client_address("127.0.0.1", [" ::ffff:192.0.2.8 "], NETS) == "192.0.2.8"
    # A hop a trusted proxy could not name: the last proxy we can see, never the garbage.
    assert client_address("127.0.0.1", ["1.1.1.1", "unknown", "10.0.0.2"], NETS) == "10.0.0.2"
    assert client_address("127.0.0.1", ["_hidden"], NETS) == "127.0.0.1"


def test_trusted_proxies_setting_is_checked_at_start() -> None:
    assert parse_trusted("10.0.0.0/8, 127.0.0.1 ::1") == ("10.0.0.0/8", "127.0.0.1/32", "::1/128")
    assert Settings.from_env({}).trusted_proxies == ()
    with pytest.raises(SystemExit, match="'nginx' is not an IP"):
        Settings.from_env({"BOOTHCAST_TRUSTED_PROXIES": "10.0.0.0/8,nginx"})
    with pytest.raises(SystemExit, match="BOOTHCAST_FORWARDED_HEADER"):
        Settings.from_env({"BOOTHCAST_FORWARDED_HEADER": "x-real-ip"})


# --- real requests -------------------------------------------------------------------------------


@pytest.fixture
def serve(templates: Callable[[str], str], tmp_path: Path, models_dir: Path) -> Callable[..., Any]:
    """serve(**settings): an async context manager yielding a real server (SQLite)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Server]:
        url, drop = await database_from_template(
            "sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path
        )
        data_dir = tmp_path / f"data-{uuid.uuid4().hex[:8]}"
        data_dir.mkdir()
        (data_dir / "models").symlink_to(models_dir)
        server, runner = await start_server(settings_for_test(data_dir, url, **overrides))
        try:
            yield server
        finally:
            await server.close_clients()
            await runner.cleanup()
            await drop()

    return run


async def _guest(server: Server, headers: dict[str, str]) -> int:
    status, _ = await server.request("POST", "/api/auth/guest", json={"display_name": "Ana", "lang": "es"},
                                     headers=headers)  # fmt: skip
    return status


async def test_behind_a_trusted_proxy_each_client_has_its_own_sign_in_bucket(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(trusted_proxies=("127.0.0.1/32",), auth_rate_limit=2) as server:
        one = {"X-Forwarded-For": "198.51.100.1"}
        with caplog.at_level(logging.INFO, logger="boothcast.access"):
            assert [await _guest(server, one) for _ in range(3)] == [200, 200, 429]
        # The access log names the real client too, not the proxy.
        access = [r.getMessage() for r in caplog.records if r.name == "boothcast.access"]
        assert access[-1].startswith('198.51.100.1 "POST /api/auth/guest" 429'), access
        # Another client behind the same proxy still signs in; so does one lying about its address
        # (the proxy appended the real one, which is what counts).
        assert await _guest(server, {"X-Forwarded-For": "198.51.100.2"}) == 200
        assert await _guest(server, {"X-Forwarded-For": "198.51.100.3, 198.51.100.1"}) == 429


async def test_headers_from_an_untrusted_peer_are_ignored(serve: Any) -> None:
    # Proxies are configured, but this peer (127.0.0.1) is not one of them.
    async with serve(trusted_proxies=("10.0.0.0/8",), auth_rate_limit=2) as server:
        statuses = [await _guest(server, {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(1, 4)]
        assert statuses == [200, 200, 429]
        status, body = await server.request("POST", "/api/auth/guest", json={"display_name": "B", "lang": "en"},
                                            headers={"Forwarded": "for=198.51.100.9"})  # fmt: skip
        assert status == 429 and body["error"]["code"] == "rate_limited"


async def test_the_forwarded_header_when_the_proxy_sets_that_one(serve: Any) -> None:
    async with serve(
        trusted_proxies=("127.0.0.1",), forwarded_header="forwarded", auth_rate_limit=1
    ) as server:
        assert await _guest(server, {"Forwarded": 'for="[2001:db8:1:2::7]:4711";proto=https'}) == 200
        # The same IPv6 /64 is one client; another /64 is another.
        assert await _guest(server, {"Forwarded": 'for="[2001:db8:1:2::8]"'}) == 429
        assert await _guest(server, {"Forwarded": 'for="[2001:db8:1:3::7]"'}) == 200
        # In this mode X-Forwarded-For is the client's own word: ignored.
        assert await _guest(server, {"X-Forwarded-For": "198.51.100.1"}) == 200  # the proxy's bucket
        assert await _guest(server, {"X-Forwarded-For": "198.51.100.2"}) == 429


async def test_logins_are_limited_per_account_across_addresses(serve: Any) -> None:
    async with serve(trusted_proxies=("127.0.0.1/32",), auth_rate_limit=2) as server:
        wrong = {"email": demo_fair.MODERATOR_EMAIL, "password": "not-the-password"}
        status, _ = await server.request("POST", "/api/auth/login", json=wrong,
                                         headers={"X-Forwarded-For": "198.51.100.1"})  # fmt: skip
        assert status == 401
        # A fresh address, the same account: refused before the password is even checked.
        status, body = await server.request("POST", "/api/auth/login", json=wrong,
                                            headers={"X-Forwarded-For": "198.51.100.2"})  # fmt: skip
        assert status == 429 and "account" in body["error"]["message"]
        # Another account is not affected.
        status, _ = await server.request("POST", "/api/auth/login",
                                         json={"email": demo_fair.BOOTHS[0].email, "password": demo_fair.DEMO_PASSWORD},
                                         headers={"X-Forwarded-For": "198.51.100.3"})  # fmt: skip
        assert status == 200


async def _socket(server: Server, token: str, forwarded_for: str) -> tuple[socketio.AsyncClient, Any]:
    """A socket.io client whose handshake carries `X-Forwarded-For`; its connect error, if any."""
    sio = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    sio.on("connect_error", lambda data=None: errors.append(data))
    try:
        await sio.connect(server.url, auth={"token": token}, headers={"X-Forwarded-For": forwarded_for},
                          transports=["websocket"], wait_timeout=10)  # fmt: skip
    except socketio.exceptions.ConnectionError:
        pass
    return sio, errors[0]["data"] if errors else None


async def test_socket_caps_count_the_forwarded_client(serve: Any) -> None:
    async with serve(trusted_proxies=("127.0.0.1/32",), max_sockets_per_address=1) as server:
        tokens = [(await server.guest(f"G{i}", "en"))[0] for i in range(3)]
        first, err = await _socket(server, tokens[0], "198.51.100.1")
        assert first.connected and err is None
        second, err = await _socket(server, tokens[1], "198.51.100.1")
        assert not second.connected and err["code"] == "too_many_connections"
        other, err = await _socket(server, tokens[2], "198.51.100.2")
        assert other.connected and err is None
        for c in (first, second, other):
            if c.connected:
                await c.disconnect()


async def test_without_trusted_proxies_the_socket_cap_ignores_the_header(serve: Any) -> None:
    async with serve(max_sockets_per_address=1) as server:
        tokens = [(await server.guest(f"G{i}", "en"))[0] for i in range(2)]
        first, _ = await _socket(server, tokens[0], "198.51.100.1")
        second, err = await _socket(server, tokens[1], "198.51.100.2")
        assert first.connected and not second.connected and err["code"] == "too_many_connections"
        await first.disconnect()


async def test_plain_requests_still_work_behind_the_middleware(serve: Any) -> None:
    async with serve(trusted_proxies=("127.0.0.1/32",)) as server:
        async with aiohttp.ClientSession() as h, h.get(server.url + "/healthz") as r:
            assert r.status == 200
        status, _ = await server.get("/api/booths")
        assert status == 200


async def test_socket_io_requests_are_logged_with_the_forwarded_client(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # server/socket_edge.py does the chain's work for /socket.io/: the same line, the same id.
    async with serve(trusted_proxies=("127.0.0.1/32",)) as server:
        token = (await server.guest("G", "en"))[0]
        with caplog.at_level(logging.INFO, logger="boothcast.access"):
            sio, err = await _socket(server, token, "198.51.100.4")
            assert sio.connected and err is None
            await sio.disconnect()

            def lines() -> list[str]:
                return [r.getMessage() for r in caplog.records if r.name == "boothcast.access"]

            for _ in range(100):  # the websocket's line is written when its handler returns
                if any(line.startswith('198.51.100.4 "GET /socket.io/" 101 ') for line in lines()):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(lines())
            polling = server.url + "/socket.io/?EIO=4&transport=polling"
            headers = {"X-Forwarded-For": "198.51.100.5", "X-Request-Id": "poll-1"}
            async with aiohttp.ClientSession() as h, h.get(polling, headers=headers) as r:
                assert r.status == 200 and r.headers["X-Request-Id"] == "poll-1"
        assert any(line.startswith('198.51.100.5 "GET /socket.io/" 200 ') for line in lines()), lines()


async def _calendar_url(server: Server, headers: dict[str, str]) -> str:
    _, lobby = await server.get("/api/booths")
    booth = next(b for b in lobby if b["next_stream_at"])
    async with aiohttp.ClientSession() as h, h.get(
        f"{server.url}/api/booths/{booth['id']}/next-stream.ics", headers=headers
    ) as r:
        assert r.status == 200
        text = (await r.read()).decode().replace("\r\n ", "")
    return next(line for line in text.split("\r\n") if line.startswith("URL:"))[4:]


async def test_links_the_app_writes_use_the_scheme_the_client_used(serve: Any) -> None:
    """Behind a TLS terminator the app hears plain http; the proxy's X-Forwarded-Proto (or
    Forwarded proto=) says https, and counts only from a trusted proxy (a deploy try's calendar
    file linked to http://)."""
    async with serve(trusted_proxies=("127.0.0.1/32",)) as server:
        assert (await _calendar_url(server, {"X-Forwarded-Proto": "https"})).startswith("https://")
        assert (await _calendar_url(server, {"X-Forwarded-Proto": "gopher"})).startswith("http://")
        assert (await _calendar_url(server, {})).startswith("http://")
    async with serve(trusted_proxies=("127.0.0.1/32",), forwarded_header="forwarded") as server:
        forwarded = {"Forwarded": "for=198.51.100.1;proto=https"}
        assert (await _calendar_url(server, forwarded)).startswith("https://")
        assert (await _calendar_url(server, {"X-Forwarded-Proto": "https"})).startswith("http://")
    async with serve(trusted_proxies=("10.0.0.0/8",)) as server:  # this peer is not a proxy
        assert (await _calendar_url(server, {"X-Forwarded-Proto": "https"})).startswith("http://")


async def test_after_a_ban_guest_sign_ins_from_its_address_pause(serve: Any) -> None:
    """A banned guest signed out and came back at once under another name (a user try). New guest
    sign-ins from the banned account's addresses now pause; other addresses, staff logins and a
    lifted ban are not affected, nor is loopback (a demo on one machine)."""
    from sqlalchemy import select

    from rooms.bans import unban_account
    from rooms.models import User
    from server.keys import FAIR

    troll_at = {"X-Forwarded-For": "198.51.100.7"}
    async with serve(trusted_proxies=("127.0.0.1/32",)) as server:
        status, body = await server.request("POST", "/api/auth/guest", json={"display_name": "Troll", "lang": "en"},
                                            headers=troll_at)  # fmt: skip
        assert status == 200
        troll_id = body["user"]["id"]
        async with aiohttp.ClientSession(headers=troll_at) as h:
            troll = Client(server.url, body["token"], http_session=h)
            await troll.connect()
            mtok, _ = await server.moderator()
            mod = await server.client(mtok)
            assert (await mod.call("mod:ban", {"user_id": troll_id, "reason": "spam"}))["ok"]
            await troll.events.wait_for("disconnect")
        status, body = await server.request("POST", "/api/auth/guest", json={"display_name": "Nice Guy", "lang": "en"},
                                            headers=troll_at)  # fmt: skip
        assert status == 403 and body["error"]["code"] == "banned" and body["error"]["scope"] == "address", body
        assert body["error"]["reason"] is None  # the moderator's words are for the banned account only
        assert await _guest(server, {"X-Forwarded-For": "198.51.100.8"}) == 200
        status, _ = await server.request("POST", "/api/auth/login", headers=troll_at,
                                         json={"email": demo_fair.ADMIN_EMAIL, "password": demo_fair.DEMO_PASSWORD})  # fmt: skip
        assert status == 200  # staff sign in as ever
        fair = server.app[FAIR]  # type: ignore[index]
        async with fair.db.session() as s:
            user = (await s.execute(select(User).where(User.id == troll_id))).scalar_one()
            unban_account(s, user, None, "lifted in a test")
        await fair.bans.check_database()
        assert await _guest(server, troll_at) == 200  # a lifted ban pauses nothing
