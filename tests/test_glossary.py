"""A booth's glossary over HTTP: CRUD, who may, validation, version bumps; and, through real sockets
with the real bundled models, the terms steering what each language reads."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import update

from rooms import context, demo_fair
from rooms.models import GlossaryEntry, User
from server.keys import FAIR
from tests.browser_support import (
    DESKTOP,
    PHONE,
    Fair,
    booth,
    no_horizontal_scroll,
    screenshot,
    ui_strings,
)
from tests.support import Server
from translation.glossary import MAX_TERM_LENGTH, MAX_TERMS

# Markup as a term, with no digit in it: a digit must be kept in every rendering.
XSS_TERM = "<img src=x onerror=alert(document.domain)>"

ZH_BOOTH = "shenzhen-brightway-led"
OTHER_BOOTH = "valencia-ceramica"


def _fair(s: Server) -> context.Fair:
    assert s.app is not None
    return s.app[FAIR]


def _path(booth_id: int | str, term_id: int | str | None = None) -> str:
    base = f"/api/booths/{booth_id}/glossary"
    return base if term_id is None else f"{base}/{term_id}"


async def _glossary(s: Server, booth_id: int, token: str) -> dict[str, Any]:
    status, data = await s.get(_path(booth_id), token)
    assert status == 200, data
    return dict(data)


async def _add(
    s: Server, booth_id: int, token: str, term: str, translations: dict[str, str]
) -> dict[str, Any]:
    status, data = await s.post(_path(booth_id), {"term": term, "translations": translations}, token)
    assert status == 201, data
    return dict(data)


async def test_crud_and_every_change_bumps_the_version(fair_server: Server) -> None:
    s = fair_server
    tok, sup = await s.supplier(ZH_BOOTH)
    booth_id = sup["booth_id"]
    assert await _glossary(s, booth_id, tok) == {"booth_id": booth_id, "version": 0, "terms": []}

    added = await _add(s, booth_id, tok, "  Brightway ", {"zh": " 明途 ", "es": "   "})
    # Stripped, and a blank translation dropped.
    assert added == {"id": added["id"], "term": "Brightway", "translations": {"zh": "明途"}}
    frozen = await _add(s, booth_id, tok, "NovaFlex", {})
    assert frozen["translations"] == {}  # never translated
    g = await _glossary(s, booth_id, tok)
    assert g["version"] == 2 and g["terms"] == [added, frozen]

    status, data = await s.request(
        "PATCH",
        _path(booth_id, added["id"]),
        tok,
        json={"translations": {"zh": "明途照明", "en": "Brightway"}},
    )
    assert status == 200 and data == {
        "id": added["id"],
        "term": "Brightway",
        "translations": {"en": "Brightway", "zh": "明途照明"},
    }
    status, data = await s.request("PATCH", _path(booth_id, frozen["id"]), tok, json={"term": "NovaFlex Pro"})
    assert status == 200 and data == {"id": frozen["id"], "term": "NovaFlex Pro", "translations": {}}
    # A rename that only changes case is the same term, not a duplicate of itself.
    status, data = await s.request("PATCH", _path(booth_id, frozen["id"]), tok, json={"term": "NOVAFLEX PRO"})
    assert status == 200 and data["term"] == "NOVAFLEX PRO"
    g = await _glossary(s, booth_id, tok)
    assert g["version"] == 5 and [t["term"] for t in g["terms"]] == ["Brightway", "NOVAFLEX PRO"]

    status, data = await s.request("DELETE", _path(booth_id, frozen["id"]), tok)
    assert status == 204 and data == ""
    g = await _glossary(s, booth_id, tok)
    assert g["version"] == 6 and [t["id"] for t in g["terms"]] == [added["id"]]
    # Gone is gone, and a failed change bumps nothing.
    for method, body in (("DELETE", None), ("PATCH", {"term": "xy"})):
        status, data = await s.request(method, _path(booth_id, frozen["id"]), tok, json=body)
        assert status == 404 and data["error"]["code"] == "not_found"
    assert (await _glossary(s, booth_id, tok))["version"] == 6
    # The translator reads the same version, the entered terms first, then the product names.
    served = await _fair(s).glossaries.get(booth_id)
    assert served.version.startswith(f"{booth_id}:6:")
    assert [t.term for t in served.terms][:2] == ["Brightway", "LED面板灯"]


async def test_who_may_read_and_edit(fair_server: Server) -> None:
    s = fair_server
    staff_tok, sup = await s.supplier(ZH_BOOTH)
    booth_id = sup["booth_id"]
    tokens = {
        "staff": staff_tok,
        "buyer": (await s.guest("Buyer", "en"))[0],
        "other_staff": (await s.supplier(OTHER_BOOTH))[0],
        "moderator": (await s.moderator())[0],
        "admin": (await s.login(demo_fair.ADMIN_EMAIL))[0],
        "anon": None,
    }
    denied = {"buyer": 403, "other_staff": 403, "moderator": 403, "anon": 401}
    failures = []
    for role, token in tokens.items():
        term = (await _add(s, booth_id, staff_tok, f"Term {role}", {"en": "x"}))["id"]
        checks: list[tuple[str, str, Any, int]] = [
            ("GET", _path(booth_id), None, 200),
            ("POST", _path(booth_id), {"term": f"New {role}", "translations": {}}, 201),
            ("PATCH", _path(booth_id, term), {"translations": {"es": "y"}}, 200),
            ("DELETE", _path(booth_id, term), None, 204),
        ]
        for method, path, body, ok in checks:
            expected = denied.get(role, ok)
            got, data = await s.request(method, path, token, json=body)
            if got != expected:
                failures.append((role, method, expected, got, data))
            elif got >= 400:
                code = {401: "unauthorized", 403: "forbidden"}[got]
                assert data["error"]["code"] == code, (role, method, data)
    assert failures == []
    # A denied caller learns nothing about term ids: a missing one is answered the same way.
    got, data = await s.request("DELETE", _path(booth_id, 999_999), tokens["buyer"])
    assert got == 403 and data["error"]["code"] == "forbidden"
    # The role is the account's current one, not the one its token was issued with.
    async with _fair(s).db.session() as db:
        await db.execute(update(User).where(User.id == sup["id"]).values(booth_id=None))
    got, data = await s.get(_path(booth_id), staff_tok)
    assert got == 403 and data["error"]["code"] == "forbidden"


async def test_validation_answers_with_a_code_never_a_500(fair_server: Server) -> None:
    s = fair_server
    tok, sup = await s.supplier(ZH_BOOTH)
    admin_tok, _ = await s.login(demo_fair.ADMIN_EMAIL)
    booth_id = sup["booth_id"]
    other_booth = await s.booth_id(OTHER_BOOTH)
    term = await _add(s, booth_id, tok, "Brightway", {"zh": "明途"})
    version = (await _glossary(s, booth_id, tok))["version"]
    long = "x" * (MAX_TERM_LENGTH + 1)
    bad_bodies: list[Any] = [
        {"term": ""}, {"term": "   "}, {"term": long}, {"term": "a\x00b"}, {"term": "a\nb"}, {"term": "a\u202eb"},
        {"term": 5}, {"term": None}, {"translations": {}}, {"term": "ok", "evil": 1}, {"term": "ok", "translations": []},
        {"term": "ok", "translations": {"EN": "x"}}, {"term": "ok", "translations": {"english": "x"}},
        {"term": "ok", "translations": {"zh_CN": "x"}}, {"term": "ok", "translations": {"z": "x"}},
        {"term": "ok", "translations": {"zh-": "x"}}, {"term": "ok", "translations": {"<b>": "x"}},
        {"term": "ok", "translations": {"zh": long}}, {"term": "ok", "translations": {"zh": "a\x07"}},
        {"term": "ok", "translations": {"zh": 1}},
        # Numbers, units and codes stay as written in every rendering (a user try's "300" →
        # "three hundred" and "m²" → "DROP TABLE" rewrote the facts buyers read).
        {"term": "300", "translations": {"en": "three hundred"}}, {"term": "m²", "translations": {"en": "DROP TABLE"}},
        {"term": "LED panel 60x60", "translations": {"zh": "LED面板灯"}},
        {"term": "ok", "translations": {f"a{chr(97 + i // 26)}{chr(97 + i % 26)}": "x" for i in range(21)}},
        [], "term",
    ]  # fmt: skip
    for bad in bad_bodies:
        status, data = await s.post(_path(booth_id), bad, tok)
        assert status == 400 and data["error"]["code"] == "bad_request", (bad, status, data)
    # The console says what is wrong from `reason` (web/static/glossary.js), not from the length.
    for bad, reason in (({"term": "   "}, "empty"), ({"term": long}, "too_long"), ({"term": "a\u202eb"}, "control"),
                        ({"term": "A"}, "too_short"), ({"term": "鑫"}, "too_short"),
                        ({"term": "ok", "translations": {"zh": "a\x07"}}, "control")):  # fmt: skip
        status, data = await s.post(_path(booth_id), bad, tok)
        assert data["error"]["reason"] == reason, (bad, data)
    for bad in (
        {},
        {"term": None, "translations": None},
        {"term": ""},
        {"translations": {"EN": "x"}},
        {"id": 1},
    ):
        status, data = await s.request("PATCH", _path(booth_id, term["id"]), tok, json=bad)
        assert status == 400 and data["error"]["code"] == "bad_request", (bad, status, data)
    # Twenty languages are fine; so is a region or script subtag.
    twenty = {f"a{chr(97 + i)}": "x" for i in range(20)}
    assert len((await _add(s, booth_id, tok, "Twenty", twenty))["translations"]) == 20
    assert (await _add(s, booth_id, tok, "Regional", {"pt-BR": "x", "zh-Hant": "明途"}))["translations"] == {
        "pt-BR": "x", "zh-Hant": "明途",
    }  # fmt: skip

    # The same term twice, in any case, is a conflict; so is renaming one onto another.
    for dup in ("Brightway", "brightway", " BRIGHTWAY "):
        status, data = await s.post(_path(booth_id), {"term": dup, "translations": {}}, tok)
        assert status == 409 and data["error"]["code"] == "conflict", (dup, data)
    status, data = await s.request("PATCH", _path(booth_id, term["id"]), tok, json={"term": "twenty"})
    assert status == 409 and data["error"]["code"] == "conflict"
    # Another booth may have the same term.
    status, _ = await s.post(_path(other_booth), {"term": "Brightway", "translations": {}}, admin_tok)
    assert status == 201

    # Ids no column can hold, or that are not ids at all, are not found; never a database error.
    huge = (2**31, 2**31 + 1, 2**63, 2**64, 10**18, 10**30)
    for bad_id in (*huge, 2**31 - 1, 0, "-1", "abc", "1e3", "%201"):
        for method, body in (("PATCH", {"term": "xy"}), ("DELETE", None)):
            status, data = await s.request(method, _path(booth_id, bad_id), tok, json=body)
            assert status == 404 and data["error"]["code"] == "not_found", (bad_id, method, status, data)
    for bad_id in huge:
        for method, body in (("GET", None), ("POST", {"term": "xy"})):
            status, data = await s.request(method, _path(bad_id), admin_tok, json=body)
            assert status == 404 and data["error"]["code"] == "not_found", (bad_id, method, status, data)
    # A term of another booth, reached through one's own booth, is not found either.
    theirs = await _add(s, other_booth, admin_tok, "Cerámica", {"en": "ceramics"})
    status, data = await s.request("DELETE", _path(booth_id, theirs["id"]), tok)
    assert status == 404 and data["error"]["code"] == "not_found"
    status, data = await s.request("PATCH", _path(booth_id, theirs["id"]), admin_tok, json={"term": "xy"})
    assert status == 404
    # Only the three successful adds moved the version.
    assert (await _glossary(s, booth_id, tok))["version"] == version + 2


async def test_a_booth_holds_at_most_max_terms(fair_server: Server) -> None:
    s = fair_server
    tok, sup = await s.supplier(ZH_BOOTH)
    booth_id = sup["booth_id"]
    async with _fair(s).db.session() as db:
        db.add_all(
            GlossaryEntry(booth_id=booth_id, term=f"T{i}", translations={}) for i in range(MAX_TERMS - 1)
        )
    await _add(s, booth_id, tok, "Last one", {})
    status, data = await s.post(_path(booth_id), {"term": "One too many", "translations": {}}, tok)
    assert (
        status == 400
        and data["error"]["code"] == "bad_request"
        and str(MAX_TERMS) in data["error"]["message"]
    )
    assert len((await _glossary(s, booth_id, tok))["terms"]) == MAX_TERMS


async def test_edits_are_rate_limited_per_user(fair_server: Server) -> None:
    s = fair_server
    tok, sup = await s.supplier(ZH_BOOTH)
    booth_id = sup["booth_id"]
    statuses = []
    # A burst of 20, then refused. The bucket refills one edit every 3 s, so on a slow machine a
    # refill may slip in before the refusal: stop at the first 429, within a few more tries.
    for _ in range(30):
        status, data = await s.request("DELETE", _path(booth_id, 999_999), tok)
        statuses.append(status)
        if status == 429:
            break
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429 and set(statuses[:-1]) == {404}
    assert data["error"]["code"] == "rate_limited" and data["error"]["retry_after"] > 0
    # Reading is not limited, and another user has a bucket of their own.
    assert (await s.get(_path(booth_id), tok))[0] == 200
    admin_tok, _ = await s.login(demo_fair.ADMIN_EMAIL)
    assert (await s.request("DELETE", _path(booth_id, 999_999), admin_tok))[0] == 404


async def test_glossary_steers_translation_both_ways(live_server: Server) -> None:
    s = live_server
    zh_tok, sup = await s.supplier(ZH_BOOTH)
    en_tok, _ = await s.guest("Ben", "en", company="Acme Lighting", country="GB")
    booth_id = sup["booth_id"]
    brightway = await _add(s, booth_id, zh_tok, "Brightway", {"zh": "明途"})
    await _add(s, booth_id, zh_tok, "NovaFlex", {})
    zh, en = await s.client(zh_tok), await s.client(en_tok)
    for c in (zh, en):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]

    async def exchange(sender: Any, reader: Any, text: str) -> str:
        ack = await sender.call("chat:send", {"booth_id": booth_id, "text": text})
        assert ack["ok"], ack
        m = await reader.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=30)
        assert m["original"] == text and m["translated"] is True, m
        return str(m["text"])

    en_text = "Can Brightway send me a free sample of NovaFlex?"
    text = await exchange(en, zh, en_text)
    assert "明途" in text and "NovaFlex" in text and "Brightway" not in text, text
    text = await exchange(zh, en, "明途可以提供免费样品。")
    assert "Brightway" in text and "明途" not in text, text

    status, _ = await s.request(
        "PATCH", _path(booth_id, brightway["id"]), zh_tok, json={"translations": {"zh": "明途照明"}}
    )
    assert status == 200
    # The same text again: the cache must not serve the translation made with the old term.
    text = await exchange(en, zh, en_text)
    assert "明途照明" in text and "NovaFlex" in text, text


@pytest.mark.browser
async def test_console_glossary_panel(live_server: Server, fair: Fair) -> None:
    """A zh supplier adds, edits and deletes terms in the console; a term is only ever text."""
    sup = booth(ZH_BOOTH)
    page = await fair.staff("/console", sup.email)
    zh = await ui_strings(page, "zh")
    panel = page.get_by_role("region", name=zh["glossary.title"])
    await expect(panel.locator(".glossary-empty")).to_be_visible()
    add = panel.locator("form.glossary-form").first

    # A number in a term must stay as written in its renderings: "300" → "三百" is refused.
    await add.get_by_label(zh["glossary.term"]).fill("300")
    await add.get_by_label("中文").fill("三百")
    await add.get_by_role("button", name=zh["glossary.add"]).click()
    await expect(add.locator(".form-status")).to_have_text(zh["glossary.keep_as_written"].replace("{text}", "300"))

    await add.get_by_label(zh["glossary.term"]).fill(XSS_TERM)
    await add.get_by_label("中文").fill("明途")
    await add.get_by_role("button", name=zh["glossary.add"]).click()
    added = panel.locator(".glossary-item", has=page.locator(".glossary-term", has_text=XSS_TERM))
    await expect(added.locator(".glossary-term")).to_have_text(XSS_TERM)
    # The same item while it turns into its edit form and back.
    item = panel.locator(f'.glossary-item[data-term-id="{await added.get_attribute("data-term-id")}"]')
    await expect(item.locator("dd")).to_have_text("明途")
    await expect(panel.locator("img")).to_have_count(0)
    # Chinese has one plural form: "1 个术语" is the plain "{n} 个术语".
    await expect(page.locator("#glossary-count")).to_have_text(zh["glossary.count"].replace("{n}", "1"))
    await expect(add.get_by_label(zh["glossary.term"])).to_have_value("")

    # All blank: never translated, and the panel says so.
    await add.get_by_label(zh["glossary.term"]).fill("NovaFlex")
    await add.get_by_role("button", name=zh["glossary.add"]).click()
    nova = panel.locator(".glossary-item", has=page.locator(".glossary-term", has_text="NovaFlex"))
    await expect(nova.locator(".never-badge")).to_have_text(zh["glossary.never"])
    nova = panel.locator(f'.glossary-item[data-term-id="{await nova.get_attribute("data-term-id")}"]')
    # A duplicate is refused with a sentence in the supplier's language.
    await add.get_by_label(zh["glossary.term"]).fill("novaflex")
    await add.get_by_role("button", name=zh["glossary.add"]).click()
    await expect(add.locator(".form-status")).to_have_text(zh["glossary.duplicate"])

    await item.get_by_role("button", name=zh["glossary.edit_term"].replace("{term}", XSS_TERM)).click()
    await item.get_by_label("中文").fill("明途照明")
    await item.get_by_role("button", name=zh["glossary.save"]).click()
    await expect(item.locator("dd")).to_have_text("明途照明")
    status, data = await live_server.get(f"/api/booths/{await live_server.booth_id(ZH_BOOTH)}/glossary",
                                         (await live_server.supplier(ZH_BOOTH))[0])  # fmt: skip
    assert status == 200 and {t["term"]: t["translations"] for t in data["terms"]} == {
        XSS_TERM: {"zh": "明途照明"}, "NovaFlex": {},
    }  # fmt: skip

    for size, name in ((DESKTOP, "console-glossary-desktop"), (PHONE, "console-glossary-phone")):
        await page.set_viewport_size(size)  # type: ignore[arg-type]
        assert await no_horizontal_scroll(page), f"{name} scrolls sideways"
        await screenshot(page, name)
    await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    await nova.get_by_role("button", name=zh["glossary.delete_term"].replace("{term}", "NovaFlex")).click()
    await nova.get_by_role("button", name=zh["glossary.delete"], exact=True).click()
    await expect(panel.locator(".glossary-item")).to_have_count(1)
    assert fair.dialogs == [] and fair.errors == []
