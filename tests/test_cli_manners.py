"""The CLI's manners, through the real entry point: one sentence and exit status 2, never a traceback.

Accounts (bad e-mail, language, option combinations; the password prompted or piped), and what
stops `serve`: a busy HTTP or RTMP port, an unmigrated database, ffmpeg or nginx missing. Also
the two-fairs case: our nginx's readiness probe must not take another fair's nginx for its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from alembic import command

from media.ingest.listener import listens_on
from media.ingest.rtmp import NginxRtmp, RtmpConfig, RtmpPortTaken, find_module, stale_nginx
from rooms.migrate import alembic_config, head_revisions, upgrade
from server.preflight import LISTEN_BACKLOG
from tests.support import free_port, settings_for_test, start_server

SECRET = "cli-manners-" + "x1y2z3" * 8


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "BOOTHCAST_SECRET_KEY": SECRET, "BOOTHCAST_RTMP_PORT": "0", **extra}


def _run(
    data_dir: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "--data-dir", str(data_dir), *args],
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, env=_env(**env),
    )  # fmt: skip


def _refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one sentence on stderr, after checking the exit status and that there is no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("boothcast: ")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{data_dir / 'boothcast.db'}"))
    return data_dir


@pytest.fixture
def listening_socket() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_users_create_refuses_bad_input_before_asking_for_a_password(tmp_path: Path) -> None:
    create = ("users", "create", "--password-stdin")
    _refused(_run(tmp_path, *create, "--email", "not-an-email", "--role", "admin", stdin="long-enough\n"),
             "not-an-email", "not a valid e-mail address")  # fmt: skip
    _refused(_run(tmp_path, *create, "--email", "a@fair.example.com", "--role", "admin", "--lang", "xx",
                  stdin="long-enough\n"), "--lang 'xx'", "en", "zh", "es")  # fmt: skip
    _refused(_run(tmp_path, *create, "--email", "m@fair.example.com", "--role", "moderator", "--booth",
                  "yiwu-caseworks", stdin="long-enough\n"), "--booth applies to supplier accounts only")  # fmt: skip
    _refused(_run(tmp_path, *create, "--email", "s@fair.example.com", "--role", "supplier", stdin="x\n"),
             "needs --booth")  # fmt: skip
    # Without a terminal and without --password-stdin there is nobody to ask.
    _refused(_run(tmp_path, "users", "create", "--email", "n@fair.example.com", "--role", "admin"),
             "--password-stdin")  # fmt: skip
    # The input is fine, the database is not there yet: said before the password is read.
    _refused(_run(tmp_path, *create, "--email", "ok@fair.example.com", "--role", "admin", stdin="long-enough\n"),
             "boothcast migrate")  # fmt: skip
    assert not (tmp_path / "boothcast.db").exists()


def test_password_stdin_creates_an_account_that_signs_in(migrated: Path) -> None:
    created = _run(migrated, "users", "create", "--email", "Mod@Fair.example.com", "--role", "moderator",
                   "--lang", "zh", "--password-stdin", stdin="a long pass phrase\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "created moderator mod@fair.example.com" in created.stdout
    again = _run(migrated, "users", "create", "--email", "mod@fair.example.com", "--role", "admin",
                 "--password-stdin", stdin="another long one\n")  # fmt: skip
    _refused(again, "exists")
    short = _run(migrated, "users", "create", "--email", "x@fair.example.com", "--role", "admin",
                 "--password-stdin", stdin="short\n")  # fmt: skip
    _refused(short, "8 characters")
    legacy = _run(migrated, "users", "create", "--email", "old@fair.example.com", "--role", "admin",
                  "--password", "from-an-old-script")  # fmt: skip
    assert legacy.returncode == 0 and "leaks into shell history" in legacy.stderr

    async def sign_in() -> None:
        url = f"sqlite+aiosqlite:///{migrated / 'boothcast.db'}"
        server, runner = await start_server(settings_for_test(migrated, url))
        try:
            status, body = await server.post("/api/auth/login", {"email": "mod@fair.example.com",
                                                                 "password": "a long pass phrase"})  # fmt: skip
            assert status == 200 and body["user"]["role"] == "moderator" and body["user"]["lang"] == "zh", (
                body
            )
            status, _ = await server.post("/api/auth/login", {"email": "mod@fair.example.com",
                                                              "password": "a long pass phrase!"})  # fmt: skip
            assert status == 401
        finally:
            await server.close_clients()
            await runner.cleanup()

    asyncio.run(sign_in())


def _in_terminal(data_dir: Path, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as its controlling tty, answering each password prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes the CLI at once
        try:
            os.execve(
                sys.executable, [sys.executable, "-m", "server", "--data-dir", str(data_dir), *args], _env()
            )
        finally:
            os._exit(127)  # never fall back into a copy of the test run
    out, answered = b"", 0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, out
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if answered < len(answers) and out.count(b"Password") > answered:
                os.write(fd, answers[answered].encode() + b"\n")
                answered += 1
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_password_is_prompted_twice_on_a_terminal(migrated: Path) -> None:
    args = ["users", "create", "--email", "admin2@fair.example.com", "--role", "admin"]
    code, out = _in_terminal(migrated, args, ["first-password", "other-password"])
    assert code == 2 and "do not match" in out and "Traceback" not in out, out
    code, out = _in_terminal(migrated, args, ["same-password", "same-password"])
    assert code == 0 and "created admin admin2@fair.example.com" in out, out
    assert "same-password" not in out  # getpass does not echo


def test_serve_on_a_busy_port_says_so_without_a_traceback(migrated: Path, listening_socket: int) -> None:
    result = _run(migrated, "serve", "--port", str(listening_socket))
    _refused(result, f"HTTP port {listening_socket}", "in use", "--port")
    assert "Boothcast on" not in result.stdout


def test_a_second_node_on_the_same_data_dir_is_refused(migrated: Path) -> None:
    """Nodes share the database and media, never a data directory: a second one there took the
    first's running nginx-rtmp for a crashed server's and stopped it (a deploy try)."""
    port = free_port()
    first = subprocess.Popen(
        [sys.executable, "-m", "server", "--data-dir", str(migrated), "serve", "--port", str(port)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert first.stdout is not None
        assert "Boothcast on" in first.stdout.readline()
        _refused(_run(migrated, "serve", "--port", str(free_port())), "in use by another Boothcast node",
                 "BOOTHCAST_DATA_DIR")  # fmt: skip
        assert first.poll() is None  # the first node is untouched
    finally:
        first.terminate()
        first.wait(15)
    # Once the first has gone, however it went, the directory is free again.
    _refused(_run(migrated, "serve", "--port", str(free_port()), BOOTHCAST_FFMPEG="/nonexistent/ffmpeg"), "ffmpeg")


def test_serve_on_an_unmigrated_database_says_run_migrate(tmp_path: Path) -> None:
    _refused(_run(tmp_path, "serve", "--port", str(free_port())), "boothcast migrate")
    assert not (tmp_path / "boothcast.db").exists()
    # A database a release behind: the same advice, with both revisions.
    url = f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"
    command.upgrade(alembic_config(url), "0001")
    head = ", ".join(sorted(head_revisions()))
    _refused(_run(tmp_path, "serve", "--port", str(free_port())), "revision 0001", head, "boothcast migrate")


def test_serve_without_ffmpeg_or_nginx_says_what_to_install(migrated: Path) -> None:
    port = str(free_port())
    _refused(_run(migrated, "serve", "--port", port, BOOTHCAST_FFMPEG="/nonexistent/ffmpeg"), "ffmpeg")
    no_nginx = _run(migrated, "serve", "--port", port, BOOTHCAST_NGINX="/nonexistent/nginx",
                    BOOTHCAST_RTMP_PORT=str(free_port()))  # fmt: skip
    _refused(no_nginx, "nginx", "BOOTHCAST_RTMP_PORT=0")


def test_serve_without_redis_says_so(migrated: Path) -> None:
    gone = f"redis://127.0.0.1:{free_port()}/0"
    _refused(
        _run(migrated, "serve", "--port", str(free_port()), REDIS_URL=gone), "cannot reach Redis", "REDIS_URL"
    )


def test_serve_with_the_rtmp_port_taken_says_so(migrated: Path, listening_socket: int) -> None:
    result = _run(migrated, "serve", "--port", str(free_port()), BOOTHCAST_RTMP_PORT=str(listening_socket))
    _refused(result, f"RTMP port {listening_socket}", "in use", "BOOTHCAST_RTMP_PORT")


@pytest.mark.skipif(find_module() is None, reason="libnginx-mod-rtmp is not installed")
def test_serve_announces_its_url_once_it_listens_and_stops_its_nginx(migrated: Path) -> None:
    port, rtmp = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--data-dir", str(migrated), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(BOOTHCAST_RTMP_PORT=str(rtmp)),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"Boothcast on http://127.0.0.1:{port}/"), (line, proc.stderr)

        async def healthz() -> int:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
                return r.status

        assert asyncio.run(healthz()) == 200  # announced means listening: no retry needed
        # The kernel's accept queue is ours, not aiohttp's default 128 (a join storm overflowed it):
        # for a listening socket `ss` reports the backlog as Send-Q.
        listening = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True)
        assert [int(line.split()[2]) for line in listening.stdout.splitlines()] == [LISTEN_BACKLOG], listening.stdout
        with socket.socket() as probe:
            probe.connect(("127.0.0.1", rtmp))  # our nginx-rtmp is up too
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Our nginx went with the server: the RTMP port is free again (nginx stops within its timeout).
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", rtmp))
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx-rtmp outlived the server"
        time.sleep(0.1)


@pytest.mark.skipif(find_module() is None, reason="libnginx-mod-rtmp is not installed")
async def test_a_second_fairs_nginx_does_not_mistake_the_first_ones_for_its_own(tmp_path: Path) -> None:
    port = free_port()

    def fair(name: str) -> NginxRtmp:
        hook = f"http://127.0.0.1:{free_port()}/api/live/rtmp"
        return NginxRtmp(RtmpConfig(tmp_path / name, "127.0.0.1", port, f"{hook}/on_publish", f"{hook}/done"))

    first, second = fair("first"), fair("second")
    await first.start()
    try:
        assert first.pid is not None and listens_on(first.pid, port) is True
        assert listens_on(os.getpid(), port) is False
        with pytest.raises(RtmpPortTaken, match=f"RTMP port {port} is in use by another process"):
            await second.start()
        assert second.pid is None  # its nginx was stopped, not left retrying the bind
        assert listens_on(first.pid, port) is True
    finally:
        await second.stop()
        await first.stop()



@pytest.mark.skipif(find_module() is None, reason="libnginx-mod-rtmp is not installed")
async def test_the_nginx_a_killed_server_left_running_is_stopped_at_the_next_start(tmp_path: Path) -> None:
    """kill -9 of `serve` leaves its nginx-rtmp (a session of its own) holding the RTMP port: the
    restarted server would refuse to start, saying another process has it."""
    port = free_port()
    hook = f"http://127.0.0.1:{free_port()}/api/live/rtmp"
    config = RtmpConfig(tmp_path / "rtmp", "127.0.0.1", port, f"{hook}/on_publish", f"{hook}/done")
    before, after = NginxRtmp(config), NginxRtmp(config)
    await before.start()
    orphan = before.pid
    assert orphan is not None and listens_on(orphan, port) is True
    before._proc = None  # the server died without a word to its child: nobody will stop it
    try:
        await after.start()
        assert after.pid is not None and after.pid != orphan
        assert listens_on(after.pid, port) is True
        assert listens_on(orphan, port) is not True  # the orphan is gone
        # Another fair's nginx, or any other program, is never taken for ours.
        assert stale_nginx(tmp_path / "elsewhere") is None
    finally:
        await after.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(orphan, signal.SIGKILL)

def test_every_interface_language_is_accepted_even_without_a_model(migrated: Path) -> None:
    # A German buyer reads the German interface and exact quick phrases; chat arrives as written.
    created = _run(migrated, "users", "create", "--email", "de@fair.example.com", "--role", "moderator",
                   "--lang", "de", "--password-stdin", stdin="a long pass phrase\n")  # fmt: skip
    assert created.returncode == 0, created.stderr


def test_settings_it_cannot_run_with_are_one_sentence_and_exit_2(migrated: Path) -> None:
    _refused(_run(migrated, "serve", "--port", str(free_port()), BOOTHCAST_SECRET_KEY="short"),
             "BOOTHCAST_SECRET_KEY", "32")  # fmt: skip
    _refused(_run(migrated, "settings", BOOTHCAST_TRANSLATION_ENGINES="en-es=babelfish"),
             "BOOTHCAST_TRANSLATION_ENGINES")  # fmt: skip
