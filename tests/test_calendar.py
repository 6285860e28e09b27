"""The .ics of a booth's next stream: a valid iCalendar VEVENT at the booth's scheduled time."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp

from server.http_calendar import next_stream_ics
from tests.support import Server


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75, line
    return text.replace("\r\n ", "").split("\r\n")[:-1]


async def test_next_stream_is_an_icalendar_event(fair_server: Server) -> None:
    _, lobby = await fair_server.get("/api/booths")
    booth = next(b for b in lobby if b["next_stream_at"])
    async with aiohttp.ClientSession() as h, h.get(f"{fair_server.url}/api/booths/{booth['id']}/next-stream.ics") as r:
        assert r.status == 200
        assert r.content_type == "text/calendar"
        assert "attachment" in r.headers["Content-Disposition"]
        text = (await r.read()).decode()
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1 and "VERSION:2.0" in lines
    props = dict(line.split(":", 1) for line in lines)
    start = datetime.fromisoformat(booth["next_stream_at"].replace("Z", "+00:00"))
    assert props["DTSTART"] == start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert props["DTEND"] > props["DTSTART"]
    assert props["UID"].startswith(f"booth-{booth['id']}-")
    assert booth["slug"] in props["URL"]
    assert props["SUMMARY"].endswith(" — live stream")  # no language asked: English


async def test_the_title_is_in_the_viewers_language(fair_server: Server) -> None:
    _, lobby = await fair_server.get("/api/booths")
    booth = next(b for b in lobby if b["next_stream_at"])
    url = f"{fair_server.url}/api/booths/{booth['id']}/next-stream.ics"
    async with aiohttp.ClientSession() as h:
        for lang, word in (("zh", "直播"), ("es", "transmisión en directo"), ("xx", "live stream"), ("", "live stream")):
            async with h.get(url, params={"lang": lang}) as r:
                assert r.status == 200
                props = dict(line.split(":", 1) for line in unfold((await r.read()).decode()))
            assert props["SUMMARY"].endswith(f" — {word}"), (lang, props["SUMMARY"])
        async with h.get(url, params={"lang": "x" * 100}) as r:  # not a language at all
            assert r.status == 400 and (await r.json())["error"]["code"] == "bad_request"


async def test_a_booth_without_a_schedule_has_no_calendar(fair_server: Server) -> None:
    _, lobby = await fair_server.get("/api/booths")
    booth = next((b for b in lobby if not b["next_stream_at"]), None)
    if booth is not None:
        status, body = await fair_server.get(f"/api/booths/{booth['id']}/next-stream.ics")
        assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = await fair_server.get("/api/booths/999999/next-stream.ics")
    assert status == 404


def test_text_is_escaped_and_long_lines_fold_between_characters() -> None:
    booth = {"id": 3, "name": "Café; Lámparas, \"LED\"\nи ещё " + "ж" * 60, "supplier_name": "A\\B",
             "next_stream_at": "2026-05-04T10:00:00Z"}  # fmt: skip
    text = next_stream_ics(booth, "https://fair.test/booths/x", "fair.test", datetime(2026, 5, 1, tzinfo=UTC))
    lines = unfold(text)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert "Café\\; Lámparas\\, \"LED\"\\nи ещё " in summary and summary.count("ж") == 60
    assert "DESCRIPTION:A\\\\B\\nhttps://fair.test/booths/x" in lines
    assert "DTSTART:20260504T100000Z" in lines and "DTEND:20260504T110000Z" in lines
