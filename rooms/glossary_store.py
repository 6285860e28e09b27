"""Each booth's glossary as the translator needs it, read from the database and kept briefly.

Besides the terms staff enter, every product's name is a term: the supplier gave its name in
each language (`products.i18n`), so "LED面板灯" reaches an English reader as their own
"LED panel light" instead of whatever the model makes of it. Entered terms win over product names.

Every message of a booth needs its glossary, so it is served from memory. An edit on this node
drops the booth's entry at once; other nodes notice the new `booths.glossary_version` within
`ttl` seconds (the version is part of the translation cache key, so no stale translation is
served after that).
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import select

from rooms.db import Database
from rooms.models import Booth, GlossaryEntry, Product
from translation.glossary import EMPTY, MAX_TERM_LENGTH, Glossary, GlossaryTerm


class GlossaryStore:
    def __init__(self, db: Database, ttl: float = 5.0) -> None:
        self._db = db
        self._ttl = ttl
        self._items: dict[int, tuple[float, Glossary]] = {}
        # Bumped by every local edit: a load that started before the edit must not be cached.
        self._generation: dict[int, int] = {}

    async def get(self, booth_id: int) -> Glossary:
        now = time.monotonic()
        cached = self._items.get(booth_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        generation = self._generation.get(booth_id, 0)
        glossary = await self._load(booth_id)
        if self._generation.get(booth_id, 0) == generation:
            self._items[booth_id] = (now, glossary)
        return glossary

    def invalidate(self, booth_id: int) -> None:
        self._generation[booth_id] = self._generation.get(booth_id, 0) + 1
        self._items.pop(booth_id, None)

    async def _load(self, booth_id: int) -> Glossary:
        async with self._db.reader() as s:
            version = (await s.execute(select(Booth.glossary_version).where(Booth.id == booth_id))).scalar()
            if version is None:
                return EMPTY
            entries = (
                await s.execute(
                    select(GlossaryEntry).where(GlossaryEntry.booth_id == booth_id).order_by(GlossaryEntry.id)
                )
            ).scalars()
            terms = [GlossaryTerm(e.term, dict(e.translations or {})) for e in entries]
            products = (
                await s.execute(
                    select(Product.name, Product.i18n).where(Product.booth_id == booth_id).order_by(Product.id)
                )
            ).all()
        for name, i18n in products:
            names = {
                lang: v["name"].strip()
                for lang, v in (i18n or {}).items()
                if isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"].strip()
            }
            if len(names) >= 2 and len(name) <= MAX_TERM_LENGTH:
                terms.append(GlossaryTerm(name, names))
        if not terms:
            return EMPTY
        # Product names are part of the glossary, so they are part of its version too.
        digest = hashlib.sha256(repr([(t.term, sorted(t.translations.items())) for t in terms]).encode())
        return Glossary.of(f"{booth_id}:{version}:{digest.hexdigest()[:12]}", terms)
