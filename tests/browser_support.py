"""Helpers for the browser tests: a real server, Debian's Chromium through Playwright, sign-ins.

The server is the `live_server` fixture from tests/conftest.py when it exists; otherwise
`boothcast demo` is started here as a subprocess on a free port with its own data directory.
The browser is always /usr/bin/chromium: Playwright never downloads one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Locator,
    Page,
    async_playwright,
    expect,
)

from rooms import demo_fair

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>window.__pwned = 1; alert(2)</script>"


def booth(slug: str) -> demo_fair.DemoBooth:
    return next(b for b in demo_fair.BOOTHS if b.slug == slug)


@dataclass
class Fair:
    """One server and one Chromium; each person gets their own browser context."""

    url: str
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # What the pages said and which requests failed, printed when a test fails: a page stuck at
    # "Loading…" in CI says why only here.
    trace: list[str] = field(default_factory=list)

    async def page(self, viewport: dict[str, int] | None = None, **context_args: Any) -> Page:
        context = await self.browser.new_context(
            base_url=self.url,
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            accept_downloads=True,
            **context_args,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = await context.new_page()

        # window.alert from an injected payload would show up here.
        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", self._page_error)
        name = f"page {len(self.contexts)}"
        start = asyncio.get_running_loop().time()

        def note(line: str) -> None:
            self.trace.append(f"{asyncio.get_running_loop().time() - start:7.2f}s {name}: {line}")

        def on_console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                note(f"console.{message.type}: {message.text}")

        def on_navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                note(f"navigated to {frame.url}")

        page.on("console", on_console)
        page.on("requestfailed", lambda r: note(f"request failed: {r.method} {r.url}: {r.failure}"))
        page.on("framenavigated", on_navigated)
        page.on("websocket", lambda ws: note(f"websocket {ws.url}"))
        return page

    def _page_error(self, exc: Any) -> None:
        self.errors.append(str(exc))

    async def guest(
        self,
        path: str,
        *,
        name: str,
        lang: str,
        company: str = "",
        country: str = "",
        viewport: dict[str, int] | None = None,
    ) -> Page:
        """A buyer who opens `path` and signs in with the guest form shown there."""
        page = await self.page(viewport)
        form = page.locator("form.signin-form")
        await open_until(page, path, form, timeout_s=TIMEOUT_MS / 1000)
        await page.evaluate("lang => localStorage.setItem('boothcast.lang', lang)", lang)
        await open_until(page, path, form, timeout_s=TIMEOUT_MS / 1000)
        labels = await ui_strings(page, lang)
        await form.get_by_label(labels["f.name"]).fill(name)
        if company:
            await form.get_by_label(labels["f.company"]).fill(company)
        if country:
            await form.get_by_label(labels["f.country"]).select_option(country)
        await form.get_by_label(labels["f.language"]).select_option(lang)
        async with page.expect_navigation():  # every page starts over once signed in
            await form.get_by_role("button", name=labels["f.enter"]).click()
        await expect(form).to_have_count(0)
        return page

    async def staff(self, path: str, email: str, *, viewport: dict[str, int] | None = None) -> Page:
        """Suppliers (on /console) and moderators (on /moderate) sign in with e-mail + password."""
        page = await self.page(viewport)
        form = page.locator("form.signin-form")
        await open_until(page, path, form, timeout_s=TIMEOUT_MS / 1000)
        await form.get_by_label("Email").fill(email)
        await form.get_by_label("Password").fill(demo_fair.DEMO_PASSWORD)
        async with page.expect_navigation():
            await form.get_by_role("button", name="Sign in").click()
        await expect(form).to_have_count(0)
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
        await self.browser.close()


async def ui_strings(page: Page, lang: str) -> dict[str, str]:
    """The page's own UI dictionary for `lang`, so tests find controls by their real names."""
    strings: dict[str, str] = await page.evaluate(
        """async (lang) => {
            const m = await import('/static/i18n.js');
            return {...(await m.loadStrings('en')), ...((await m.loadStrings(lang)) || {})};
        }""",
        lang,
    )
    return strings


# Going live needs a camera: Chromium's fake one, permission granted without a prompt.
FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream=fps=30", "--use-fake-ui-for-media-stream"]


@contextlib.asynccontextmanager
async def open_fair(url: str, *, fake_media: bool = False) -> AsyncIterator[Fair]:
    args = CHROMIUM_ARGS + (FAKE_MEDIA_ARGS if fake_media else [])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        fair = Fair(url=url, browser=browser)
        try:
            yield fair
        except BaseException:
            print("browser trace:", *fair.trace, sep="\n  ")  # the failure report shows it
            raise
        finally:
            await fair.close()


NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"


async def open_until(page: Page, url: str, ready: Locator, *, timeout_s: float = 90, tries: int = 3) -> None:
    """Open `url` and wait until `ready` is visible, reloading when the load was cut.

    The cluster tests add and remove veth interfaces on this machine while other tests run.
    Chromium then fails the requests in flight, even to 127.0.0.1, with ERR_NETWORK_CHANGED, and a
    page whose script did not load stays blank: it is reloaded, as a person would. Any other
    failure is the test's to report.
    """
    cut: list[str] = []

    def on_failed(request: Any) -> None:
        if NETWORK_CHANGED in (request.failure or ""):
            cut.append(request.url)

    page.on("requestfailed", on_failed)
    try:
        for attempt in range(tries):
            cut.clear()
            await (page.goto(url) if attempt == 0 else page.reload())
            deadline = asyncio.get_running_loop().time() + timeout_s
            while not await ready.is_visible():
                if cut and attempt < tries - 1:
                    break  # reload
                if asyncio.get_running_loop().time() > deadline:
                    await expect(ready).to_be_visible(timeout=1)  # fails with Playwright's own report
                await asyncio.sleep(0.2)
            else:
                return
    finally:
        page.remove_listener("requestfailed", on_failed)


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


# A page's first join is the first thing a browser test waits for. At the start of the parallel
# suite, while the cluster tests bring up their hosts on the same two cores, a booth page stayed
# at "Loading…" past 15 s once (the join itself answers in ~15 ms on a quiet machine): this is a
# wait for the page, not a timing, so it may take longer than the other steps.
JOIN_WAIT_MS = 60_000


async def joined(page: Page) -> None:
    """Wait until the booth page / console has joined its booth (its send buttons are live)."""
    await expect(page.locator("#chat")).to_have_attribute("data-joined", "true", timeout=JOIN_WAIT_MS)


async def no_horizontal_scroll(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
