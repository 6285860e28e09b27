"""Fan-out through the load balancer: nginx in front of two Boothcast nodes, against one node alone.

    .venv/bin/python bench/cluster/lb.py                          # 5,000 viewers (2 × 2,500), 5 msg/s, 15 s
    .venv/bin/python bench/cluster/lb.py --viewers 500 --seconds 5   # a smoke run

One run starts, on this machine (plain localhost processes on their own ports, no namespaces):
a redis-server of its own, a fresh PostgreSQL database on the `--postgres` server (created with
the demo fair, dropped afterwards), two `boothcast serve` nodes sharing both, and Debian's nginx
with deploy/nginx's template (bench/cluster/nginx.py). Then, per viewer count N:

- `lb`: bench/fanout's load generator connects N viewers of one booth and the booth's supplier
  through the balancer (websocket transport; nginx picks the node, round robin, no stickiness);
  the supplier sends at `--rate` msg/s for `--seconds` s; every message must reach every viewer
  (and the sender), whichever node each is on: the other node gets it through Redis;
- `single`: the same load straight at node a, the other node idle.

Reported per scenario: delivered / expected, p50/p95/p99/max delivery latency (send → receive on
the generator's clock), the sender's ack (the commit), connections per node (each node's
`boothcast_connections` gauge), and the CPU share of each node, nginx and the generator while
messages flowed, with the load average: one Node process generates the load, and when it nears
a full core it, not the servers, sets the latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.cluster.nginx import balancer  # noqa: E402
from bench.fanout.run import (  # noqa: E402
    NODE_DIR,
    VENV_BIN,
    BoothcastTarget,
    cpu_s,
    create_pg_database,
    drop_pg_database,
    ensure_node_modules,
    free_port,
    raise_nofile,
    wait_http,
)
from tests.redis_server import OwnRedis  # noqa: E402

SATURATED = 0.9  # of one core: the generator is one Node process


@dataclass
class Node:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    metrics_url: str

    def metrics(self) -> dict[str, float]:
        with urllib.request.urlopen(self.metrics_url + "/metrics", timeout=10) as r:
            text = r.read().decode()
        out: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def connections(self) -> int:
        """Socket.IO connections on this node; -1 when it did not answer (a busy node may not)."""
        try:
            return int(self.metrics().get("boothcast_connections", -1))
        except OSError:
            return -1


@dataclass
class Cluster:
    nodes: list[Node]
    lb_url: str
    nginx_pid: int
    target: BoothcastTarget


def _stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str], sig: int, timeout: float) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextmanager
def cluster(work: Path, admin_dsn: str, lang: str) -> Iterator[Cluster]:
    """Redis, database, two nodes and the balancer; everything stopped and removed on exit."""
    with ExitStack() as stack:
        redis = OwnRedis(work)
        stack.callback(redis.kill)
        asyncio.run(redis.start())
        db_url = create_pg_database(admin_dsn)
        stack.callback(drop_pg_database, admin_dsn, db_url)
        data_a = work / "a"
        target = BoothcastTarget(data_a, lang, True, work, db_url)
        print("preparing the demo fair in a fresh PostgreSQL database ...", flush=True)
        target.prepare()  # migrates, seeds, installs the models into data_a
        secret = uuid.uuid4().hex + uuid.uuid4().hex
        nodes: list[Node] = []
        for name in ("a", "b"):
            data_dir = work / name
            data_dir.mkdir(exist_ok=True)
            if name != "a" and (data_a / "models").exists():
                (data_dir / "models").symlink_to(data_a / "models")  # deploy/: one shared models volume
            port, metrics_port = free_port(), free_port()
            env = {**target.env(), "REDIS_URL": redis.url, "BOOTHCAST_SECRET_KEY": secret,
                   "BOOTHCAST_DATA_DIR": str(data_dir), "BOOTHCAST_MEDIA_DIR": str(work / "media"),
                   "BOOTHCAST_TRUSTED_PROXIES": "127.0.0.1", "BOOTHCAST_METRICS_PORT": str(metrics_port)}  # fmt: skip
            with open(work / f"node-{name}.log", "wb") as log:
                proc = subprocess.Popen(
                    [str(VENV_BIN / "boothcast"), "--data-dir", str(data_dir), "serve", "--port", str(port)],
                    env=env, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            # SIGINT: the node's own graceful shutdown, as run.py stops it.
            stack.callback(_stop, proc, signal.SIGINT, 30)
            nodes.append(Node(name, proc, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"))
        for node in nodes:
            wait_http(node.url + "/healthz", node.proc, timeout=180)
        lb = stack.enter_context(
            balancer(
                work / "nginx", free_port(), [n.url.removeprefix("http://") for n in nodes], work / "media"
            )
        )
        yield Cluster(nodes, lb.url, lb.proc.pid, target)


def wait_drained(nodes: list[Node], timeout: float) -> float | None:
    """Seconds until every node has no client left (the last scenario's viewers have gone), or None.

    A node tearing down thousands of sockets at once may not answer a scrape for a while.
    """
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if all(n.connections() == 0 for n in nodes):
            return round(time.monotonic() - t0, 1)
        time.sleep(0.5)
    return None


def run_load(
    c: Cluster, scenario: str, url: str, viewers: int, args: argparse.Namespace, rows: list[dict[str, Any]]
) -> None:
    """One scenario; its row goes into `rows` as soon as the messages are counted."""
    cfg = {"url": url, "viewers": viewers, "burst": 0, "rate": args.rate, "seconds": args.seconds,
           "connectConcurrency": args.connect_concurrency, **c.target.loadgen_config()}  # fmt: skip
    out: dict[str, Any] = {"scenario": scenario, "viewers": viewers, "rate": args.rate, "seconds": args.seconds,
                           "loadavg_before": [round(v, 1) for v in os.getloadavg()]}  # fmt: skip
    gen = subprocess.Popen(
        ["node", str(NODE_DIR / "loadgen.js"), json.dumps(cfg)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    pids = {**{f"node {n.name}": n.proc.pid for n in c.nodes}, "nginx": c.nginx_pid, "loadgen": gen.pid}
    cpu0: dict[str, float] = {}
    t0 = 0.0
    try:
        assert gen.stdin is not None and gen.stdout is not None
        for line in gen.stdout:
            msg = json.loads(line)
            if msg["ev"] == "ready":
                out["connect_seconds"] = msg["connect_seconds"]
                out["connections"] = {n.name: n.connections() for n in c.nodes}
                cpu0, t0 = {k: cpu_s(p) for k, p in pids.items()}, time.monotonic()
            elif msg["ev"] == "result":
                wall = time.monotonic() - t0
                # Who had the cores while messages flowed (sending window + drain).
                out["cpu_share"] = {k: round((cpu_s(p) - cpu0[k]) / wall, 2) for k, p in pids.items()}
                out["loadavg_after"] = [round(v, 1) for v in os.getloadavg()]
                steady = next(r for r in msg["results"] if r["name"] == "steady")
                out.update({k: steady.get(k) for k in ("expected", "delivered", "p50_ms", "p95_ms", "p99_ms",
                                                       "max_ms", "ack_p50_ms", "ack_p99_ms")})  # fmt: skip
                out["ack_errors"] = msg.get("ack_error_count", 0)
                out["loadgen_saturated"] = out["cpu_share"]["loadgen"] >= SATURATED
            elif msg["ev"] == "error":
                out["error"] = msg["error"]
            if msg["ev"] in ("base", "ready"):
                gen.stdin.write("go\n")
                gen.stdin.flush()
        gen.wait(timeout=60)
    finally:
        _stop(gen, signal.SIGTERM, 10)
    print(json.dumps(out), flush=True)
    rows.append(out)  # before the teardown: a slow one never costs the figures
    out["drained_s"] = wait_drained(c.nodes, 600)
    if out["drained_s"] is None:
        raise RuntimeError("the nodes still had clients 600 s after the generator left")


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| viewers | scenario | delivered / expected | p50 / p95 / p99 / max ms | ack p50 / p99 ms "
             "| connections a / b | CPU share: node a / node b / nginx / loadgen | load avg (1, 5 min) |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['viewers']:,} | {r['scenario']} | error: {r['error']} | | | | | |")
            continue
        cpu, conns = r["cpu_share"], r["connections"]
        sat = " (saturated)" if r["loadgen_saturated"] else ""
        la = r["loadavg_after"]
        lines.append(
            f"| {r['viewers']:,} | {r['scenario']} | {r['delivered']:,} / {r['expected']:,} "
            f"| {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} / {r['max_ms']} | {r['ack_p50_ms']} / {r['ack_p99_ms']} "
            f"| {conns['a']:,} / {conns['b']:,} | {cpu['node a']} / {cpu['node b']} / {cpu['nginx']} / "
            f"{cpu['loadgen']}{sat} | {la[0]}, {la[1]} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", default="5000", help="viewers in all, comma-separated for several runs")
    ap.add_argument("--rate", type=float, default=5, help="messages per second from the supplier")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--scenarios", default="lb,single", help="lb (two nodes behind nginx), single (node a)")
    ap.add_argument("--lang", default="zh", help="viewers' language; zh = the supplier's: no translation")
    ap.add_argument("--connect-concurrency", type=int, default=100)
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", metavar="ADMIN_DSN",
                    help="where the fresh database is created (and dropped)")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args()

    raise_nofile()
    ensure_node_modules()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed (Debian's redis-server)")
    rows: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="boothcast-lb-"))
    try:
        with cluster(work, args.postgres, args.lang) as c:
            for n in (int(v) for v in args.viewers.split(",")):
                for scenario in args.scenarios.split(","):
                    url = c.lb_url if scenario == "lb" else c.nodes[0].url
                    print(
                        f"{scenario}: {n:,} viewers at {args.rate} msg/s for {args.seconds} s ...", flush=True
                    )
                    run_load(c, scenario, url, n, args, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"\ncores: {os.cpu_count()}; nodes, nginx, Redis, PostgreSQL and the generator share them")
        print(table(rows))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
