"""The browser's event names (web/static/events.js) equal the server's registry (server/events.py),
and the UI dictionary has the same keys in every language. Plain pytest: no browser needed."""

from __future__ import annotations

import re
from pathlib import Path

from server import events

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
EVENT_NAME = re.compile(r"^\s*[A-Z_]+:\s*'([a-z_]+:[a-z_]+)',\s*$", re.MULTILINE)


def _frozen_block(source: str, const: str) -> list[str]:
    """The names inside `export const <const> = Object.freeze({ ... });`."""
    match = re.search(rf"export const {const} = Object\.freeze\(\{{(.*?)\}}\);", source, re.DOTALL)
    assert match, f"web/static/events.js has no `export const {const} = Object.freeze({{...}})`"
    return EVENT_NAME.findall(match.group(1))


def test_client_and_server_event_names_match_the_server_registry() -> None:
    source = (STATIC / "events.js").read_text(encoding="utf-8")
    client, server = _frozen_block(source, "C"), _frozen_block(source, "S")
    assert len(client) == len(set(client)), "duplicate client event in events.js"
    assert len(server) == len(set(server)), "duplicate server event in events.js"
    assert sorted(client) == sorted(events.CLIENT_EVENTS)
    assert sorted(server) == sorted(events.SERVER_EVENTS)


def test_every_string_the_pages_use_exists() -> None:
    # English is the reference dictionary; tests/test_i18n_files.py holds every other to it.
    source = (STATIC / "i18n" / "en.js").read_text(encoding="utf-8")
    known = set(re.findall(r"^  '([\w. -]+)':", source, re.MULTILINE))
    used: set[str] = set()
    for path in [*STATIC.glob("*.js"), *STATIC.parent.glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\btn?\('([\w.]+)'", text))
        used |= set(re.findall(r'data-i18n(?:-label|-ph)?="([\w.]+)"', text))
    for path in (STATIC / "live").glob("*.js"):  # the livestream module's lt('x') is t('live.x')
        used |= {f"live.{key}" for key in re.findall(r"\blt\('(\w+)'", path.read_text(encoding="utf-8"))}
    assert used, "no string use found: the patterns above are stale"
    assert used - known == set()
