"""Members report messages; moderators get them live with context and resolve them, audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser_support import XSS_IMG, XSS_SCRIPT, Fair, booth, joined, screenshot
from tests.support import Client, Server

TOOLWORKS = booth("birmingham-toolworks")


async def _joined(s: Server, token: str, booth_id: int) -> Client:
    c = await s.client(token)
    assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    return c


async def _say(c: Client, booth_id: int, text: str) -> int:
    ack = await c.call("chat:send", {"booth_id": booth_id, "text": text})
    assert ack["ok"], ack
    return int(ack["message"]["id"])


async def test_report_reaches_moderators_with_context_and_is_resolved(fair_server: Server) -> None:
    s = fair_server
    mtok, _ = await s.moderator()
    stok, sup = await s.supplier()
    atok, ana = await s.guest("Ana", "en")
    ctok, _ = await s.guest("Carl", "en")
    ttok, troll = await s.guest("Troll", "en")
    booth_id = sup["booth_id"]
    a, c, t, staff = [await _joined(s, tok, booth_id) for tok in (atok, ctok, ttok, stok)]
    mod = await s.client(mtok)
    assert (await mod.call("mod:watch", {}))["ok"]
    before = [await _say(x, booth_id, f"line {i}") for i, x in enumerate((a, staff, c, staff, a, staff))]
    bad = await _say(t, booth_id, "you are all idiots")

    ack = await a.call("chat:report", {"message_id": bad, "reason": "abuse", "note": "insulting"})
    assert ack["ok"] is True and ack["report"]["id"] > 0, ack
    pushed = await mod.events.wait_for("report:new", lambda r: r["id"] == ack["report"]["id"])
    assert pushed["reason"] == "abuse" and pushed["note"] == "insulting" and pushed["status"] == "open"
    assert pushed["reporter"] == {"id": ana["id"], "display_name": "Ana", "role": "buyer"}
    assert pushed["message"]["id"] == bad and pushed["message"]["original"] == "you are all idiots"
    assert pushed["message"]["author"]["id"] == troll["id"]
    assert [m["id"] for m in pushed["before"]] == before[-5:]
    assert pushed["booth"]["id"] == booth_id

    # Once per member per message; a fixed list of reasons; not one's own; only what one can see.
    again = await a.call("chat:report", {"message_id": bad, "reason": "spam"})
    assert again["error"]["code"] == "conflict", again
    for payload, code in (
        ({"message_id": bad, "reason": "ugly"}, "bad_request"),
        ({"message_id": bad}, "bad_request"),
        ({"message_id": bad, "reason": "abuse", "note": "x" * 501}, "bad_request"),
        ({"message_id": before[0], "reason": "spam"}, "bad_request"),  # Ana's own
        ({"message_id": 2_000_000, "reason": "spam"}, "not_found"),
    ):
        got = await a.call("chat:report", payload)
        assert got["ok"] is False and got["error"]["code"] == code, (payload, got)
    outsider = await s.client((await s.guest("Out", "en"))[0])
    assert (await outsider.call("chat:report", {"message_id": bad, "reason": "spam"}))["error"]["code"] == "not_found"
    second = await c.call("chat:report", {"message_id": bad, "reason": "abuse"})
    assert second["ok"], second

    # Only moderators read the queue.
    for tok in (atok, stok):
        status, data = await s.get("/api/moderation/reports", tok)
        assert status == 403 and data["error"]["code"] == "forbidden"
    status, data = await s.get("/api/moderation/reports?status=open", mtok)
    assert status == 200 and [r["id"] for r in data["reports"]] == [second["report"]["id"], ack["report"]["id"]]
    assert (await s.get("/api/moderation/reports?status=nope", mtok))[0] == 400

    # Only moderators resolve; hiding closes every open report of the message and hides it live.
    path = f"/api/moderation/reports/{ack['report']['id']}/resolve"
    assert (await s.post(path, {"action": "hide"}, atok))[0] == 403
    status, data = await s.post(path, {"action": "hide", "note": "insults"}, mtok)
    assert status == 200, data
    assert sorted(data["report_ids"]) == sorted([ack["report"]["id"], second["report"]["id"]])
    assert data["status"] == "hidden" and data["message_id"] == bad
    assert await a.events.wait_for("chat:hidden") == {"booth_id": booth_id, "message_id": bad}
    resolved = await mod.events.wait_for("report:resolved")
    assert resolved["status"] == "hidden" and resolved["message_id"] == bad
    status, data = await s.post(path, {"action": "dismiss"}, mtok)
    assert status == 409 and data["error"]["code"] == "conflict"
    status, data = await s.get("/api/moderation/reports?status=open", mtok)
    assert data["reports"] == []
    _, audit = await s.get("/api/moderation/audit", mtok)
    actions = [(e["action"], e["message_id"]) for e in audit["entries"][:2]]
    assert actions == [("report_hide", bad), ("hide", bad)], audit["entries"][:2]
    assert audit["entries"][0]["detail"] == "insults"

    # Dismissed: the message stays.
    fine = await _say(staff, booth_id, "our prices are the best")
    rep = await a.call("chat:report", {"message_id": fine, "reason": "scam"})
    status, data = await s.post(f"/api/moderation/reports/{rep['report']['id']}/resolve", {"action": "dismiss"}, mtok)
    assert status == 200 and data["status"] == "dismissed"
    # With no note of the moderator's own, the audit keeps what the report said (a user try saw
    # an empty detail).
    _, audit = await s.get("/api/moderation/audit", mtok)
    assert (audit["entries"][0]["action"], audit["entries"][0]["detail"]) == ("report_dismiss", "reported: scam")
    status, data = await s.get("/api/moderation/reports?status=dismissed", mtok)
    assert [r["id"] for r in data["reports"]] == [rep["report"]["id"]]
    assert data["reports"][0]["resolved_by"]["role"] == "moderator"
    join = await c.call("booth:join", {"booth_id": booth_id})
    assert any(m["id"] == fine for m in join["history"]) and all(m["id"] != bad for m in join["history"])


async def test_reporting_is_rate_limited(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    btok, _ = await s.guest("Eager", "en")
    booth_id = sup["booth_id"]
    staff, buyer = await _joined(s, stok, booth_id), await _joined(s, btok, booth_id)
    ids = [await _say(staff, booth_id, f"offer {i}") for i in range(8)]
    answers: list[Any] = [await buyer.call("chat:report", {"message_id": m, "reason": "spam"}) for m in ids]
    codes = [x["ok"] or x["error"]["code"] for x in answers]
    assert codes[:5] == [True] * 5 and "rate_limited" in codes[5:], codes
    limited = next(x for x in answers if not x["ok"])
    assert limited["error"]["retry_after"] > 0


@pytest.mark.browser
async def test_report_button_moderator_queue_and_slow_mode_in_the_browser(live_server: Server, fair: Fair) -> None:
    mod = await fair.staff("/moderate", "moderator@demo.boothcast.test")
    await expect(mod.locator("#reports-empty")).to_be_visible()
    troll = await fair.guest(f"/booths/{TOOLWORKS.slug}", name="Troll", lang="en")
    ana = await fair.guest(f"/booths/{TOOLWORKS.slug}", name="Ana", lang="en")
    for page in (troll, ana):
        await joined(page)
    rude = f"{XSS_IMG} you are all idiots"
    chat = troll.get_by_role("region", name="Chat")
    await chat.get_by_role("textbox", name="Message").fill(rude)
    await chat.get_by_role("button", name="Send", exact=True).click()
    # No Report button on one's own line.
    await expect(chat.locator(".msg .msg-text")).to_have_text(rude)
    await expect(chat.locator(".msg .report-btn")).to_have_count(0)

    line = ana.locator("#chat-list .msg", has_text="you are all idiots")
    await line.get_by_role("button", name="Report the message of Troll").click()
    form = line.get_by_role("form", name="Report this message")
    await form.get_by_label("Reason").select_option("abuse")
    await form.get_by_label("Note for the moderators (optional)").fill(XSS_SCRIPT)
    await form.get_by_role("button", name="Send report").click()
    await expect(line.locator(".report-btn")).to_have_text("Reported")
    await expect(line.locator(".report-btn")).to_be_disabled()

    report = mod.locator("#reports-list .report")
    await expect(report).to_have_count(1)
    await expect(report.locator(".report-by")).to_have_text("reported by Ana")
    await expect(report.locator(".report-note")).to_have_text(XSS_SCRIPT)
    await expect(report.locator(".report-line.is-reported .report-text")).to_have_text(rude)
    await expect(report.locator(".reason-badge")).to_have_text("Abusive or offensive")
    await screenshot(mod, "moderate-reports-desktop")
    await report.get_by_role("button", name="Hide").click()
    await report.get_by_role("button", name="Confirm").click()  # Hide asks once more (mod_tools.js)
    await expect(report).to_have_count(0)
    await expect(mod.locator("#reports-empty")).to_be_visible()
    await expect(line).to_have_count(0)  # hidden for every reader
    await expect(troll.locator("#chat-status")).to_have_text("A moderator hid your message.")

    # Slow mode from the console: the buyer's page says so and counts down after a message.
    panel = mod.get_by_role("region", name="Slow mode")
    await panel.get_by_label("Booth").select_option(label=TOOLWORKS.name)
    await panel.get_by_label("Buyers may send").select_option("30")
    await panel.get_by_role("button", name="Apply").click()
    await expect(panel.get_by_role("status")).to_have_text("Slow mode on: one message every 30 s.")
    await expect(ana.locator("#slow-mode")).to_have_text("Slow mode: one message every 30 s")
    ana_chat = ana.get_by_role("region", name="Chat")
    await ana_chat.get_by_role("textbox", name="Message").fill("a polite question")
    await ana_chat.get_by_role("button", name="Send", exact=True).click()
    await expect(ana.locator("#chat-send")).to_be_disabled()
    await expect(ana.locator("#chat-send")).to_have_text(re.compile(r"^Wait \d+ s$"))
    await screenshot(ana, "booth-slow-mode-desktop")
    assert await ana.locator("img[src='x']").count() == 0 and await mod.locator("img[src='x']").count() == 0
    assert await mod.evaluate("window.__pwned === undefined")
    assert fair.errors == [] and fair.dialogs == []
