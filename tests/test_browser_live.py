"""A live booth as the pages show it: the lobby's live badge, the booth page's player area, and a
moderator closing the stream from the booths table. Needs ffmpeg (the server's HLS pipeline)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from tests.browser_support import PHONE, Fair, booth, no_horizontal_scroll, open_fair, screenshot, ui_strings

pytestmark = [pytest.mark.browser, pytest.mark.media]

CASEWORKS = booth("yiwu-caseworks")


@pytest.fixture
async def fair(url: str) -> AsyncIterator[Fair]:
    """This test's Chromium has a fake camera and microphone."""
    async with open_fair(url, fake_media=True) as f:
        yield f


async def test_live_booth_in_lobby_booth_page_and_moderator_closes_it(fair: Fair) -> None:
    supplier = await fair.staff("/console", CASEWORKS.email)
    moderator = await fair.staff("/moderate", "moderator@demo.boothcast.test")
    lobby = await fair.guest("/", name="Kim", lang="en")
    buyer = await fair.guest(f"/booths/{CASEWORKS.slug}", name="Noor", lang="en", viewport=PHONE)

    # The Chinese supplier's console is in Chinese, live controls included.
    zh = await ui_strings(supplier, "zh")
    go = supplier.locator("#live-controls").get_by_role("button", name=zh["live.go_live"], exact=True)
    await expect(go).to_be_enabled(timeout=20_000)
    await go.click()

    # The booth page plays it: badge on, offline card gone.
    await expect(buyer.locator("#live-badge")).to_be_visible(timeout=30_000)
    await expect(buyer.locator("#stream-offline")).to_be_hidden()
    await buyer.wait_for_function("() => document.querySelector('#player').videoWidth > 0", timeout=30_000)
    assert await no_horizontal_scroll(buyer)
    await screenshot(buyer, "booth-live-phone")

    # The lobby card turns live without a reload.
    card = lobby.locator(f".booth-card[data-slug='{CASEWORKS.slug}']")
    await expect(card.locator(".live-badge")).to_be_visible(timeout=15_000)
    await expect(card.locator(".viewers")).to_be_visible()
    await screenshot(lobby, "lobby-live-desktop")

    # The moderator ends it from the booths table, behind the confirmation dialog.
    row = moderator.locator(f"#booth-rows tr:has(a[href='/booths/{CASEWORKS.slug}'])")
    await expect(row.locator(".live-badge")).to_be_visible(timeout=15_000)
    await screenshot(moderator, "moderate-live-desktop")
    await row.get_by_role("button", name="End stream").click()
    dialog = moderator.get_by_role("dialog")
    await expect(dialog).to_contain_text(CASEWORKS.name)
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(moderator.locator("#mod-status")).to_contain_text("has ended")
    await expect(buyer.locator("#stream-offline")).to_be_visible(timeout=20_000)
    await expect(buyer.locator("#live-badge")).to_be_hidden()
    await expect(card.locator(".live-badge")).to_have_count(0, timeout=15_000)
    await expect(buyer.locator("#replays a")).to_have_count(1, timeout=15_000)
    assert fair.errors == []


async def test_a_console_reloaded_mid_stream_can_end_or_resume_it(fair: Fair) -> None:
    """After a reload during a stream the console said "not live" with End greyed out, while buyers
    saw "the video stopped, waiting" (a user try). It now says the stream is still open and ends it."""
    supplier = await fair.staff("/console", CASEWORKS.email)
    buyer = await fair.guest(f"/booths/{CASEWORKS.slug}", name="Noor", lang="en")
    zh = await ui_strings(supplier, "zh")
    controls = supplier.locator("#live-controls")
    go = controls.get_by_role("button", name=zh["live.go_live"], exact=True)
    await expect(go).to_be_enabled(timeout=20_000)
    await go.click()
    await expect(buyer.locator("#live-badge")).to_be_visible(timeout=30_000)

    await supplier.reload()
    end = controls.get_by_role("button", name=zh["live.end"], exact=True)
    await expect(end).to_be_enabled(timeout=20_000)
    open_text = zh["live.open_browser"].replace("{go}", zh["live.go_live"]).replace("{end}", zh["live.end"])
    await expect(controls.locator(".live-status")).to_have_text(open_text)
    await expect(go).to_be_enabled()
    await end.click()
    await expect(controls.locator(".live-status")).to_have_text(zh["live.ended"])
    await expect(buyer.locator("#stream-offline")).to_be_visible(timeout=20_000)
    await expect(buyer.locator("#live-badge")).to_be_hidden()
    assert fair.errors == []


async def test_a_second_console_takes_the_stream_over_once(fair: Fair) -> None:
    """Going live from a second console tab took the stream, the first took it back, and so on:
    about 50 ffmpeg restarts in 35 s (a user try). The first tab now says where the stream went."""
    first = await fair.staff("/console", CASEWORKS.email)
    zh = await ui_strings(first, "zh")
    go_first = first.locator("#live-controls").get_by_role("button", name=zh["live.go_live"], exact=True)
    await expect(go_first).to_be_enabled(timeout=20_000)
    await go_first.click()
    await expect(first.locator("#live-controls")).to_have_attribute("data-live-state", "live", timeout=30_000)

    second = await fair.staff("/console", CASEWORKS.email)
    controls = second.locator("#live-controls")
    await expect(controls).to_have_attribute("data-live-state", "open", timeout=20_000)
    await controls.get_by_role("button", name=zh["live.go_live"], exact=True).click()
    await expect(controls).to_have_attribute("data-live-state", "live", timeout=30_000)
    replaced = zh["live.replaced"].replace("{go}", zh["live.go_live"])
    await expect(first.locator("#live-controls .live-status")).to_have_text(replaced, timeout=20_000)
    await second.wait_for_timeout(4000)  # past the first tab's retries: nobody took it back
    await expect(controls).to_have_attribute("data-live-state", "live")
    await expect(first.locator("#live-controls")).to_have_attribute("data-live-state", "idle")
    await controls.get_by_role("button", name=zh["live.end"], exact=True).click()
    await expect(controls).to_have_attribute("data-live-state", "ended", timeout=20_000)
    assert fair.errors == []
