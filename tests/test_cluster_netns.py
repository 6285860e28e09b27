"""The cluster on separate hosts (network namespaces, tests/netns_cluster.py) through its faults.

A buyer and a supplier talk through the balancer and land on different app hosts. Then:
- app host A is killed (SIGKILL), or its link is cut (its processes live on, unreachable): the
  client that was on A notices, reconnects through the balancer, lands on B, catches up by `seq`
  with `chat:history` and carries on; no acknowledged message or lead is lost;
- the data host's Redis is killed and started again, empty: delivery between the app hosts
  recovers and everything acknowledged meanwhile is caught up.

Clients do what the pages do: resend an unacknowledged message with the same `client_id` (the
server answers a resend with the first one's `seq`), and after a reconnect ask `chat:history`
from the highest `seq` held without a hole. CI runs this as root; without network namespaces the
test fails and says why, it never skips.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio

from server import events
from server.settings import Settings
from tests.netns import NetnsUnavailable
from tests.netns_cluster import APP_PORT, HEARTBEAT_S, Topology, topology
from tests.support import Client, Server

CALL_TIMEOUT_S = 5.0  # an ack slower than this is treated as lost: resend after a reconnect
# A silent node is noticed after ping interval + timeout; a few seconds more for the close.
DROP_TIMEOUT_S = 2 * HEARTBEAT_S + 10
RECONNECT_TIMEOUT_S = 30.0
# How long one connect may take before the client gives up on it and tries again (the pages'
# socket.io-client waits 20 s). The balancer must fail over within it: nginx's default
# `proxy_connect_timeout` (60 s) left a client of a cut-off node hanging on that node.
CONNECT_TIMEOUT_S = 10.0


@pytest.fixture
async def cluster(tmp_path: Path, models_dir: Path) -> AsyncIterator[Topology]:
    try:
        async with topology(tmp_path, models_dir) as topo:
            yield topo
    except NetnsUnavailable as exc:
        pytest.fail(f"this test needs network namespaces (`ip netns`, veth, a bridge: root in CI): {exc}")


class Person:
    """One user's client app: reconnects through the balancer and catches up the way the pages do."""

    def __init__(self, lb_url: str, name: str, token: str, booth_id: int) -> None:
        self.lb_url = lb_url
        self.name = name
        self.token = token
        self.booth_id = booth_id
        self.clients: list[Client] = []  # one per connection, the current one last
        self.attempts: list[int] = []  # connects it took, per connection
        self.floor = -1  # the booth's last seq before the test (the demo's messages)
        self.seen: dict[int, str] = {}  # seq → "live" or "history"
        self.acked: dict[str, int] = {}  # client_id → seq, for this person's messages
        self.leads: list[int] = []  # acknowledged inquiries
        self.gate = asyncio.Event()  # cleared: a dropped client waits before reconnecting
        self.gate.set()
        self._sent = 0

    @property
    def client(self) -> Client:
        return self.clients[-1]

    async def connect(self) -> None:
        """Through the balancer, retried while it still picks a dead node; then join and catch up."""
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        attempts = 0
        while True:
            attempts += 1
            client = Client(f"{self.lb_url}?who={self.name}-{len(self.clients) + 1}", self.token)
            try:
                await asyncio.wait_for(client.connect(), CONNECT_TIMEOUT_S)
                break
            except (socketio.exceptions.ConnectionError, TimeoutError):
                await client.close()
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)  # as the pages' reconnect backoff, shortened
        self.attempts.append(attempts)
        self.clients.append(client)
        ack = await client.call(events.BOOTH_JOIN, {"booth_id": self.booth_id})
        assert ack["ok"], ack
        if self.floor < 0:
            self.floor = max((m["seq"] for m in ack["history"]), default=0)
        await self.catch_up()

    def absorb(self) -> None:
        for client in self.clients:
            for m in client.messages():
                if m["booth_id"] == self.booth_id and m["seq"] > self.floor:
                    self.seen.setdefault(m["seq"], "live")

    def high_water(self) -> int:
        """The highest seq held without a hole."""
        self.absorb()
        top = self.floor
        while top + 1 in self.seen:
            top += 1
        return top

    async def catch_up(self) -> None:
        after = self.high_water()
        while True:
            ack = await self.client.call(events.CHAT_HISTORY, {"booth_id": self.booth_id, "after_seq": after,
                                                               "limit": 200})  # fmt: skip
            assert ack["ok"], ack
            for m in ack["messages"]:
                self.seen.setdefault(m["seq"], "history")
            if not ack["more"]:
                return
            after = ack["messages"][-1]["seq"]

    async def _call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """The call's ack; a call lost with its node is made again on the next connection."""
        while True:
            if self.client.sio.connected:
                try:
                    ack: dict[str, Any] = await self.client.call(event, data, timeout=CALL_TIMEOUT_S)
                    return ack
                except socketio.exceptions.SocketIOError:
                    pass  # no ack: the node died or went silent under the call
            await self.client.events.wait_for("disconnect", timeout=DROP_TIMEOUT_S)
            await self.gate.wait()
            await self.connect()

    async def say(self, text: str) -> int:
        self._sent += 1
        cid = f"{self.name}-{self._sent}"
        ack = await self._call(events.CHAT_SEND, {"booth_id": self.booth_id, "text": text, "client_id": cid})
        assert ack["ok"], ack
        self.acked[cid] = int(ack["message"]["seq"])
        return self.acked[cid]

    async def inquire(self, message: str) -> int:
        ack = await self._call(events.INQUIRY_SUBMIT, {"booth_id": self.booth_id, "message": message,
                                                       "email": "ana@example.com", "consent": True})  # fmt: skip
        assert ack["ok"], ack
        self.leads.append(int(ack["lead"]["id"]))
        return self.leads[-1]

    async def sees_live(self, seq: int, timeout: float = 15) -> None:
        await self.client.wait_message(lambda m: m["booth_id"] == self.booth_id and m["seq"] == seq, timeout)

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


