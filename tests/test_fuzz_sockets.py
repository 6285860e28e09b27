"""A bounded, property-based fuzz pass over the socket edge of a real `boothcast serve` process.

- Every client event, sent by a buyer, the booth's supplier and a moderator, with hypothesis-made
  JSON: wrong types, huge and unicode-edge strings (lone surrogates, NUL, bidi marks), deep
  nesting, negative and huge numbers, and near-valid payloads with one field replaced.
  Every answer is `{ok: true, ...}` or `{ok: false, error: {code, message}}`, never `internal`.
- Raw engine.io / socket.io frames on hand-driven websockets: bad packet types, broken JSON,
  binary junk, reserved and non-string event names. The server may close such a socket, nothing
  else.
- Throughout and afterwards the server is healthy and still serves a normal client, and its log
  holds no unhandled exception and stays small.

Bounded for CI (well under a minute here): fixed example counts, derandomized (the same cases on
every run). `BOOTHCAST_FUZZ_SCALE=20` runs twenty times as many, with a fresh seed each run.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import events
from tests.fault_nodes import Node
from tests.support import Client, prepare_template

T = TypeVar("T")
SCALE = max(1, int(os.environ.get("BOOTHCAST_FUZZ_SCALE", "1")))
FUZZ = settings(
    max_examples=300 * SCALE, derandomize=SCALE == 1, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
FRAMES = settings(FUZZ, max_examples=120 * SCALE)
SLUG = "shenzhen-brightway-led"

EDGE_TEXT = ["", " ", "\x00", "\ud800", "\udfff", "\u202e", "\ufeff", "e\u0301", "𝕏", "\U0010ffff",
             "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "' OR 1=1 --", "🇪🇸" * 50]  # fmt: skip
EDGE_INT = [0, -1, 1, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, -(2**63), 10**40]

scalars = st.one_of(
    st.none(), st.booleans(), st.sampled_from(EDGE_INT), st.integers(),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(EDGE_TEXT), st.text(max_size=40),
    st.integers(1_000, 300_000).map(lambda n: "z" * n),
)  # fmt: skip
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


def _deep(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


@dataclass
class Ids:
    booth_id: int
    product_id: int
    lead_id: int
    message_id: int
    user_id: int

    def valid(self) -> dict[str, dict[str, Any]]:
        b = self.booth_id
        return {
            events.BOOTH_JOIN: {"booth_id": b}, events.BOOTH_LEAVE: {"booth_id": b},
            events.CHAT_SEND: {"booth_id": b, "text": "hello", "client_id": "x1"},
            events.CHAT_PREVIEW: {"booth_id": b, "text": "hello"},
            events.CHAT_HISTORY: {"booth_id": b, "after_seq": 0, "limit": 10},
            events.MOD_HISTORY: {"booth_id": b, "after_seq": 0, "limit": 10},
            events.INQUIRY_SUBMIT: {"booth_id": b, "message": "hi", "email": "a@b.co", "consent": True,
                                    "product_id": self.product_id, "quantity": 10},
            events.PRODUCT_PIN: {"booth_id": b, "product_id": self.product_id},
            events.LEAD_UPDATE: {"lead_id": self.lead_id, "status": "contacted"},
            events.LEAD_NOTE: {"lead_id": self.lead_id, "text": "called"},
            events.MOD_WATCH: {}, events.LOBBY_WATCH: {},
            events.MOD_HIDE: {"message_id": self.message_id},
            events.MOD_MUTE: {"booth_id": b, "user_id": self.user_id, "minutes": 5},
            events.MOD_BAN: {"user_id": self.user_id},
            events.MOD_UNBAN: {"user_id": self.user_id},
            events.CHAT_REPORT: {"booth_id": b, "message_id": self.message_id, "reason": "spam"},
            events.SLOW_MODE_SET: {"booth_id": b, "seconds": 0},
        }  # fmt: skip


class Fuzzer:
    """The node under test, and its clients living on an event loop in a thread of their own
    (hypothesis drives plain functions; each case runs its coroutine there)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, str] = {}
        self.ids: Ids | None = None
        self.answers: dict[str, int] = {}

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def setup(self) -> None:
        s = self.node.s
        btok, buyer = await s.guest("Fuzz", "en")
        stok, sup = await s.supplier(SLUG)
        mtok, _ = await s.moderator()
        self.tokens = {"buyer": btok, "staff": stok, "mod": mtok}
        for role in self.tokens:
            await self.client(role)
        booth_id = int(sup["booth_id"])
        _, booth = await s.get(f"/api/booths/{booth_id}")
        b = self.clients["buyer"]
        assert (await b.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
        msg = await b.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "first"})
        lead = await b.call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "m", "email": "a@b.co",
                                                    "consent": True})  # fmt: skip
        self.ids = Ids(
            booth_id, booth["products"][0]["id"], lead["lead"]["id"], msg["message"]["id"], buyer["id"]
        )

    async def client(self, role: str) -> Client:
        """The role's client, connected and in the booth (a fuzzed ban or leave is undone)."""
        c = self.clients.get(role)
        if c is None or not c.sio.connected:
            if c is not None:
                await c.close()
            if role == "buyer" and c is not None:  # maybe banned by the moderator's fuzz: a new guest
                self.tokens["buyer"], _ = await self.node.s.guest("Fuzz", "en")
            c = await Client(self.node.s.url, self.tokens[role]).connect()
            self.clients[role] = c
        if self.ids is not None:
            await c.call(events.BOOTH_JOIN, {"booth_id": self.ids.booth_id})
        return c

    async def send(self, role: str, event: str, payload: Any) -> Any:
        c = await self.client(role)
        return await c.sio.call(event, payload, timeout=30)

    async def close(self) -> None:
        for c in self.clients.values():
            await c.close()


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Fuzzer]:
    work = tmp_path_factory.mktemp("fuzz")
    template = asyncio.run(prepare_template("sqlite", work))
    node = Node.make(work, "fuzz", models_dir, "", "fuzz-" + uuid.uuid4().hex * 2,
                     {"BOOTHCAST_MAX_SOCKETS_PER_ADDRESS": "0"})  # fmt: skip
    shutil.copy(template, node.data_dir / "boothcast.db")
    f = Fuzzer(node)
    try:
        f.run(node.start())
        f.run(f.setup())
        yield f
        f.run(f.close())
    finally:
        f.run(node.stop())
        f.loop.call_soon_threadsafe(f.loop.stop)
        f.thread.join(10)


