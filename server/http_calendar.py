"""A booth's next stream as an iCalendar event (RFC 5545), for "add to my calendar".

The event is in UTC (`DTSTART:...Z`): every calendar shows it in its owner's time zone, which is
the point. Its UID is stable per booth and start, so importing the same download twice updates
one event instead of adding a second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from pydantic import ValidationError

from rooms import booths
from rooms.errors import NotFound
from server import schemas
from server.api_routes import api_routes
from server.errors import from_validation
from server.http_api import id_param
from server.keys import FAIR

STREAM_LENGTH = timedelta(hours=1)  # a booth has no scheduled end: an hour is what calendars show

# The event's title is written into the viewer's calendar once, in the language of the page that
# offered the download; an unknown language gets English.
LIVE_STREAM = {
    "en": "live stream", "zh": "直播", "zh-Hant": "直播", "es": "transmisión en directo",
    "pt": "transmissão ao vivo", "fr": "direct", "de": "Livestream", "ru": "прямой эфир",
    "ar": "بث مباشر", "ja": "ライブ配信", "ko": "라이브 방송", "vi": "phát trực tiếp",
    "tr": "canlı yayın", "id": "siaran langsung",
}  # fmt: skip


def _text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space, never inside a character."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def next_stream_ics(booth: dict[str, object], page_url: str, host: str, now: datetime, lang: str = "en") -> str:
    start = datetime.fromisoformat(str(booth["next_stream_at"]).replace("Z", "+00:00"))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Boothcast//Booth streams//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booth-{booth['id']}-{_stamp(start)}@{host}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(start + STREAM_LENGTH)}",
        f"SUMMARY:{_text(str(booth['name']))} — {LIVE_STREAM.get(lang, LIVE_STREAM['en'])}",
        f"DESCRIPTION:{_text(str(booth['supplier_name']))}\\n{_text(page_url)}",
        f"URL:{page_url}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT10M",
        f"DESCRIPTION:{_text(str(booth['name']))}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


async def next_stream_calendar(request: web.Request) -> web.Response:
    booth_id = id_param(request, "booth_id")
    try:
        q = schemas.CalendarQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise from_validation(exc) from None
    booth = await booths.booth_detail(request.app[FAIR], booth_id)
    if not booth.get("next_stream_at"):
        raise NotFound("this booth has no stream scheduled")
    host = request.url.host or "boothcast"
    page = str(request.url.with_path(f"/booths/{booth['slug']}").with_query(None))
    body = next_stream_ics(booth, page, host, datetime.now(UTC), q.lang)
    return web.Response(
        body=body.encode(), content_type="text/calendar", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{booth["slug"]}-stream.ics"'},
    )  # fmt: skip


def setup_calendar_api(app: web.Application) -> None:
    api_routes(app).get(r"/api/booths/{booth_id:\d+}/next-stream.ics", next_stream_calendar,
                        summary="A booth's next stream as an iCalendar event", auth="none", tag="booths",
                        query=schemas.CalendarQuery, response_media="text/calendar")  # fmt: skip
