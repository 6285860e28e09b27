"""A booth that sells, in Chromium: the lobby with covers, logos and a live thumbnail; the phone
booth page while live (chat over the video, "Inquire" on it for the pinned product); and the
end of the stream as a replay card, with the next stream in the viewer's time zone."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image, ImageDraw, ImageOps
from playwright.async_api import Page, expect

from media.testing import chunks, make_webm
from tests.browser_support import PHONE, Fair, booth, joined, no_horizontal_scroll, screenshot, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

CASEWORKS = booth("yiwu-caseworks")
COLORS = [("#0b3d91", "#5ec2ff"), ("#7a1f1f", "#ffb36b"), ("#1d5c2e", "#b8f28c"), ("#4b2a7a", "#f0a8ff")]


def picture(width: int, height: int, colors: tuple[str, str], label: str) -> bytes:
    img = ImageOps.colorize(Image.linear_gradient("L").rotate(45).resize((width, height)), *colors)
    ImageDraw.Draw(img).text((width // 12, height // 2), label, fill="white", font_size=max(14, height // 8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=88)
    return buf.getvalue()


async def upload(server: Server, path: str, token: str, data: bytes) -> dict[str, Any]:
    status, body = await server.request("POST", path, token, data=data, headers={"Content-Type": "image/jpeg"})
    assert status == 201, body
    return dict(body)


async def dress_booths(server: Server, slugs: list[str]) -> None:
    """Covers, logos and product photos for a few booths, uploaded as their staff would."""
    for i, slug in enumerate(slugs):
        token, user = await server.supplier(slug)
        colors = COLORS[i % len(COLORS)]
        await upload(server, f"/api/booths/{user['booth_id']}/images/cover", token, picture(1280, 720, colors, slug))
        await upload(server, f"/api/booths/{user['booth_id']}/images/logo", token,
                     picture(256, 256, colors[::-1], slug[:2].upper()))  # fmt: skip
        _, detail = await server.get(f"/api/booths/{slug}")
        for j, p in enumerate(detail["products"][:3]):
            await upload(server, f"/api/products/{p['id']}/image", token,
                         picture(1200, 900, COLORS[(i + j + 1) % len(COLORS)], p["sku"]))  # fmt: skip


async def images_loaded(page: Page, selector: str) -> int:
    """How many matching images have decoded (naturalWidth > 0), once each has settled."""
    # The pages load images lazily; a full-page screenshot wants the ones below the fold too.
    await page.evaluate("s => document.querySelectorAll(s).forEach((i) => { i.loading = 'eager'; })", selector)
    await page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every((i) => i.complete)", arg=selector, timeout=15_000
    )
    # decode(): painted, not only fetched, before a screenshot is taken.
    return int(await page.evaluate(
        "async (s) => (await Promise.all([...document.querySelectorAll(s)].map((i) => i.decode().then(() => i.naturalWidth > 0, () => false)))).filter(Boolean).length",
        selector))  # fmt: skip


async def go_live(server: Server, booth_id: int, token: str, sample: bytes) -> tuple[aiohttp.ClientSession, Any, int]:
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(server.url + "/api/live/ingest")
    await ws.send_json({"type": "start", "token": token, "booth_id": booth_id, "mime": "video/webm;codecs=h264,opus"})
    assert json.loads((await ws.receive(timeout=20)).data)["type"] == "ready"
    parts = chunks(sample)
    await ws.send_bytes(parts[0])
    started = json.loads((await ws.receive(timeout=20)).data)
    assert started["type"] == "started", started
    for c in parts[1:]:
        await ws.send_bytes(c)
    return http, ws, int(started["session_id"])


async def drain(ws: Any) -> None:
    """Read the ingest socket as the browser broadcaster does (pings are answered while reading)."""
    async for _ in ws:
        pass


async def test_lobby_with_covers_logos_and_product_photos(fair: Fair, live_server: Server) -> None:
    await dress_booths(live_server, ["shenzhen-brightway-led", "valencia-ceramica", "birmingham-toolworks"])
    lobby = await fair.page()
    await lobby.goto("/")
    await expect(lobby.locator(".booth-card")).to_have_count(7)
    assert await images_loaded(lobby, ".booth-card .card-thumb") == 3
    assert await images_loaded(lobby, ".booth-card .card-logo") == 3
    await screenshot(lobby, "lobby-images-desktop")
    phone = await fair.page(PHONE)
    await phone.goto("/")
    await expect(phone.locator(".booth-card")).to_have_count(7)
    assert await images_loaded(phone, ".booth-card .card-thumb") == 3
    assert await no_horizontal_scroll(phone)
    await screenshot(phone, "lobby-images-phone")

    buyer = await fair.guest("/booths/valencia-ceramica", name="Ana", lang="es")
    await joined(buyer)
    assert await images_loaded(buyer, ".product-card .product-image") >= 1
    assert await images_loaded(buyer, ".booth-logo") == 1
    await screenshot(buyer, "booth-product-images-desktop")
    assert fair.errors == []


# The WCAG contrast ratio of an element's text colour on its own (opaque) background colour.
CONTRAST = """el => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const st = getComputedStyle(el);
  const [a, b] = [lum(st.color), lum(st.backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


async def test_phone_while_live_then_the_replay_card(fair: Fair, live_server: Server, tmp_path: Path) -> None:
    s = live_server
    await dress_booths(s, [CASEWORKS.slug])
    token, user = await s.supplier(CASEWORKS.slug)
    booth_id = user["booth_id"]
    _, detail = await s.get(f"/api/booths/{booth_id}")
    product = detail["products"][0]
    sample = make_webm(tmp_path / "stream.webm", "h264", seconds=6.0).read_bytes()

    buyer = await fair.guest(f"/booths/{CASEWORKS.slug}", name="Noor", lang="en", viewport=PHONE)
    await joined(buyer)
    en = await ui_strings(buyer, "en")
    staff = await s.client(token)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await staff.call("product:pin", {"booth_id": booth_id, "product_id": product["id"]}))["ok"]
    http, ws, sid = await go_live(s, booth_id, token, sample)
    reader = asyncio.create_task(drain(ws))
    name = (product.get("i18n") or {}).get("en", {}).get("name") or product["name"]
    try:
        await expect(buyer.locator("#live-badge")).to_be_visible(timeout=30_000)
        await expect(buyer.locator("#booth-root")).to_have_class("booth-layout is-live")
        # "Inquire" sits on the video for the pinned product, and the chat runs over the video.
        on_video = buyer.locator("#video-inquire")
        await expect(on_video).to_be_visible()
        await expect(on_video).to_contain_text(name)
        await buyer.locator("#chat-input").fill("Hello from my phone")
        await buyer.locator("#chat-send").click()
        await expect(buyer.locator("#chat-list .msg")).to_have_count(1)
        player, chat = await buyer.locator(".player").bounding_box(), await buyer.locator("#chat-form").bounding_box()
        assert player and chat and player["y"] < chat["y"] and chat["y"] + chat["height"] <= player["y"] + player["height"]
        assert await no_horizontal_scroll(buyer)
        # The quick phrases over the video take a tap like the message box does.
        await buyer.locator(".phrase-btn").filter(has_text=re.compile("sample", re.I)).click(timeout=5_000)
        await expect(buyer.locator("#chat-list .msg")).to_have_count(2)
        # The supplier's line over the video keeps its badges readable: "machine translation
        # (uncertain)" above all (they were near-white on near-white there).
        ack = await staff.call("chat:send", {"booth_id": booth_id, "text": "这款手机壳有三种颜色，起订量500个。"})
        assert ack["ok"], ack
        await expect(buyer.locator("#chat-list .msg")).to_have_count(3)
        supplier_line = buyer.locator("#chat-list .msg").last
        await expect(supplier_line.locator(".badge")).not_to_have_count(0)
        for badge in await buyer.locator("#chat-list .msg .badge").all():
            ratio = await badge.evaluate(CONTRAST)
            assert ratio >= 3, (await badge.text_content(), ratio)
        await screenshot(buyer, "booth-live-phone-chat-over-video")
        await on_video.click()
        await expect(buyer.locator("#inquiry-form [name='product_id']")).to_have_value(str(product["id"]))

        # The lobby card shows the live thumbnail (grabbed by ffmpeg from the stream).
        lobby = await fair.page()
        await lobby.goto("/")
        thumb = lobby.locator(f".booth-card[data-slug='{CASEWORKS.slug}'] img.card-thumb")
        await expect(thumb).to_have_attribute("src", f"/media/{sid}/thumb.jpg")
        async with asyncio.timeout(20):
            while (await http.get(f"{s.url}/media/{sid}/thumb.jpg")).status != 200:  # noqa: ASYNC110 - bounded
                await asyncio.sleep(0.2)
        await lobby.reload()
        # The cards are drawn by the lobby's script after the reload: wait for this one's image.
        await expect(thumb).to_have_attribute("src", re.compile(rf"^/media/{sid}/thumb\.jpg"))
        await lobby.wait_for_function(
            "s => { const i = document.querySelector(s); return Boolean(i && i.complete && i.naturalWidth > 0); }",
            arg=f".booth-card[data-slug='{CASEWORKS.slug}'] img.card-thumb", timeout=20_000,
        )
        assert await images_loaded(lobby, f".booth-card[data-slug='{CASEWORKS.slug}'] img.card-thumb") == 1
        await screenshot(lobby, "lobby-live-thumbnail-desktop")
    finally:
        status, body = await s.request("POST", f"/api/sessions/{sid}/end", token)
        reader.cancel()
        await ws.close()
        await http.close()
    assert status == 200, body

    # Ended: a clear replay card replaces "offline", and nothing is "on stream now" any more.
    overlay = buyer.locator("#stream-offline")
    await expect(overlay).to_be_visible(timeout=20_000)
    await expect(overlay.locator(".ended-title")).to_have_text(en["stage.ended"])
    card = overlay.get_by_role("link", name=en["stage.watch_replay"])
    await expect(card).to_have_attribute("href", f"/replay/{sid}", timeout=15_000)
    await expect(buyer.locator("#pinned-banner")).to_be_hidden()
    await expect(buyer.locator("#video-inquire")).to_be_hidden()
    await expect(buyer.locator(".product-card.is-pinned .pinned-badge")).to_be_hidden()
    # The next stream, in the viewer's own time zone, with its .ics and "remind me".
    await expect(overlay.locator(".upcoming-when")).to_contain_text(en["stage.next"].split("{")[0].strip())
    ics = overlay.get_by_role("link", name=en["stage.add_calendar"])
    await expect(ics).to_have_attribute("href", f"/api/booths/{booth_id}/next-stream.ics?lang=en")
    assert await no_horizontal_scroll(buyer)
    await screenshot(buyer, "booth-ended-replay-card-phone")
    assert fair.errors == []


async def test_upcoming_stream_in_the_viewers_time_zone_and_remind_me(fair: Fair, live_server: Server) -> None:
    _, detail = await live_server.get(f"/api/booths/{CASEWORKS.slug}")
    assert detail["next_stream_at"]
    page = await fair.page(timezone_id="Asia/Tokyo", permissions=["notifications"])
    await page.goto(f"/booths/{CASEWORKS.slug}")
    await page.evaluate("localStorage.setItem('boothcast.lang', 'en')")
    await page.reload()
    form = page.locator("form.signin-form")
    await ui_strings(page, "en")  # the page has its strings (the form is drawn once they load)
    await form.get_by_label("Name").fill("Kenji")
    async with page.expect_navigation():
        await form.get_by_role("button", name="Enter the fair").click()
    await joined(page)
    shown = await page.locator(".upcoming-when").text_content() or ""
    expected = await page.evaluate(
        "async (iso) => new Intl.DateTimeFormat('en', (await import('/static/booth_stage.js')).LOCAL_WHEN).format(new Date(iso))",
        detail["next_stream_at"],
    )
    assert expected in shown and "GMT+9" in shown
    await page.get_by_role("button", name="Remind me").click()
    await expect(page.locator(".remind-status")).to_have_text("We’ll remind you when it starts (keep this tab open).")
    saved = json.loads(await page.evaluate("localStorage.getItem('boothcast.remind')"))
    assert saved == {str(detail["id"]): detail["next_stream_at"]}
    await screenshot(page, "booth-upcoming-desktop")
    assert fair.errors == []


async def test_the_console_uploads_a_product_photo_and_the_booth_cover(fair: Fair, live_server: Server,
                                                                       tmp_path: Path) -> None:  # fmt: skip
    brightway = booth("shenzhen-brightway-led")
    console = await fair.staff("/console", brightway.email)
    zh = await ui_strings(console, "zh")
    row = console.locator(".pin-item").first
    await expect(row).to_be_visible()
    photo = tmp_path / "panel.jpg"
    photo.write_bytes(picture(1600, 1200, COLORS[0], "BW-P6060"))
    await row.locator("input[type=file]").set_input_files(str(photo))
    await expect(row.locator(".pin-thumb img")).to_have_count(1)
    assert await images_loaded(console, ".pin-item .pin-thumb img") == 1
    await expect(row.get_by_role("button", name=zh["images.change_photo"])).to_be_visible()

    # A text file named .jpg is refused with the server's reason, and nothing changes.
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a picture\n" * 10)
    cover = console.locator(".image-slot[data-kind='cover']")
    await cover.locator("input[type=file]").set_input_files(str(fake))
    await expect(console.locator("#booth-images .form-status")).to_have_attribute("data-kind", "error")
    await expect(cover.locator(".image-preview img")).to_have_count(0)
    cover_file = tmp_path / "cover.png"
    cover_file.write_bytes(picture(1920, 640, COLORS[1], "Brightway"))
    await cover.locator("input[type=file]").set_input_files(str(cover_file))
    await expect(cover.locator(".image-preview img")).to_have_count(1)
    await screenshot(console, "console-images-desktop")

    _, detail = await live_server.get(f"/api/booths/{brightway.slug}")
    assert detail["cover"] is not None
    assert detail["products"][0]["image"] is not None
    assert fair.errors == []