def _check_ack(ack: Any, where: Any) -> str:
    assert isinstance(ack, dict), where
    if ack.get("ok") is True:
        return "ok"
    assert ack.get("ok") is False, (where, ack)
    err = ack.get("error")
    assert (
        isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)
    ), ack
    assert err["message"] and err["code"] != "internal", (where, ack)
    return str(err["code"])


@st.composite
def payloads(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    kind = draw(st.sampled_from(["any", "near", "near", "deep"]))
    if kind == "any" or not valid:
        return draw(json_values)
    if kind == "deep":
        return {**valid, draw(st.sampled_from(sorted(valid))): _deep(draw(st.integers(20, 400)))}
    out = dict(valid)
    for key in draw(st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=2, unique=True)):
        if draw(st.booleans()):
            out[key] = draw(json_values)
        else:
            del out[key]
    if draw(st.integers(0, 5)) == 0:
        out[draw(st.text(max_size=8))] = draw(json_values)
    return out


def test_every_event_with_hostile_json_answers_an_error_code_or_ok(fuzzer: Fuzzer) -> None:
    assert fuzzer.ids is not None
    valid = fuzzer.ids.valid()
    assert set(valid) == set(events.CLIENT_EVENTS)  # a new event joins the fuzz

    @FUZZ
    @given(role=st.sampled_from(["buyer", "staff", "mod"]), event=st.sampled_from(sorted(events.CLIENT_EVENTS)),
           data=st.data())  # fmt: skip
    def case(role: str, event: str, data: st.DataObject) -> None:
        payload = data.draw(payloads(valid[event]))
        code = _check_ack(fuzzer.run(fuzzer.send(role, event, payload)), (role, event))
        fuzzer.answers[code] = fuzzer.answers.get(code, 0) + 1

    case()
    assert fuzzer.answers.get("bad_request", 0) > 50, fuzzer.answers
    _still_serves(fuzzer)