async def _pair(topo: Topology) -> tuple[Server, str, Person, Person]:
    """Supplier staff and a buyer, signed in and connected through the balancer, on both nodes."""
    lb = Server(topo.url, Settings())
    staff_token, staff = await lb.supplier()
    buyer_token, _ = await lb.guest("Ana", "es")
    booth_id = int(staff["booth_id"])
    buyer = Person(topo.url, "buyer", buyer_token, booth_id)
    supplier = Person(topo.url, "supplier", staff_token, booth_id)
    # Two websockets in a row: nginx's round robin sends them to different nodes.
    await buyer.connect()
    await supplier.connect()
    return lb, staff_token, buyer, supplier


async def _talk(buyer: Person, supplier: Person, rounds: int, tag: str) -> None:
    """Both talk; each sees the other's messages live."""
    for i in range(rounds):
        b = await buyer.say(f"Hola, ¿precio por {100 * (i + 1)} unidades? ({tag})")
        s = await supplier.say(f"USD {2 + i}.40 per unit ({tag})")
        await supplier.sees_live(b)
        await buyer.sees_live(s)


async def _nothing_lost(lb: Server, staff_token: str, people: tuple[Person, ...]) -> None:
    acked = {cid: seq for p in people for cid, seq in p.acked.items()}
    for p in people:
        await p.catch_up()
        missing = set(acked.values()) - set(p.seen)
        assert not missing, f"{p.name} never got the acknowledged messages {sorted(missing)}"
    # The booth's history holds each message once, at the seq its ack named (resends included).
    reader = people[0]
    history: list[dict[str, Any]] = []
    after = reader.floor
    while True:
        ack = await reader.client.call(events.CHAT_HISTORY, {"booth_id": reader.booth_id, "after_seq": after,
                                                             "limit": 200})  # fmt: skip
        history += ack["messages"]
        if not ack["more"]:
            break
        after = ack["messages"][-1]["seq"]
    by_cid = [(m.get("client_id"), m["seq"]) for m in history]
    assert sorted(by_cid, key=lambda x: x[1]) == sorted(acked.items(), key=lambda x: x[1]), by_cid
    status, body = await lb.get(f"/api/booths/{reader.booth_id}/leads", staff_token)
    assert status == 200, body
    acked_leads = {lead for p in people for lead in p.leads}
    assert acked_leads and acked_leads <= {lead["id"] for lead in body["leads"]}


async def _upstreams(topo: Topology, people: tuple[Person, ...]) -> dict[str, str]:
    """Which app host nginx sent each connection to, e.g. {"buyer-1": "a"}, once all are closed."""
    for p in people:
        await p.close()
    names = {f"{p.name}-{i + 1}" for p in people for i in range(len(p.clients))}
    by_address = {f"{h.address}:{APP_PORT}": name for name, h in topo.apps.items()}

    async def logged() -> dict[str, str]:
        while True:
            found: dict[str, str] = {}
            text = topo.access_log.read_text() if topo.access_log.exists() else ""
            for line in text.splitlines():
                _addr, _method, uri, who, status, upstream = line.split(" ", 5)
                if uri == "/socket.io/" and who in names and status == "101":
                    # A retried connect lists every node it tried: the last one answered.
                    found[who] = by_address[upstream.split(", ")[-1]]
            if set(found) == names:
                return found
            await asyncio.sleep(0.05)  # nginx logs a websocket once it has closed

    return await asyncio.wait_for(logged(), 15)


def _clean_log(path: Path) -> None:
    text = path.read_text(errors="replace")
    for bad in ("Task exception was never retrieved", "socket handler failed", "HTTP handler failed"):
        assert bad not in text, f"{path.name}: {bad}"


def _kill(topo: Topology) -> None:
    topo.nodes["a"].kill()


def _cut(topo: Topology) -> None:
    topo.apps["a"].cut()


