"""Fixtures: real servers on ephemeral ports over real databases (SQLite and the local PostgreSQL)."""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import os
import re
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rooms.db import Database
from tests.support import (
    BUNDLED,
    Server,
    database_from_template,
    install_models,
    pg_admin,
    pg_node_pair,
    prepare_template,
    settings_for_test,
    start_server,
)

if TYPE_CHECKING:
    # Playwright is only needed by the browser tests: the unit tests run without it installed.
    from tests.browser_support import Fair

# scripts/test spreads the tests over workers (pytest-xdist, --dist loadgroup) in collection
# order, a file to a worker, except that every browser test goes to one worker, in turn: several
# Chromiums and their servers at once on two cores stalled pages past their 15 s waits.
# The longest files go first, so none of them starts last and keeps one worker busy alone at the
# end. Longest first, as `--durations` measured them (a file missing here only runs later).
LONG_FILES = (
    "test_wheel_install.py", "test_kill9.py", "test_browser_i18n.py", "test_openapi_fuzz.py",
    "test_shutdown.py", "test_live_api.py", "test_webhooks.py", "test_webhooks_api.py",
    "test_multinode.py", "test_images.py", "test_live_browser.py", "test_cluster_netns.py",
    "test_pg_outage.py", "test_log_format.py", "test_redis_faults.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept otherwise
    for item in items:
        chromium = item.get_closest_marker("browser") or "fair" in getattr(item, "fixturenames", ())
        # The cluster test adds and removes network interfaces (veth) for minutes; Chromium then
        # fails its requests in flight, even to 127.0.0.1 (ERR_NETWORK_CHANGED): it runs on the
        # browser tests' worker, in turn with them, never beside them.
        changes_network = item.path.name in NETWORK_CHANGING
        group = "browser" if chromium or changes_network else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test's report carries what its pages said and which requests failed."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    fair = getattr(item, "funcargs", {}).get("fair")
    if report.failed and fair is not None and getattr(fair, "trace", None):
        report.sections.append(("browser trace", "\n".join(fair.trace)))


NETWORK_CHANGING = frozenset({"test_cluster_netns.py"})

STUCK_DIR = Path(__file__).resolve().parents[1] / "test-artifacts" / "stuck"


@pytest.fixture(autouse=True)
def stuck_test_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Shortly before pytest-timeout fails a stuck test, print where it waits: every thread's stack
    and every unfinished asyncio task's, which a SIGALRM in the event loop's select() cannot show.
    Written to the test's captured stderr, so the failure report carries it."""
    limit = _timeout_s(request.config)
    if limit <= 0:
        yield
        return
    report = STUCK_DIR / (re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:] + ".txt")
    timers = [
        threading.Timer(max(limit - 20, 1), _dump_where_it_waits, (report,)),
        # pytest-timeout's SIGALRM fires once: a teardown stuck after it would still hold CI. The
        # worker then ends, with the servers it started, and xdist reports the test as crashed.
        threading.Timer(limit + 120, _end_the_worker, (report,)),
    ]
    for timer in timers:
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        for timer in timers:
            timer.cancel()


def _timeout_s(config: pytest.Config) -> float:
    """pytest-timeout's limit as this run has it (`--timeout`, else the ini's); 0 when off."""
    try:
        value = config.getoption("timeout", None)
        if value is None:
            value = config.getini("timeout")
        return float(value or 0)
    except (ValueError, TypeError):  # pytest-timeout not loaded (-p no:timeout)
        return 0.0


def _dump_where_it_waits(report: Path) -> None:
    """Into the test's captured stderr and into `report` (scripts/test prints those at the end:
    a test rerun after its timeout passes, and its first run's output is not shown)."""
    report.parent.mkdir(parents=True, exist_ok=True)
    with report.open("a", encoding="utf-8") as out:
        for stream in (sys.stderr, out):
            print("\n== stuck: every thread's stack", file=stream, flush=True)
            faulthandler.dump_traceback(file=stream, all_threads=True)
            print("== stuck: every unfinished asyncio task", file=stream, flush=True)
            # Read from this thread while the loop runs: a racy read, good enough for a post-mortem.
            for task in [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]:
                try:
                    task.print_stack(file=stream)
                except Exception as exc:  # a frame that changed under the read
                    print(f"{task!r}: {exc!r}", file=stream)
            stream.flush()


def _end_the_worker(report: Path) -> None:
    _dump_where_it_waits(report)
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(3)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += [int(child), *_descendants(int(child))]
    return found


# The suite never reaches the network: argos must not look for packages or sentence splitters.
os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models")
    if any(BUNDLED.glob("*.argosmodel")):
        install_models(path)
    return path


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """template(backend): a migrated, seeded database made once per session, copied per test."""
    workdir = tmp_path_factory.mktemp("templates")
    made: dict[str, str] = {}

    def template(backend: str) -> str:
        if backend not in made:
            made[backend] = asyncio.run(prepare_template(backend, workdir))
        return made[backend]

    yield template
    if "postgres" in made:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{made["postgres"]}" WITH (FORCE)'))


async def serve_fair(backend: str, templates: Callable[[str], str], tmp_path: Path, models_dir: Path,
                     **overrides: object) -> AsyncIterator[Server]:  # fmt: skip
    url, drop = await database_from_template(backend, await asyncio.to_thread(templates, backend), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)
    server, runner = await start_server(settings_for_test(data_dir, url, **overrides))  # type: ignore[arg-type]
    try:
        yield server
    finally:
        await server.close_clients()
        await runner.cleanup()
        await drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(backend: str, templates: Callable[[str], str], tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database of its own, on SQLite and on PostgreSQL (each test runs on both)."""
    url, drop = await database_from_template(backend, await asyncio.to_thread(templates, backend), tmp_path)
    database = Database(url)
    try:
        yield database
    finally:
        await database.aclose()
        await drop()


@pytest.fixture
async def fair_server(backend: str, templates: Callable[[str], str], tmp_path: Path, models_dir: Path,
                      request: pytest.FixtureRequest) -> AsyncIterator[Server]:  # fmt: skip
    """The real server on SQLite and on PostgreSQL (each test runs on both)."""
    overrides = getattr(request, "param", {}) or {}
    async for server in serve_fair(backend, templates, tmp_path, models_dir, **overrides):
        yield server


@pytest.fixture
async def live_server(templates: Callable[[str], str], tmp_path: Path, models_dir: Path) -> AsyncIterator[Server]:
    """The real server on SQLite with the demo fair and the bundled models."""
    async for server in serve_fair("sqlite", templates, tmp_path, models_dir):
        yield server


@pytest.fixture
def url(live_server: Server) -> str:
    """The base URL of the live server, for the browser tests."""
    return str(live_server.url).rstrip("/")


@pytest.fixture
async def fair(url: str) -> AsyncIterator[Fair]:
    """One Chromium on the live server; each person in a test gets a browser context."""
    from tests.browser_support import open_fair

    async with open_fair(url) as f:
        yield f


@pytest.fixture
async def two_nodes(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[tuple[Server, Server]]:
    """Two real `serve` processes on one PostgreSQL database and the shared Redis."""
    async with pg_node_pair(await asyncio.to_thread(templates, "postgres"), tmp_path, models_dir) as pair:
        yield pair
