"""Sending a quick phrase to a booth's chat: who may send which phrase, its checked params.

A phrase message is a chat message like any other (same seq, rate limit, mutes, resends), but
its text is never machine-translated: every reader's text is rendered from the catalogue
(`rooms/phrases`). The author's own rendering is stored as the message's text, so anything that
reads `text` alone (the moderation log, exports) still reads a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import select

from rooms.auth import AuthUser
from rooms.chat import languages_present
from rooms.context import Fair
from rooms.errors import BadRequest, Forbidden
from rooms.models import Product
from rooms.payloads import ChatRecord
from rooms.phrases import Phrase, StoredPhrase, catalogue
from rooms.users import load_actor


def check_may_send(actor: AuthUser, booth_id: int, phrase: Phrase) -> None:
    """Buyer phrases are for buyers, supplier phrases for the booth's own staff."""
    if phrase.role == "supplier" and not actor.is_staff_of(booth_id):
        raise Forbidden(f"{phrase.id} is a supplier's answer: only this booth's staff may send it")
    if phrase.role == "buyer" and actor.role != "buyer":
        raise Forbidden(f"{phrase.id} is a buyer's question: only buyers may send it")


async def check_phrase(
    fair: Fair,
    actor: AuthUser,
    booth_id: int,
    phrase_id: str,
    raw: Mapping[str, Any],
    *,
    limit: Literal["chat", "preview"],
) -> StoredPhrase:
    """The phrase as it will be stored, or `bad_request` / `forbidden` / `rate_limited`.

    What needs no I/O is checked first and costs the sender nothing (as an empty text does not);
    `limit` (the chat or preview bucket) is hit before the database is read. The actor's role is
    read again then: a supplier moved to another booth (or a buyer made staff) sends as what the
    account is now, not as what the socket was at connect.
    """
    cat = catalogue()
    phrase = cat.access_phrase(phrase_id)
    params = cat.check_params(phrase, raw)
    if limit == "chat":
        await fair.limiter.hit(
            f"chat:{actor.id}",
            per_minute=fair.limits.chat_per_minute,
            burst=fair.limits.chat_burst,
            message="you are sending messages too fast",
        )
    else:
        await fair.limiter.hit(
            f"preview:{actor.id}", per_minute=120, burst=20, message="you are previewing too fast"
        )
    _, actor = await load_actor(fair.db, actor.id)
    check_may_send(actor, booth_id, phrase)
    names: dict[str, str] = {}
    if "product" in params:
        names = await _product_names(fair, booth_id, int(params["product"]))
    return StoredPhrase(phrase.id, params, names)


async def _product_names(fair: Fair, booth_id: int, product_id: int) -> dict[str, str]:
    """The product's name per language as it is now (the message keeps it, like its text)."""
    async with fair.db.reader() as s:
        product = (
            await s.execute(select(Product).where(Product.id == product_id, Product.booth_id == booth_id))
        ).scalar_one_or_none()
    if product is None:
        raise BadRequest("phrase.params.product: not a product of this booth")
    names = {"": product.name}
    for lang, tr in (product.i18n or {}).items():
        if isinstance(tr, dict) and isinstance(tr.get("name"), str) and tr["name"].strip():
            names[str(lang)] = tr["name"].strip()
    return names


async def do_send_phrase(fair: Fair, actor: AuthUser, booth_id: int, phrase_id: str,
                         raw: Mapping[str, Any], client_id: str | None = None) -> ChatRecord:  # fmt: skip
    """Commit a quick phrase as a message; the caller acks only after this returns."""
    stored = await check_phrase(fair, actor, booth_id, phrase_id, raw, limit="chat")
    text = catalogue().render(stored, actor.lang)
    return await fair.chat_writer.write(actor, booth_id, text, client_id, actor.lang, phrase=stored)


async def do_preview_phrase(fair: Fair, actor: AuthUser, booth_id: int, phrase_id: str,
                            raw: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """`chat:preview` for a phrase: what each language present reads; exact, so never doubted."""
    stored = await check_phrase(fair, actor, booth_id, phrase_id, raw, limit="preview")
    cat = catalogue()
    langs = (await languages_present(fair, booth_id)) - {actor.lang}
    return {
        "source_lang": actor.lang,
        "text": cat.render(stored, actor.lang),
        "phrase": {"id": stored.id, "params": stored.params},
        "translations": {
            lang: {"text": cat.render(stored, lang), "translated": True, "uncertain": False, "doubts": []}
            for lang in sorted(langs)
        },
        "uncertain_langs": [],
        "back_translation": None,
    }
