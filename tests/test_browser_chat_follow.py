"""The supplier console's chat keeps following the newest line when something opens under it (a
quick-phrase form, a translation preview), as a user try found it did not: two messages the
supplier sent landed out of sight. A reader who scrolled up to read is left where they are."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser_support import Fair, booth

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def _send(console: Page, text: str) -> None:
    await console.locator("#chat-input").fill(text)
    await console.locator("#chat-send").click()
    await expect(console.locator("#chat-list .msg-text", has_text=text).first).to_be_visible()


async def _at_bottom(console: Page) -> bool:
    return bool(await console.locator("#chat-list").evaluate(
        "(el) => el.scrollHeight - el.scrollTop - el.clientHeight < 8"
    ))  # fmt: skip


async def test_the_console_chat_follows_new_lines_after_a_form_opens_under_it(fair: Fair) -> None:
    console = await fair.staff("/console", BRIGHTWAY.email, viewport={"width": 1280, "height": 800})
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    for i in range(7):  # more than the list shows at once (long lines: the send rate limit is 10)
        await _send(console, f"第{i + 1}条：欢迎来到我们的直播间，今天给大家展示最新款的LED面板灯，" + "有任何问题请在聊天里留言。" * 3)
    assert await _at_bottom(console)
    await console.locator("#quick-phrases button[data-phrase='s.moq']").click()  # the list shrinks
    await expect(console.locator("form.phrase-params[data-phrase='s.moq']")).to_be_visible()
    await _send(console, "最小起订量500件")
    assert await _at_bottom(console)
    await expect(console.locator("#chat-list .msg-text", has_text="最小起订量500件")).to_be_in_viewport()

    # Scrolled up to read an earlier line: a new line does not pull the reader away.
    await console.locator("#chat-list").evaluate("(el) => { el.scrollTop = 0; }")
    await _send(console, "样品可以免费寄送")
    assert not await _at_bottom(console)
    assert fair.errors == []
