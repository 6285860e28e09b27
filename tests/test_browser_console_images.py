"""The console removes images it uploaded: a product's photo and the booth's cover, each after a
confirmation that can be cancelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser_support import Fair, booth, screenshot, ui_strings
from tests.support import Server
from tests.test_browser_booth_sells import COLORS, picture

pytestmark = pytest.mark.browser


async def test_the_console_removes_a_product_photo_and_the_cover(fair: Fair, live_server: Server,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    brightway = booth("shenzhen-brightway-led")
    console = await fair.staff("/console", brightway.email)
    # The supplier's console speaks their language (Chinese here): controls are found by its words.
    ui = await ui_strings(console, await console.evaluate("document.documentElement.lang"))
    photo = tmp_path / "panel.jpg"
    photo.write_bytes(picture(800, 600, COLORS[0], "BW-P6060"))

    row = console.locator(".pin-item").first
    await row.locator("input[type=file]").set_input_files(str(photo))
    await expect(row.locator(".pin-thumb img")).to_have_count(1)
    # Asked first; "Cancel" keeps the photo.
    await row.get_by_role("button", name=ui["images.remove_photo"]).click()
    await expect(row.locator(".image-confirm")).to_have_text(ui["images.confirm_remove"])
    await row.get_by_role("button", name=ui["images.cancel"]).click()
    await expect(row.locator(".pin-thumb img")).to_have_count(1)
    await row.get_by_role("button", name=ui["images.remove_photo"]).click()
    await screenshot(console, "console-image-remove-confirm")
    await row.get_by_role("button", name=ui["images.remove"], exact=True).click()
    await expect(row.locator(".pin-thumb img")).to_have_count(0)
    await expect(row.get_by_role("button", name=ui["images.add_photo"])).to_be_visible()
    await expect(row.get_by_role("button", name=ui["images.remove_photo"])).to_have_count(0)

    cover = console.locator(".image-slot[data-kind='cover']")
    await expect(cover.get_by_role("button", name=ui["images.remove"])).to_have_count(0)  # nothing to remove
    await cover.locator("input[type=file]").set_input_files(str(photo))
    await expect(cover.locator(".image-preview img")).to_have_count(1)
    await cover.get_by_role("button", name=ui["images.remove"]).click()
    await cover.get_by_role("button", name=ui["images.remove"], exact=True).click()
    await expect(cover.locator(".image-preview img")).to_have_count(0)
    await expect(console.locator("#booth-images .form-status")).to_have_text(ui["images.removed"])

    _, detail = await live_server.get(f"/api/booths/{brightway.slug}")
    assert detail["cover"] is None and detail["products"][0]["image"] is None
    assert fair.errors == []


async def test_a_refused_upload_says_why_in_the_suppliers_language(fair: Fair, tmp_path: Path) -> None:
    """Not the chat's "message too long" for a big file, nor the server's English sentence."""
    console = await fair.staff("/console", booth("shenzhen-brightway-led").email)
    ui = await ui_strings(console, await console.evaluate("document.documentElement.lang"))
    logo = console.locator(".image-slot[data-kind='logo']")
    status = console.locator("#booth-images .form-status")
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"this is not an image at all\n" * 40)
    await logo.locator("input[type=file]").set_input_files(str(fake))
    await expect(status).to_have_text(ui["images.err.format"])
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG" + b"\0" * (9 * 1024 * 1024))
    await logo.locator("input[type=file]").set_input_files(str(huge))
    await expect(status).to_have_text(ui["images.err.too_big"].replace("{mb}", "8"))
    assert fair.errors == []


async def test_on_a_phone_the_leads_come_right_after_the_chat(fair: Fair) -> None:
    """A supplier working the show from a phone: a new inquiry is not seven screens down, below the
    booth's set-up (products, images, their translations, glossary, webhooks)."""
    console = await fair.staff("/console", booth("shenzhen-brightway-led").email,
                               viewport={"width": 390, "height": 844})  # fmt: skip
    await expect(console.locator("#chat")).to_be_visible()
    tops = await console.evaluate("""() => Object.fromEntries(
        ['chat', 'waiting', 'leads', 'booth-images', 'ptexts', 'glossary', 'webhooks']
            .map((id) => [id, document.getElementById(id).getBoundingClientRect().top]))""")
    products = await console.locator("#product-list").evaluate("el => el.getBoundingClientRect().top")
    assert tops["chat"] < tops["waiting"] < tops["leads"], tops
    assert all(tops["leads"] < tops[k] for k in ("booth-images", "ptexts", "glossary", "webhooks")), tops
    assert tops["leads"] < products
