"""deploy/ as the tools that run it read it: Debian's docker-compose parses the compose file, and
the nginx image's entrypoint finds every template where it looks for them.

The nginx image (docker-entrypoint.d/20-envsubst-on-templates.sh in nginxinc/docker-nginx, 1.25
and later) renders /etc/nginx/templates/*.template into conf.d/ and *.stream-template from the
same folder into stream-conf.d/; nothing else. A template kept anywhere else is never rendered:
the RTMP one once sat in a stream_templates/ folder, and port 1935 had nothing behind it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import yaml

from tests.support import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
SECRET = "s" * 48


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed: scripts/install --dev installs Debian's"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOOTHCAST_", "POSTGRES_"))}
    return subprocess.run([binary, "-f", str(COMPOSE), *args], env={**clean, **env}, cwd=DEPLOY,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_compose_file_is_valid_and_wants_a_secret() -> None:
    ok = compose("config", "-q", env={"BOOTHCAST_SECRET_KEY": SECRET})
    assert ok.returncode == 0, ok.stderr
    refused = compose("config", "-q", env={})
    assert refused.returncode != 0 and "BOOTHCAST_SECRET_KEY" in refused.stderr, refused.stderr


def test_the_nginx_image_renders_every_template_and_nginx_includes_each() -> None:
    lb = yaml.safe_load(COMPOSE.read_text())["services"]["lb"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in lb["volumes"] if isinstance(m, str)}
    assert mounts["/etc/nginx/templates"] == "./nginx/templates"
    assert not [k for k in lb.get("environment", {}) if k.startswith("NGINX_ENVSUBST") and k.endswith("_DIR")]
    templates = sorted((DEPLOY / "nginx" / "templates").iterdir())
    http = [p.name.removesuffix(".template") for p in templates if p.name.endswith(".template")]
    stream = [
        p.name.removesuffix(".stream-template") for p in templates if p.name.endswith(".stream-template")
    ]
    assert len(http) + len(stream) == len(templates), "a file the image would not render"
    assert http == ["boothcast.conf"] and stream == ["rtmp.conf"]
    main = (DEPLOY / "nginx" / "nginx.conf").read_text()
    http_block, stream_block = main.split("\nstream {", 1)
    for name in http:
        assert f"include /etc/nginx/conf.d/{name};" in http_block
    assert re.search(r"include /etc/nginx/stream-conf\.d/\*\.conf;", stream_block)
    assert f"{lb['environment']['BOOTHCAST_RTMP_LISTEN']}:1935" in " ".join(lb["ports"]).replace('"', "")


def test_every_path_the_deploy_guide_names_exists() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    named = set(re.findall(r"`((?:deploy|tests|scripts|server|docs)/[\w./-]+)`", guide))
    built = {"server/webroot/"}  # made in the wheel by setup.py
    missing = sorted(p for p in named - built if not (ROOT / p.rstrip("/")).exists() and "*" not in p)
    assert missing == [], missing
