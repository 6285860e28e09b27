"""The console's analytics panel and the organiser's table in Chromium: a chart canvas, the figures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser_support import booth, open_fair, screenshot, ui_strings
from tests.conftest import serve_fair
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


@pytest.fixture
async def fast_server(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[Server]:
    """The demo fair on SQLite, sampling viewers every 0.2 s so the chart fills at once."""
    async for server in serve_fair("sqlite", templates, tmp_path, models_dir, analytics_sample_seconds=0.2):
        yield server


async def test_console_and_organiser_see_charts_and_figures(fast_server: Server) -> None:
    s = fast_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    staff = await s.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    buyers = []
    for name, lang, country in (("Ana", "es", "ES"), ("Li", "zh", "CN")):
        tok, _ = await s.guest(name, lang, country=country)
        client = await s.client(tok)
        assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
        buyers.append(client)
    assert (await buyers[0].call("chat:send", {"booth_id": booth_id, "text": "¿Precio FOB?"}))["ok"]
    inquiry = {"booth_id": booth_id, "message": "请报价", "email": "li@example.cn", "consent": True}
    assert (await buyers[1].call("inquiry:submit", inquiry))["ok"]
    assert (await staff.call("chat:send", {"booth_id": booth_id, "text": "FOB Shenzhen 0.80 USD"}))["ok"]

    async def settled() -> None:
        while True:
            status, r = await s.get(f"/api/booths/{booth_id}/analytics", stok)
            if status == 429:
                await asyncio.sleep(r["error"]["retry_after"])
                continue
            t = r["total"]
            if t["unique_buyers"] == 2 and t["peak_viewers"] == 2 and len(t["viewers"]) >= 2:
                return
            await asyncio.sleep(0.3)

    await asyncio.wait_for(settled(), 15)

    async with open_fair(s.url) as fair:
        violations: list[str] = []
        supplier = await fair.staff("/console", BRIGHTWAY.email)
        supplier.on(
            "console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None
        )
        # The Brightway supplier works in Chinese: the panel speaks it.
        panel = supplier.get_by_role("region", name=(await ui_strings(supplier, "zh"))["analytics.title"])
        await panel.scroll_into_view_if_needed()
        await expect(panel.locator(".uplot canvas")).to_have_count(1)
        await expect(panel.locator("[data-stat=unique_buyers] dd")).to_have_text("2")
        await expect(panel.locator("[data-stat=peak_viewers] dd")).to_have_text("2")
        await expect(panel.locator("[data-stat=inquiries] dd")).to_have_text("1")
        await expect(panel.locator("[data-stat=inquiries_per_100_viewers] dd")).to_have_text("50")
        await expect(panel.locator("[data-stat=awaiting] dd")).to_have_text("0")
        await expect(panel.locator(".analytics-chips li")).to_have_count(4)  # 2 countries, 2 languages
        await panel.screenshot(
            path=str(
                (await screenshot(supplier, "console-analytics-page")).with_name("console-analytics.png")
            )
        )

        organiser = await fair.staff("/moderate", "moderator@demo.boothcast.test")
        table = organiser.locator("#fair-analytics")
        row = table.locator("tbody tr", has_text=BRIGHTWAY.name)
        await expect(row.locator("td").nth(1)).to_have_text("2")  # unique buyers
        await expect(table.locator(".uplot canvas")).to_have_count(1)
        # The booths' table has the page's width at 1280 px: all its columns in view, no scrolling.
        wrap = table.locator(".table-wrap")
        assert await wrap.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
        await table.scroll_into_view_if_needed()
        await table.screenshot(
            path=str(
                (await screenshot(organiser, "moderate-analytics-page")).with_name("moderate-analytics.png")
            )
        )
        assert fair.errors == [] and violations == []
