"""Fan-out benchmark: Boothcast vs a minimal Node socket.io server, same load generator, same run.

    .venv/bin/python bench/fanout/run.py                 # both scenarios, both servers
    .venv/bin/python bench/fanout/run.py --quick         # 500 viewers, shorter: a smoke test
    .venv/bin/python bench/fanout/run.py --scenarios J --storm-viewers 5000 --repeat 5
                                                         # join storms: five rounds and the median ratio

Scenarios (each against a freshly started server):
  A: N viewers (default 2,000) join one booth; the booth's supplier sends a burst of 100 messages
     back to back, then a steady 20 msg/s for 15 s.
  B: 5,000 viewers, steady 5 msg/s for 15 s.

The load generator (bench/fanout/node/loadgen.js) is a separate Node process speaking Engine.IO
v4 / Socket.IO v5 over raw websockets; Boothcast viewers connect with `auth: {token, batch: true}`.
Memory per connection is the server's RSS (all its processes) after N viewers joined, minus
before, divided by N.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
REPO = HERE.parent.parent
VENV_BIN = Path(sys.executable).parent
SUPPLIER = "led@demo.boothcast.test"


@dataclass(frozen=True)
class Scenario:
    name: str
    viewers: int
    burst: int
    rate: float
    seconds: float
    connect_concurrency: int = 0  # 0: the command line's --connect-concurrency


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < 12_000:
        print(f"warning: open-file limit is {soft}; 5,000 viewers need ~10,000 (raise the hard limit)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_pids(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return pids


def rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (a multi-worker server is several processes)."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants."""
    total = 0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def ensure_node_modules() -> None:
    if not (NODE_DIR / "node_modules" / "socket.io").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


class Target:
    name = ""

    def start(self, port: int) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def loadgen_config(self) -> dict[str, Any]:
        return {}


class NodeTarget(Target):
    name = "node"

    def start(self, port: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["node", str(NODE_DIR / "peer_server.js"), str(port)], stdout=subprocess.DEVNULL
        )

    def loadgen_config(self) -> dict[str, Any]:
        return {"mode": "node"}


class BoothcastTarget(Target):
    name = "boothcast"

    def __init__(
        self, data_dir: Path, lang: str, batch: bool, log_dir: Path, database_url: str | None
    ) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.lang = lang
        self.batch = batch
        self.log_dir = log_dir

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            BOOTHCAST_CHAT_RATE_LIMIT="0",
            BOOTHCAST_AUTH_RATE_LIMIT="100000",
            BOOTHCAST_RTMP_PORT="0",
            BOOTHCAST_MAX_SOCKETS_PER_ADDRESS="0",  # every viewer connects from 127.0.0.1
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def prepare(self) -> None:
        subprocess.run(
            [str(VENV_BIN / "boothcast"), "--data-dir", str(self.data_dir), "demo", "--no-serve"],
            env=self.env(), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self, port: int) -> subprocess.Popen[bytes]:
        cmd = [str(VENV_BIN / "boothcast"), "--data-dir", str(self.data_dir), "serve", "--port", str(port)]
        # The child keeps its own copy of the descriptor; ours can close at once.
        with open(self.log_dir / f"boothcast-{port}.log", "wb") as log:
            return subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def loadgen_config(self) -> dict[str, Any]:
        sys.path.insert(0, str(REPO))
        from rooms.demo_fair import DEMO_PASSWORD

        return {"mode": "boothcast", "email": SUPPLIER, "password": DEMO_PASSWORD, "lang": self.lang,
                "batch": self.batch}  # fmt: skip