@pytest.mark.parametrize("fault", [_kill, _cut], ids=["kill-9", "link-cut"])
async def test_app_host_lost_clients_move_to_the_other_host_and_lose_nothing(
    cluster: Topology, fault: Callable[[Topology], None]
) -> None:
    lb, staff_token, buyer, supplier = await _pair(cluster)
    people = (buyer, supplier)
    await _talk(buyer, supplier, 3, "before")
    lead = await buyer.inquire("We need 500 units of the 12 W panel, delivered to Valencia.")
    await supplier.client.events.wait_for(events.LEAD_NEW, lambda d: d["id"] == lead)

    # The fault strikes with a message of each in flight. Nobody reconnects before the survivor
    # has said more, so the one who dropped must catch those up by seq.
    for p in people:
        p.gate.clear()
    in_flight = {p.name: asyncio.create_task(p.say(f"in flight from {p.name}")) for p in people}
    await asyncio.sleep(0)  # the frames leave before the fault
    fault(cluster)
    started = time.monotonic()
    drops = {p.name: asyncio.create_task(p.client.events.wait_for("disconnect", timeout=DROP_TIMEOUT_S))
             for p in people}  # fmt: skip
    done, _ = await asyncio.wait(drops.values(), return_when=asyncio.FIRST_COMPLETED)
    dropped = next(p for p in people if drops[p.name] in done)
    survivor = next(p for p in people if p is not dropped)
    noticed_s = time.monotonic() - started
    survivor.gate.set()
    await in_flight[survivor.name]
    away = [await survivor.say(f"while {dropped.name} is away ({i})") for i in range(3)]
    for seq in away:  # fanned out (after the ack) before the dropped one is back
        await survivor.sees_live(seq)

    dropped.gate.set()
    await in_flight[dropped.name]  # resent on the new connection (same client_id) if unacked
    await dropped.say(f"{dropped.name} is back")  # on the new connection whatever the race was
    assert len(dropped.clients) == 2, "the dropped client did not reconnect"
    # The balancer sent the first reconnect to the live host (after trying A, or skipping it).
    assert dropped.attempts == [1, 1], dropped.attempts
    for seq in away:
        assert dropped.seen.get(seq) == "history", (seq, dropped.seen.get(seq))
    await buyer.inquire("Also 200 units of the 24 W panel, please.")
    await _talk(buyer, supplier, 3, "after")
    # The survivor's host never failed: one connection all along.
    assert len(survivor.clients) == 1 and survivor.client.sio.connected
    assert not survivor.client.events.of("disconnect")
    drops[survivor.name].cancel()

    await _nothing_lost(lb, staff_token, people)
    on = await _upstreams(cluster, people)
    first = f"{dropped.name}-1"
    assert on[first] == "a" and on[f"{survivor.name}-1"] == "b", on
    assert on[f"{dropped.name}-2"] == "b", on
    _clean_log(cluster.node_logs["b"])
    print(f"\n{fault.__name__}: {dropped.name} noticed the loss of host A after {noticed_s:.1f} s")


async def test_data_host_redis_restart_delivery_recovers(cluster: Topology) -> None:
    lb, staff_token, buyer, supplier = await _pair(cluster)
    people = (buyer, supplier)
    await _talk(buyer, supplier, 2, "before")

    cluster.redis.kill()
    # Each app host keeps serving its own clients; the other host's messages wait for catch-up.
    outage = [await p.say(f"during the outage from {p.name} ({i})") for i in range(2) for p in people]
    lead = await buyer.inquire("Quote for 1,000 units, please.")
    # Delivered on the sender's own host, so the publish to the other host (after the
    # translation, which may lag the ack) was tried, and failed, while Redis was down.
    for p in people:
        for seq in p.acked.values():
            if seq in outage:
                await p.sees_live(seq)
    await cluster.redis.start()

    # Each node tells its members the booth's latest seq when its Redis link is back; they catch up.
    for p in people:
        resync = await p.client.events.wait_for(events.CHAT_RESYNC, timeout=30)
        assert resync["last_seq"] >= max(outage)
        await p.catch_up()
    assert {buyer.seen[s] for s in supplier.acked.values() if s in outage} == {"history"}
    assert {supplier.seen[s] for s in buyer.acked.values() if s in outage} == {"history"}

    # Live delivery between the hosts resumes (each node resubscribes within seconds).
    async def crosses(src: Person, dst: Person) -> None:
        for _ in range(40):
            seq = await src.say("ping")
            try:
                await dst.sees_live(seq, 1.0)
                return
            except TimeoutError:
                continue
        raise AssertionError(f"delivery {src.name} → {dst.name} did not recover")

    await asyncio.wait_for(crosses(buyer, supplier), 60)
    await asyncio.wait_for(crosses(supplier, buyer), 60)
    await _talk(buyer, supplier, 2, "after")
    await _nothing_lost(lb, staff_token, people)
    assert lead in buyer.leads
    on = await _upstreams(cluster, people)
    assert on["buyer-1"] != on["supplier-1"], on
    for path in cluster.node_logs.values():
        _clean_log(path)