FRAME_PREFIXES = ["", "0", "1", "2", "3", "4", "5", "6", "9", "40", "41", "42", "43", "44", "45", "46",
                  "451-", "42/", "42/admin,", "421", "4299999999999999999999", "2probe", "x"]  # fmt: skip


@st.composite
def frames(draw: st.DrawFn) -> list[str | bytes]:
    out: list[str | bytes] = []
    for _ in range(draw(st.integers(1, 6))):
        shape = draw(st.sampled_from(["text", "json", "event", "bytes"]))
        prefix = draw(st.sampled_from(FRAME_PREFIXES))
        if shape == "bytes":
            out.append(draw(st.binary(max_size=64)))
        elif shape == "text":
            out.append(prefix + draw(st.text(max_size=60) | st.sampled_from(EDGE_TEXT)))
        elif shape == "json":
            out.append(prefix + json.dumps(draw(json_values))[:2000])
        else:
            name = draw(
                st.sampled_from([*events.CLIENT_EVENTS, "connect", "disconnect", "", 5, None]) | json_values
            )
            out.append("42" + json.dumps([name, draw(json_values)])[:2000])
    return out


async def _raw(fuzzer: Fuzzer, sent: list[str | bytes]) -> None:
    url = fuzzer.node.s.url
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url + "/socket.io/?EIO=4&transport=websocket") as ws,
    ):
        assert (await ws.receive_str(timeout=10)).startswith("0")
        await ws.send_str("40" + json.dumps({"token": fuzzer.tokens["buyer"]}))
        for frame in sent:
            if ws.closed:
                break  # the server may close a socket that sent malformed frames: that is its right
            if isinstance(frame, str):
                try:
                    frame.encode()
                except UnicodeEncodeError:  # a lone surrogate: no text frame can carry it
                    frame = frame.encode("utf-8", "surrogatepass")
            await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_str(frame))
        # The server answers what it can and maybe closes; it never hangs the socket up mid-frame.
        while not ws.closed and await _receive(ws) is not None:
            pass


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage | None:
    try:
        msg = await ws.receive(timeout=0.2)
    except TimeoutError:
        return None
    return (
        None
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        else msg
    )


def test_raw_engine_io_frames_never_hurt_the_server(fuzzer: Fuzzer) -> None:
    seen = 0

    @FRAMES
    @given(sent=frames())
    def case(sent: list[str | bytes]) -> None:
        nonlocal seen
        fuzzer.run(_raw(fuzzer, sent))
        seen += 1
        if seen % 40 == 0:
            fuzzer.run(_healthy(fuzzer))

    case()
    _still_serves(fuzzer)


async def _healthy(fuzzer: Fuzzer) -> None:
    status, body = await fuzzer.node.s.get("/healthz")
    assert status == 200, body
    assert fuzzer.node.proc is not None and fuzzer.node.proc.poll() is None


def _still_serves(fuzzer: Fuzzer) -> None:
    assert fuzzer.ids is not None
    booth_id = fuzzer.ids.booth_id

    async def normal_client() -> None:
        await _healthy(fuzzer)
        tok, _ = await fuzzer.node.s.guest("After", "en")
        c = await Client(fuzzer.node.s.url, tok).connect()
        try:
            assert (await c.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
            ack = await c.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "still serving"})
            assert ack["ok"], ack
        finally:
            await c.close()

    fuzzer.run(normal_client())
    text = fuzzer.node.log_text()
    for bad in ("Task exception was never retrieved", "socket handler failed", "HTTP handler failed",
                "socket connect failed", "Traceback"):  # fmt: skip
        assert bad not in text, (bad, text[text.find(bad) - 2000 : text.find(bad) + 2000])
    assert len(text) < 200_000 * SCALE, len(text)  # log noise is bounded