def run_scenario(
    target: Target, sc: Scenario, connect_concurrency: int, profile: Path | None = None
) -> dict[str, Any]:
    port = free_port()
    server = target.start(port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/healthz", server)
        cfg = {"url": url, "viewers": sc.viewers, "burst": sc.burst, "rate": sc.rate, "seconds": sc.seconds,
               "connectConcurrency": sc.connect_concurrency or connect_concurrency,
               **target.loadgen_config()}  # fmt: skip
        gen = subprocess.Popen(
            ["node", str(NODE_DIR / "loadgen.js"), json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert gen.stdin is not None and gen.stdout is not None
        out: dict[str, Any] = {"target": target.name, "scenario": sc.name, "viewers": sc.viewers}
        # Other work on the machine skews both servers alike; the load average says how much there was.
        out["loadavg_1m_before"] = round(os.getloadavg()[0], 1)
        base = 0
        storm_spy: subprocess.Popen[bytes] | None = None
        for line in gen.stdout:
            msg = json.loads(line)
            if msg["ev"] == "base":
                time.sleep(0.5)
                base = rss_kb(server.pid)
                out["rss_base_mb"] = round(base / 1024, 1)
                join_cpu0 = cpu_s(server.pid)
                if profile is not None and target.name == "boothcast" and sc.name.startswith("J"):
                    # A storm's measured phase is the joining itself, until `ready`.
                    out_file = profile.with_name(f"{profile.stem}-{sc.name}{profile.suffix}")
                    # --gil: what holds the interpreter. Without it, aiosqlite's worker thread
                    # waiting in SimpleQueue.get is counted as busy.
                    spy_cmd = [str(VENV_BIN / "py-spy"), "record", "-s", "--gil", "-r", "250", "-f", "raw"]
                    storm_spy = subprocess.Popen([*spy_cmd, "-o", str(out_file), "-p", str(server.pid)])
            elif msg["ev"] == "ready":
                if storm_spy is not None:
                    storm_spy.send_signal(signal.SIGINT)
                    storm_spy.wait(timeout=30)
                    storm_spy = None
                time.sleep(0.5)
                loaded = rss_kb(server.pid)
                out["rss_loaded_mb"] = round(loaded / 1024, 1)
                out["kb_per_conn"] = round((loaded - base) / sc.viewers, 1)
                out["connect_seconds"] = msg["connect_seconds"]
                out["join"] = msg.get("join", {})
                # Server CPU per join (connect + booth:join): unlike the wall clock, it does not
                # depend on what else the 2 shared cores were doing.
                out["join"]["server_cpu_ms_per_join"] = round((cpu_s(server.pid) - join_cpu0) * 1e3 / sc.viewers, 3)
                cpu0 = (cpu_s(server.pid), cpu_s(gen.pid), time.monotonic())
                if profile is not None and target.name == "boothcast" and not sc.name.startswith("J"):
                    # Only the measured phases: connecting thousands of viewers would drown them.
                    out_file = profile.with_name(f"{profile.stem}-{sc.name}{profile.suffix}")
                    spy = [str(VENV_BIN / "py-spy"), "record", "-s", "-r", "250", "-f", "raw"]
                    secs = str(int(sc.seconds + (8 if sc.burst else 2)))
                    subprocess.Popen([*spy, "-d", secs, "-o", str(out_file), "-p", str(server.pid)])
            elif msg["ev"] == "result":
                out["results"] = msg["results"]
                out["loadavg_1m_after"] = round(os.getloadavg()[0], 1)
                wall = time.monotonic() - cpu0[2]
                server_cpu = cpu_s(server.pid) - cpu0[0]
                # Who used the 2 cores while messages flowed: a saturated generator would cap both servers.
                out["cpu_share"] = {"server": round(server_cpu / wall, 2),
                                    "loadgen": round((cpu_s(gen.pid) - cpu0[1]) / wall, 2)}  # fmt: skip
                # CPU per delivery does not depend on how busy the rest of the machine was.
                delivered = sum(p["delivered"] for p in msg["results"])
                out["server_cpu_us_per_delivery"] = round(server_cpu * 1e6 / max(delivered, 1), 2)
            elif msg["ev"] == "error":
                out["error"] = msg["error"]
            if msg["ev"] in ("base", "ready"):
                gen.stdin.write("go\n")
                gen.stdin.flush()
        gen.wait(timeout=60)
        return out
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fmt_row(r: dict[str, Any], phase: str) -> dict[str, Any] | None:
    for p in r.get("results", []):
        if p["name"] == phase:
            return dict(p)
    return None


def report(rows: list[dict[str, Any]]) -> str:
    """A markdown table per scenario phase: Boothcast, Node, and the ratio."""
    lines = ["| scenario | metric | Boothcast | Node socket.io | Boothcast / Node |", "|---|---|---|---|---|"]
    by = {(r["scenario"], r["target"]): r for r in rows}
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        b, n = by.get((scen, "boothcast"), {}), by.get((scen, "node"), {})
        for phase in ("burst", "steady"):
            bp, np_ = fmt_row(b, phase), fmt_row(n, phase)
            if bp is None and np_ is None:
                continue
            label = f"{scen} {phase}"
            for key, title in (("deliveries_per_s", "deliveries/s"), ("p50_ms", "p50 ms"),
                               ("p99_ms", "p99 ms"), ("delivered", "delivered / expected")):  # fmt: skip
                bv = bp.get(key) if bp else None
                nv = np_.get(key) if np_ else None
                if key == "delivered":
                    bs = f"{bv}/{bp['expected']}" if bp else "-"
                    ns = f"{nv}/{np_['expected']}" if np_ else "-"
                    ratio = ""
                else:
                    bs, ns = ("-" if bv is None else f"{bv:,}"), ("-" if nv is None else f"{nv:,}")
                    ratio = f"{bv / nv:.2f}×" if bv and nv else ""
                lines.append(f"| {label} | {title} | {bs} | {ns} | {ratio} |")
        for key, title in (("server_cpu_us_per_delivery", "server CPU µs per delivery"),
                           ("kb_per_conn", "KB per connection")):  # fmt: skip
            bk, nk = b.get(key), n.get(key)
            ratio = f"{bk / nk:.2f}×" if bk and nk else ""
            lines.append(f"| {scen} | {title} | {bk} | {nk} | {ratio} |")
    return "\n".join(lines)


STORM_METRICS = (
    ("seconds", "all joined, s"),
    ("joins_per_s", "joins/s"),
    ("p50_ms", "join p50 ms (connect + booth:join)"),
    ("p99_ms", "join p99 ms"),
    ("ack_p50_ms", "booth:join ack p50 ms"),
    ("ack_p99_ms", "booth:join ack p99 ms"),
    ("server_cpu_ms_per_join", "server CPU ms per join"),
    ("first_presence_ms", "first presence:update, ms"),
    ("full_presence_ms", "presence:update with everyone, ms"),
)


def storm_report(rows: list[dict[str, Any]]) -> str:
    """A markdown table per join storm: Boothcast, Node, and the ratio; with several rounds, a
    line a round and the median ratio."""
    if len({r.get("round", 1) for r in rows}) > 1:
        return storm_rounds_report(rows)
    lines = ["| storm | metric | Boothcast | Node socket.io | Boothcast / Node |", "|---|---|---|---|---|"]
    by = {(r["scenario"], r["target"]): r for r in rows}
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        b, n = by.get((scen, "boothcast"), {}), by.get((scen, "node"), {})
        bj, nj = b.get("join", {}), n.get("join", {})
        items = [(title, bj.get(key), nj.get(key)) for key, title in STORM_METRICS]
        items.append(("KB per connection", b.get("kb_per_conn"), n.get("kb_per_conn")))
        for title, bv, nv in items:
            ratio = f"{bv / nv:.2f}×" if bv and nv else ""
            bs, ns = ("-" if bv is None else f"{bv:,}"), ("-" if nv is None else f"{nv:,}")
            lines.append(f"| {scen} | {title} | {bs} | {ns} | {ratio} |")
    return "\n".join(lines)


def storm_rounds_report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| storm | round | Boothcast all joined, s | Node, s | Boothcast / Node | server CPU ms a join "
        "(Boothcast / Node) | KB a connection (Boothcast / Node) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    by = {(r["scenario"], r.get("round", 1), r["target"]): r for r in rows}
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        ratios = []
        for round_ in sorted({r.get("round", 1) for r in rows if r["scenario"] == scen}):
            b, n = by.get((scen, round_, "boothcast"), {}), by.get((scen, round_, "node"), {})
            bj, nj = b.get("join", {}), n.get("join", {})
            bs, ns = bj.get("seconds"), nj.get("seconds")
            ratio = bs / ns if bs and ns else None
            if ratio is not None:
                ratios.append(ratio)
            lines.append(
                f"| {scen} | {round_} | {bs if bs is not None else '-'} | {ns if ns is not None else '-'} | "
                f"{f'{ratio:.2f}×' if ratio is not None else ''} | "
                f"{bj.get('server_cpu_ms_per_join', '-')} / {nj.get('server_cpu_ms_per_join', '-')} | "
                f"{b.get('kb_per_conn', '-')} / {n.get('kb_per_conn', '-')} |"
            )
        if ratios:
            lines.append(f"| {scen} | **median of {len(ratios)}** | | | **{statistics.median(ratios):.2f}×** | | |")
    return "\n".join(lines)


def pg_admin(admin_dsn: str, sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def create_pg_database(admin_dsn: str) -> str:
    """A fresh, empty database on that server; its SQLAlchemy URL."""
    import uuid

    name = f"bc_bench_{uuid.uuid4().hex[:10]}"
    pg_admin(admin_dsn, f'CREATE DATABASE "{name}"')
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def drop_pg_database(admin_dsn: str, url: str) -> None:
    pg_admin(admin_dsn, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", type=int, default=2000, help="viewers in scenario A (default 2000)")
    ap.add_argument("--big-viewers", type=int, default=5000, help="viewers in scenario B (default 5000)")
    ap.add_argument("--seconds", type=float, default=15, help="length of each steady phase")
    ap.add_argument("--burst", type=int, default=100, help="burst size in scenario A (0 skips it)")
    ap.add_argument("--scenarios", default="A,B", help="which scenarios: A, B, J (join storms), e.g. A,B or J")
    ap.add_argument("--storm-viewers", default="2000,5000", help="viewers per join storm (scenario J)")
    ap.add_argument("--storm-concurrency", type=int, default=500, help="connects in flight at once in a storm")
    ap.add_argument("--targets", default="boothcast,node", help="boothcast, node or both")
    ap.add_argument(
        "--lang",
        default="zh",
        help="viewers' language; zh = the supplier's, so no translation is in the path",
    )
    ap.add_argument("--no-batch", action="store_true", help="Boothcast viewers without auth.batch")
    ap.add_argument("--connect-concurrency", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="500 viewers, 5 s: a smoke test")
    ap.add_argument(
        "--postgres",
        metavar="ADMIN_DSN",
        help="persist Boothcast's chat in a fresh PostgreSQL database made (and dropped) through this "
        "server, e.g. postgresql://postgres@127.0.0.1:5432/test (default: the embedded SQLite)",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, metavar="N",
        help="run every scenario N times, the targets' order swapped each round, and report each "
        "round's ratio and their median (runs of the same code differ by up to 1.8x on 2 shared cores)",
    )
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--profile", type=Path, help="run Boothcast under py-spy, raw stacks to this path")
    args = ap.parse_args()

    raise_nofile()
    ensure_node_modules()
    scen: list[Scenario] = []
    if args.quick:
        scen = [Scenario("A", 500, 100, 20, 5)]
    else:
        if "A" in args.scenarios:
            scen.append(Scenario("A", args.viewers, args.burst, 20, args.seconds))
        if "B" in args.scenarios:
            scen.append(Scenario("B", args.big_viewers, 0, 5, args.seconds))
        if "J" in args.scenarios:
            for n in (int(v) for v in args.storm_viewers.split(",")):
                scen.append(Scenario(f"J{n}", n, 0, 0, 0, args.storm_concurrency))

    work = Path(tempfile.mkdtemp(prefix="boothcast-fanout-"))
    targets: list[Target] = []
    database_url = create_pg_database(args.postgres) if args.postgres else None
    try:
        for t in args.targets.split(","):
            if t == "node":
                targets.append(NodeTarget())
            elif t == "boothcast":
                bt = BoothcastTarget(work / "data", args.lang, not args.no_batch, work, database_url)
                print("preparing the Boothcast demo database ...", flush=True)
                bt.prepare()
                targets.append(bt)
        rows = []
        for sc in scen:
            for round_ in range(1, args.repeat + 1):
                # Swapped each round: whichever runs second meets what the first left (a warm page
                # cache, a cooling machine), so neither target always gets it.
                for target in targets if round_ % 2 else targets[::-1]:
                    print(f"scenario {sc.name}: {sc.viewers} viewers on {target.name} ...", flush=True)
                    r = run_scenario(target, sc, args.connect_concurrency, args.profile)
                    r["round"] = round_
                    print(json.dumps(r), flush=True)
                    rows.append(r)
        print()
        print(f"cores: {os.cpu_count()}, load generator and server share them")
        fanout_rows = [r for r in rows if not r["scenario"].startswith("J")]
        storm_rows = [r for r in rows if r["scenario"].startswith("J")]
        if fanout_rows:
            print(report(fanout_rows))
        if storm_rows:
            print(storm_report(storm_rows))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if database_url:
            drop_pg_database(args.postgres, database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
