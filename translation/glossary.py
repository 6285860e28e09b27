"""A booth's glossary: its own terms, with a fixed translation per language or "never translate".

Suppliers know their brand, product line and jargon better than any model ("明途" is the brand
Brightway, "亚克力" must stay "acrylic", a model code must never be touched). A term is matched in
the message before translation (in the sender's language form or the canonical one) and turned
into a protected span, so the model only moves it; the restored text is the term's fixed
rendering for the reader's language. Works the same in both directions.

The version is part of the translation cache key, so editing a glossary never serves a stale
translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

MAX_TERMS = 500
MAX_TERM_LENGTH = 80


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    term: str  # canonical form; matched in every language, and what a language without its own reads
    translations: Mapping[str, str] = field(default_factory=dict)  # lang → fixed text; {} = never translate

    def forms(self, lang: str) -> list[str]:
        """What to look for in a message written in `lang`."""
        own = self.translations.get(lang)
        return [f for f in dict.fromkeys([own, self.term]) if f]

    def rendering(self, lang: str) -> str:
        return self.translations.get(lang) or self.term


def _is_wordlike(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


@dataclass(frozen=True)
class GlossaryMatch:
    start: int
    end: int
    term: GlossaryTerm


@dataclass(frozen=True)
class Glossary:
    version: str  # changes on every edit; "" for the empty glossary
    terms: tuple[GlossaryTerm, ...] = ()

    @classmethod
    def of(cls, version: str, terms: Iterable[GlossaryTerm]) -> Glossary:
        return cls(version, tuple(terms))

    def __bool__(self) -> bool:
        return bool(self.terms)

    @cached_property
    def _patterns(self) -> dict[str, tuple[re.Pattern[str], dict[str, GlossaryTerm]]]:
        return {}

    def _pattern(self, lang: str) -> tuple[re.Pattern[str], dict[str, GlossaryTerm]] | None:
        cached = self._patterns.get(lang)
        if cached is not None:
            return cached
        by_form: dict[str, GlossaryTerm] = {}
        for term in self.terms:
            for form in term.forms(lang):
                by_form.setdefault(form.casefold(), term)
        if not by_form:
            return None
        # Longest first, so "LED panel light" wins over "LED panel".
        forms = sorted(by_form, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(f) for f in forms), re.IGNORECASE)
        self._patterns[lang] = (pattern, by_form)
        return pattern, by_form

    def find(self, text: str, lang: str) -> list[GlossaryMatch]:
        """Non-overlapping matches in `text`; Latin terms only as whole words ("pan" not in "panel")."""
        compiled = self._pattern(lang) if self.terms else None
        if compiled is None:
            return []
        pattern, by_form = compiled
        out: list[GlossaryMatch] = []
        for m in pattern.finditer(text):
            s, e = m.start(), m.end()
            first, last = text[s], text[e - 1]
            if _is_wordlike(first) and s > 0 and _is_wordlike(text[s - 1]):
                continue
            if _is_wordlike(last) and e < len(text) and _is_wordlike(text[e]):
                continue
            out.append(GlossaryMatch(s, e, by_form[m.group(0).casefold()]))
        return out


EMPTY = Glossary("")
