"""The browser's event names (web/static/events.js) equal the server's registry (server/events.py),
and the UI dictionary has the same keys in every language. Plain pytest: no browser needed."""

from __future__ import annotations

import re
from pathlib import Path

from server import events

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
EVENT_NAME = re.compile(r"^\s*[A-Z_]+:\s*'([a-z]+:[a-z]+)',\s*$", re.MULTILINE)


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


def test_every_ui_language_has_every_string() -> None:
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"^  (\w\w): \{\n(.*?)^  \},$", source, re.DOTALL | re.MULTILINE))
    assert set(blocks) == {"en", "zh", "es"}
    keys = {lang: re.findall(r"^    '([\w. -]+)':", body, re.MULTILINE) for lang, body in blocks.items()}
    for lang, found in keys.items():
        assert len(found) == len(set(found)), f"duplicate key in {lang}"
        assert set(found) == set(keys["en"]), (
            f"{lang}: missing {set(keys['en']) - set(found)}, extra {set(found) - set(keys['en'])}"
        )


def test_every_string_the_pages_use_exists() -> None:
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    known = set(re.findall(r"^    '([\w. -]+)':", source, re.MULTILINE))
    used: set[str] = set()
    for path in [*STATIC.glob("*.js"), *STATIC.parent.glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\btn?\('([\w.]+)'", text))
        used |= set(re.findall(r'data-i18n(?:-label|-ph)?="([\w.]+)"', text))
    assert used - known == set()
