"""Every interface language is a chat language, through real sockets: guests sign in with it, and
a reader whose language has no installed model gets the original, marked `translated: false`."""

from __future__ import annotations

from tests.support import Server

UI_LANGS = ["en", "zh", "zh-Hant", "es", "pt", "fr", "de", "ru", "ar", "ja", "ko", "vi", "tr", "id"]
# The bundled models cover en, zh and es; these readers have none.
WITHOUT_MODEL = ["zh-Hant", "pt", "ar", "id"]


async def test_guests_sign_in_with_every_interface_language(live_server: Server) -> None:
    for lang in UI_LANGS:
        _, user = await live_server.guest(f"Guest {lang}", lang)
        assert user["lang"] == lang


async def test_reader_without_a_model_gets_the_original(live_server: Server) -> None:
    _, sup = await live_server.supplier("shenzhen-brightway-led")
    booth_id = sup["booth_id"]
    dtok, _ = await live_server.guest("Jonas", "de", company="Weber GmbH", country="DE")
    writer = await live_server.client(dtok)
    readers = {}
    for lang in WITHOUT_MODEL:
        token, _ = await live_server.guest(f"Reader {lang}", lang)
        readers[lang] = await live_server.client(token)
    for client in (writer, *readers.values()):
        assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]

    text = "Guten Tag, liefern Sie 500 Stück CIF Hamburg?"
    ack = await writer.call("chat:send", {"booth_id": booth_id, "text": text})
    assert ack["ok"], ack
    msg_id = ack["message"]["id"]
    for lang, reader in readers.items():
        m = await reader.wait_message(lambda m: m["id"] == msg_id, timeout=20)
        assert m["text"] == text and m["original"] == text, lang
        assert m["translated"] is False, (lang, m)
