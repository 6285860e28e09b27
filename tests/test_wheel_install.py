"""The installed wheel serves everything (issue 11): build it, install it into a fresh venv the way
the Dockerfile does (requirements.lock with hashes from PyPI, then the wheel with --no-deps), run
`boothcast demo` from an empty directory and use the fair over real HTTP and a real socket.

The install needs PyPI (measured: 23 s for the 60 locked packages with an empty pip cache).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest

from rooms.migrate import upgrade
from server.pages import PAGES, VENDOR
from server.settings import CHECKOUT_WEB_DIR, Settings
from tests.support import ROOT, Server, free_port, start_server, wait_healthy

BUILD_TIMEOUT = 300
# Not the source tree: building in place would leave build/ and egg-info in the shared checkout.
TOP_LEVEL_SKIP = {
    ".git",
    ".venv",
    "data",
    "build",
    "dist",
    "bench",
    "tests",
    "test-artifacts",
    "boothcast.egg-info",
}
ANYWHERE_SKIP = {"node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def _skip(directory: str, names: list[str]) -> list[str]:
    top = Path(directory) == ROOT
    return [n for n in names if n in ANYWHERE_SKIP or (top and n in TOP_LEVEL_SKIP)]


@dataclass(frozen=True)
class Installed:
    src: Path  # the copy of the checkout the wheel was built from
    wheel: Path
    venv: Path

    @property
    def boothcast(self) -> Path:
        return self.venv / "bin" / "boothcast"


def _run(cmd: list[str], **kw: object) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_skip, symlinks=True)
    (src / "web" / "node_modules").symlink_to(ROOT / "web" / "node_modules")
    # No build isolation: setuptools comes from this venv, so the build needs no network.
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"),
          str(src)])  # fmt: skip
    (wheel,) = (work / "dist").glob("boothcast-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    _run([*pip, "install", "-q", "--require-hashes", "-r", str(src / "requirements.lock")])
    _run([*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)])
    # The lock covers every dependency the wheel declares (else: run scripts/lock).
    _run([*pip, "check"])
    return Installed(src, wheel, venv)


def test_wheel_carries_pages_static_vendor_models_and_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    web = "server/webroot/"
    for page in PAGES.values():
        assert web + page in names, page
    vendored = {f"{web}node_modules/{package}/{filename}" for package, filename in VENDOR.values()}
    # Exactly what /vendor serves, not the rest of node_modules.
    assert {n for n in names if "/node_modules/" in n} == vendored
    built_from = installed.src / "web"
    for path in (built_from / "static").rglob("*"):
        if path.is_file():
            assert web + path.relative_to(built_from).as_posix() in names, path
    assert {n for n in names if n.startswith("translation/bundled/") and n.endswith(".argosmodel")}
    assert "translation/bundled/gate.json" in names
    assert any(re.fullmatch(r"rooms/migrations/versions/0001_\w+\.py", n) for n in names)
    # Every module and data file of the packages (a directory without __init__.py, a new kind of
    # data file); only the models' build and evaluation inputs stay behind.
    dev_only = ("translation/build/", "translation/eval/", "translation/bundled/heldout/")
    for package in ("server", "rooms", "translation", "media", "lifecycle"):
        for path in (installed.src / package).rglob("*"):
            rel = path.relative_to(installed.src).as_posix()
            if path.is_file() and path.suffix not in (".pyc", ".md") and not rel.startswith(dev_only):
                assert rel in names, f"{rel} is not in the wheel: see [tool.setuptools] in pyproject.toml"
    # Not the tests, not web/ at the top level.
    assert not [n for n in names if n.startswith(("tests/", "web/", "bench/"))]


@pytest.fixture
def demo(installed: Installed, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`boothcast demo` of the installed wheel, run from an empty directory."""
    cwd = tmp_path / "empty"
    cwd.mkdir()
    port = free_port()
    # Nothing of this checkout or of the test run's settings leaks in.
    env = {"PATH": f"{installed.venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "BOOTHCAST_RTMP_PORT": "0"}  # fmt: skip
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(installed.boothcast), "demo", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            asyncio.run(wait_healthy(url, proc, timeout=180))
        except Exception:
            pytest.fail(f"the installed demo did not start:\n{log.read_text(errors='replace')}")
        yield url, cwd
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_installed_demo_serves_pages_static_vendor_and_translates(
    installed: Installed, demo: tuple[str, Path]
) -> None:
    url, cwd = demo
    where = subprocess.check_output(
        [installed.venv / "bin" / "python", "-c", "import server, translation; print(server.__file__, translation.__file__)"],
        cwd=cwd, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    for path in where.split():
        assert Path(path).is_relative_to(installed.venv), where
    assert (cwd / "data" / "boothcast.db").is_file()
    assert list((cwd / "data" / "models").iterdir())
    asyncio.run(_check_fair(url, installed.src / "web"))


async def _check_fair(url: str, built_from: Path) -> None:
    async with aiohttp.ClientSession() as h:
        for route in PAGES:
            path = re.sub(r"\{\w+\}", "x", route)
            async with h.get(url + path) as r:
                assert r.status == 200 and r.content_type == "text/html", path
                assert "<html" in (await r.text()).lower(), path
        async with h.get(url + "/booths/shenzhen-brightway-led") as r:
            assert r.status == 200 and "/static/" in await r.text()
        async with h.get(url + "/static/app.css") as r:
            assert r.status == 200 and r.content_type == "text/css"
            assert await r.read() == (built_from / "static" / "app.css").read_bytes()
        async with h.get(url + "/static/live/player.js") as r:
            assert r.status == 200 and r.content_type == "text/javascript"
        async with h.get(url + "/favicon.ico") as r:
            assert r.status == 200
        for name, (package, filename) in VENDOR.items():
            async with h.get(url + "/vendor/" + name) as r:
                assert r.status == 200, name
                assert await r.read() == (built_from / "node_modules" / package / filename).read_bytes()

    s = Server(url, Settings())
    try:
        stok, sup = await s.supplier("shenzhen-brightway-led")
        btok, _ = await s.guest("Lucía", "es", company="Luces Lucía", country="ES")
        supplier, buyer = await s.client(stok), await s.client(btok)
        for c in (supplier, buyer):
            assert (await c.call("booth:join", {"booth_id": sup["booth_id"]}))["ok"]
        text = "我们的最小起订量是500件。"
        ack = await supplier.call("chat:send", {"booth_id": sup["booth_id"], "text": text})
        assert ack["ok"], ack
        m = await buyer.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=60)
        assert m["translated"] is True and m["source_lang"] == "zh" and m["original"] == text, m
        assert m["text"] != text and "500" in m["text"] and not re.search(r"[\u4e00-\u9fff]", m["text"]), m
    finally:
        await s.close_clients()


def test_checkout_serves_its_own_web_dir() -> None:
    # The editable install (scripts/install) and the tests serve web/ as edited, never a stale copy.
    assert Settings().web_dir == CHECKOUT_WEB_DIR == ROOT / "web"
    assert Settings.from_env({}).web_dir == CHECKOUT_WEB_DIR


def test_web_dir_setting_must_name_a_copy_of_web(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="BOOTHCAST_WEB_DIR"):
        Settings.from_env({"BOOTHCAST_WEB_DIR": str(tmp_path / "nowhere")})
    copy = tmp_path / "web"
    shutil.copytree(CHECKOUT_WEB_DIR, copy, ignore=shutil.ignore_patterns("node_modules"))
    assert Settings.from_env({"BOOTHCAST_WEB_DIR": str(copy)}).web_dir == copy


async def test_web_dir_override_is_what_gets_served(tmp_path: Path) -> None:
    copy = tmp_path / "web"
    shutil.copytree(CHECKOUT_WEB_DIR, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "lobby.html").write_text("<!doctype html><html><title>rebranded fair</title></html>")
    (copy / "static" / "app.css").write_text("body { color: teal }")
    settings = replace(Settings.from_env({"BOOTHCAST_WEB_DIR": str(copy)}), data_dir=tmp_path / "data",
                       database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
                       secret_key="wheel-test-" + "k" * 32, rtmp_port=0)  # fmt: skip
    await upgrade(settings.effective_database_url)
    server, runner = await start_server(settings)
    try:
        async with aiohttp.ClientSession() as h:
            async with h.get(server.url + "/") as r:
                assert r.status == 200 and "rebranded fair" in await r.text()
            async with h.get(server.url + "/static/app.css") as r:
                assert await r.text() == "body { color: teal }"
            # The copy has no node_modules: a plain 404, not a 500.
            async with h.get(server.url + "/vendor/socket.io.min.js") as r:
                assert r.status == 404
    finally:
        await runner.cleanup()


def test_dockerfile_builds_and_installs_the_way_this_test_does() -> None:
    # No Docker engine here: the image is kept correct by construction, as the steps checked above.
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    node, wheel, runtime = stages
    readme_node = re.search(r"Node (\d+)", (ROOT / "README.md").read_text())
    assert readme_node and node.startswith(f"node:{readme_node.group(1)}-"), node.splitlines()[0]
    assert "npm ci" in node and "COPY --from=web /src/web/node_modules web/node_modules" in wheel
    assert "pip wheel --no-cache-dir --no-deps" in wheel
    assert "--require-hashes -r /tmp/requirements.lock" in runtime and "--no-deps /tmp/dist/*.whl" in runtime
    assert "pip check" in runtime and "npm" not in runtime
    # Every file the build copies from the context exists and is not excluded by .dockerignore.
    ignored = {line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"}
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists() and path not in ignored, path
