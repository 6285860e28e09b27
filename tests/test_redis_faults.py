"""Redis killed and restarted under a live booth served by two nodes: nothing acked is lost.

The test runs its own `redis-server` on a free port (never the shared one), two server processes
on PostgreSQL, and readers in zh, en and es on each node. It kills that Redis mid-conversation
and starts it again (empty, as after a crash without persistence):
- while it is down, each node keeps serving its own clients (sends are acked, its own readers get
  them live, guest sign-in, joins and the booth list work);
- after it is back, presence is rebuilt (viewer counts, and readers of every language get
  messages live across nodes again);
- every acked message reaches every reader, live or by `chat:history` catch-up, which the readers
  do the way the pages do (on a seq gap, and on `chat:resync`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from server import events
from tests.redis_server import OwnRedis
from tests.support import Client, Server, database_from_template, node_processes

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

LANGS = ("zh", "en", "es")
SETTLE_S = 0.3  # how long a reader waits for a seq gap to fill by itself (the pages wait 0.5 s)


@pytest.fixture
async def cluster(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[tuple[OwnRedis, Server, Server, list[Path]]]:
    redis = OwnRedis(tmp_path)
    await redis.start()
    template = await asyncio.to_thread(templates, "postgres")
    url, drop = await database_from_template("postgres", template, tmp_path)
    try:
        async with node_processes(tmp_path, models_dir, url, redis.url, "bcfault-") as nodes:
            yield redis, nodes[0][1], nodes[1][1], [log for _, _, log in nodes]
    finally:
        if redis.proc is not None:
            redis.kill()
        await drop()


class Reader:
    """A booth member that catches up the way the pages do (web/static/chat.js `SeqCatchUp`).

    It watches what its client receives; on a seq gap that does not fill within SETTLE_S, and on a
    `chat:resync` naming a seq it lacks, it calls `chat:history` after the highest seq it holds
    without a hole. `live` and `caught` keep what came which way, by seq.
    """

    def __init__(self, client: Client, booth_id: int, lang: str, node: str) -> None:
        self.c = client
        self.booth_id = booth_id
        self.lang = lang
        self.node = node
        self.live: dict[int, dict[str, Any]] = {}
        self.caught: dict[int, dict[str, Any]] = {}
        self.known = 0
        self.target = 0
        self.history_calls = 0
        self.resyncs: list[dict[str, Any]] = []
        self.progress = asyncio.Event()  # set whenever `live` or `caught` grows
        self._read = 0
        self._task: asyncio.Task[None] | None = None

    def start(self, history: list[dict[str, Any]]) -> None:
        for m in history:
            self.caught[m["seq"]] = m
        self.known = max(self.caught, default=0)
        self._task = asyncio.create_task(self._run())

    @property
    def seqs(self) -> set[int]:
        return set(self.live) | set(self.caught)

    def _drain(self) -> None:
        items = self.c.events.items
        while self._read < len(items):
            name, data = items[self._read]
            self._read += 1
            if name == events.CHAT_MESSAGE and data["booth_id"] == self.booth_id:
                self.live.setdefault(data["seq"], data)
            elif name == events.CHAT_BATCH and data["booth_id"] == self.booth_id:
                for m in data["messages"]:
                    self.live.setdefault(m["seq"], m)
            elif name == events.CHAT_RESYNC and data["booth_id"] == self.booth_id:
                self.resyncs.append(data)
                self.target = max(self.target, data["last_seq"])
        while self.known + 1 in self.seqs:
            self.known += 1
        self.progress.set()

    def _behind(self) -> bool:
        return max(self.seqs, default=0) > self.known or self.target > self.known

    async def _changed(self, timeout: float | None) -> None:
        events_ = self.c.events
        if self._read < len(events_.items):
            return
        events_.changed.clear()
        if timeout is None:
            await events_.changed.wait()
        else:
            try:
                await asyncio.wait_for(events_.changed.wait(), timeout)
            except TimeoutError:
                pass

    async def _run(self) -> None:
        while True:
            self._drain()
            if not self._behind():
                await self._changed(None)
                continue
            # A gap: across nodes, messages may arrive a little out of order. Give it a moment.
            deadline = asyncio.get_running_loop().time() + SETTLE_S
            while self._behind():
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                await self._changed(left)
                self._drain()
            if self._behind():
                await self._catch_up()

    async def _catch_up(self) -> None:
        existed = max(max(self.seqs, default=0), self.target)
        while True:
            self.history_calls += 1
            ack = await self.c.call(events.CHAT_HISTORY, {"booth_id": self.booth_id, "after_seq": self.known})
            if not ack["ok"]:
                assert ack["error"]["code"] == "rate_limited", ack
                await asyncio.sleep(ack["error"]["retry_after"])  # the server says when
                continue
            for m in ack["messages"]:
                self.caught.setdefault(m["seq"], m)
            self.progress.set()
            top = max([m["seq"] for m in ack["messages"]], default=self.known)
            if not ack["more"]:
                # Every visible message up to `existed` is here: a hole left is a hidden message.
                self.known = max(self.known, top, existed)
                self._drain()
                return
            self.known = max(self.known, top)

    async def _until(self, cond: Callable[[], bool], timeout: float) -> None:
        async def wait() -> None:
            while not cond():
                self.progress.clear()
                await self.progress.wait()

        await asyncio.wait_for(wait(), timeout)

    async def wait_for_seqs(self, want: set[int], timeout: float) -> None:
        await self._until(lambda: want <= self.seqs, timeout)

    async def wait_live(self, seq: int, timeout: float) -> dict[str, Any]:
        await self._until(lambda: seq in self.live, timeout)
        return self.live[seq]

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


async def _readers(server: Server, node: str, booth_id: int, *, batch: bool) -> list[Reader]:
    out = []
    for lang in LANGS:
        tok, _ = await server.guest(f"{node}-{lang}", lang)
        client = await server.client(tok, batch=batch)
        ack = await client.call(events.BOOTH_JOIN, {"booth_id": booth_id})
        assert ack["ok"], ack
        reader = Reader(client, booth_id, lang, node)
        reader.start(ack["history"])
        out.append(reader)
    return out


TEXTS = {
    "zh": ["你好，最小起订量是多少？", "可以提供样品吗？", "价格是每件6.80美元。", "交货期是多久？", "我们接受OEM订单。"],
    "en": ["Hello, what is the MOQ?", "Can you send samples?", "The price is USD 6.80 per piece.",
           "What is the lead time?", "We accept OEM orders."],
    "es": ["Hola, ¿cuál es el pedido mínimo?", "¿Pueden enviar muestras?", "El precio es 6,80 USD por unidad.",
           "¿Cuál es el plazo de entrega?", "Aceptamos pedidos OEM."],
}  # fmt: skip


async def _round(readers: list[Reader], n: int) -> list[tuple[Reader, int]]:
    """Every reader sends one message at once; (sender, seq) of each, all acked."""

    async def send(r: Reader) -> tuple[Reader, int]:
        text = TEXTS[r.lang][n % len(TEXTS[r.lang])]
        ack = await r.c.call(events.CHAT_SEND, {"booth_id": r.booth_id, "text": f"{text} ({r.node}{n})"})
        assert ack["ok"], (r.node, r.lang, ack)
        return r, int(ack["message"]["seq"])

    return list(await asyncio.gather(*(send(r) for r in readers)))


async def _viewers(server: Server, booth_id: int) -> tuple[int, dict[str, int]]:
    status, body = await server.get(f"/api/booths/{booth_id}")
    assert status == 200, body
    return int(body["viewers"]), dict(body["languages"])


async def test_redis_killed_and_restarted_mid_conversation_loses_nothing(
    cluster: tuple[OwnRedis, Server, Server, list[Path]],
) -> None:
    redis, a, b, logs = cluster
    booth_id = await a.booth_id("valencia-ceramica")
    on_a = await _readers(a, "a", booth_id, batch=False)
    on_b = await _readers(b, "b", booth_id, batch=True)
    everyone = on_a + on_b
    acked: list[int] = []
    try:
        # Both nodes see all six readers, in three languages.
        async def presence_is(viewers: int, langs: dict[str, int]) -> None:
            while True:
                if all([await _viewers(node, booth_id) == (viewers, langs) for node in (a, b)]):
                    return
                await asyncio.sleep(0.1)  # HTTP state: nothing to wait on but the next look

        await asyncio.wait_for(presence_is(6, {"zh": 2, "en": 2, "es": 2}), 15)

        # 1. A conversation across nodes: everyone gets everything live.
        sent = await _round(everyone, 0)
        acked += [seq for _, seq in sent]
        for r in everyone:
            for _, seq in sent:
                await r.wait_live(seq, 30)

        # 2. Redis dies while a round is in flight. Every send is still acked.
        in_flight = asyncio.create_task(_round(everyone, 1))
        await asyncio.sleep(0)  # let the sends leave before the kill
        redis.kill()
        acked += [seq for _, seq in await in_flight]

        # 3. During the outage each node serves its own clients: acks, live local delivery,
        #    sign-in, joins and the booth list.
        for n in (2, 3):
            sent = await _round(everyone, n)
            acked += [seq for _, seq in sent]
            for sender, seq in sent:
                for r in on_a if sender.node == "a" else on_b:
                    got = await r.wait_live(seq, 30)
                    assert "uncertain" in got and got["text"]
        for node in (a, b):
            tok, _ = await node.guest("Outage", "en")
            status, listing = await node.get("/api/booths")
            assert status == 200 and any(x["id"] == booth_id for x in listing), listing
            late = await node.client(tok)
            join = await late.call(events.BOOTH_JOIN, {"booth_id": booth_id})
            assert join["ok"], join
            assert (await late.call(events.BOOTH_LEAVE, {"booth_id": booth_id}))["ok"]
            await late.close()

        # 4. Redis comes back empty. Presence is rebuilt on both nodes...
        await redis.start()
        await asyncio.wait_for(presence_is(6, {"zh": 2, "en": 2, "es": 2}), 20)

        # ...and delivery across nodes resumes (each node resubscribes within seconds).
        for src, dst in ((on_a[0], on_b), (on_b[0], on_a)):

            async def crosses(src: Reader = src, dst: list[Reader] = dst) -> None:
                for _ in range(40):
                    ack = await src.c.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "ping"})
                    assert ack["ok"], ack
                    seq = int(ack["message"]["seq"])
                    acked.append(seq)
                    try:
                        await dst[0].wait_live(seq, 1.0)
                        return
                    except TimeoutError:
                        continue
                raise AssertionError("cross-node delivery did not resume")

            await asyncio.wait_for(crosses(), 60)

        # 5. After the restart readers of every language on both nodes get every message live,
        #    translated for them (presence knows all three languages again).
        for n in (4, 5):
            sent = await _round(everyone, n)
            acked += [seq for _, seq in sent]
            for r in everyone:
                for _, seq in sent:
                    got = await r.wait_live(seq, 30)
                    assert "uncertain" in got and got["text"]

        # 6. Every acked message reached every reader: live, or caught up with chat:history.
        want = set(acked)
        assert len(want) == len(acked), "a seq was acked twice"
        for r in everyone:
            await r.wait_for_seqs(want, 60)

        # Readers on each node missed the other node's outage messages live and caught them up.
        for r in everyone:
            missed_live = want - set(r.live)
            assert missed_live, f"{r.node}-{r.lang} got everything live: the outage was not exercised"
            assert missed_live <= set(r.caught)
            assert r.history_calls >= 1
            # Each node told its members the booth's latest seq when its Redis link came back.
            assert r.resyncs and max(x["last_seq"] for x in r.resyncs) >= max(acked[: 6 * 4])
        # Caught-up messages are in the reader's language, like live ones.
        for r in everyone:
            for m in r.caught.values():
                assert {"text", "original", "translated", "uncertain", "source_lang"} <= set(m)
                if m["source_lang"] == r.lang:
                    assert m["text"] == m["original"] and m["translated"] is False
            translated = [m for m in r.caught.values() if m["source_lang"] != r.lang and m["translated"]]
            assert translated, f"{r.node}-{r.lang}: nothing caught up was translated"
    finally:
        for r in everyone:
            await r.aclose()

    for path in logs:
        text = path.read_text(errors="replace")
        assert "Task exception was never retrieved" not in text, path
        assert "socket handler failed" not in text, path
        assert "HTTP handler failed" not in text, path
