"""deploy/nginx's load-balancer configuration, run by a benchmark on this machine.

The shipped template (deploy/nginx/templates/boothcast.conf.template) is rendered exactly as the
nginx image renders it (tests/test_deploy_lb.py's `render`), for a local port, local app nodes
and a local media directory. Only the main file differs from deploy/nginx/nginx.conf: paths of
our own, no RTMP `stream` block (nothing here ingests RTMP), no access log (a benchmark's own
requests would only cost the balancer CPU it does not spend in production on a log volume).
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.test_deploy_lb import DEPLOY, NGINX, render

# As deploy/nginx/nginx.conf: every viewer holds one websocket to the balancer and one from it.
WORKER_CONNECTIONS = 16384


def main_conf(work: Path, workers: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the bench's 0700 temp dirs
    temps = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As many descriptors as this process may have (lb.py raises its soft limit to the hard one):
    # nginx itself may not go above the hard limit, and says so in its error log if asked to.
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return f"""{user}worker_processes {workers};
worker_rlimit_nofile {nofile};
pid {work / "nginx.pid"};
events {{ worker_connections {WORKER_CONNECTIONS}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
{temps}
    include {work / "boothcast.conf"};
}}
"""


@dataclass
class Nginx:
    proc: subprocess.Popen[bytes]
    url: str
    work: Path


@contextmanager
def balancer(
    work: Path, port: int, app_servers: list[str], media_root: Path, workers: str = "auto"
) -> Iterator[Nginx]:
    """nginx in front of `app_servers` ("127.0.0.1:PORT"), serving `media_root`; stopped on exit.

    `workers` is deploy's `auto` by default (one per core).
    """
    work.mkdir(parents=True, exist_ok=True)
    values = {
        "BOOTHCAST_LISTEN": f"127.0.0.1:{port}",
        "BOOTHCAST_APP_SERVERS": " ".join(f"server {s};" for s in app_servers),
        "BOOTHCAST_MEDIA_ROOT": str(media_root),
    }
    (work / "boothcast.conf").write_text(render(DEPLOY / "templates" / "boothcast.conf.template", values))
    (work / "nginx.conf").write_text(main_conf(work, workers))
    with open(work / "stderr.log", "wb") as err:
        proc = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log"),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                errors = (work / "stderr.log").read_text() + _read(work / "error.log")
                raise RuntimeError(f"nginx exited with {proc.returncode}: {errors}")
            try:
                with urllib.request.urlopen(url + "/lb-health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not answer /lb-health in 30 s") from None
                time.sleep(0.1)
        yield Nginx(proc, url, work)
    finally:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: nginx's fast shutdown, open websockets are cut
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
