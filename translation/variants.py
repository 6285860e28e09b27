"""Script variants: Traditional Chinese readers and writers, by exact conversion (OpenCC), not MT.

A Taiwan or Hong Kong buyer reads `zh-Hant`. Simplified and Traditional Chinese are one language
in two scripts (plus a few regional words: 软件/軟體, 信息/資訊), so this is a table lookup that
is right every time, not a translation that may be wrong:

- zh ↔ zh-Hant: converted, `translated: true`, never uncertain;
- X → zh-Hant: translated to zh by the wrapped translator (with its gate), then converted; the
  verdict is the zh translation's;
- zh-Hant → X: converted to Simplified first (so booth glossaries in `zh` apply), then translated.

OpenCC's Python wheel carries its own dictionaries: nothing is fetched at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from translation.api import PairInfo, Translation, Translator
from translation.glossary import Glossary

OPENCC = "opencc"
# variant → (base language, OpenCC config base→variant, variant→base). Taiwan phrasing ("s2twp"):
# the most widespread Traditional readership at trade fairs; Hong Kong readers read it too.
VARIANTS: dict[str, tuple[str, str, str]] = {"zh-Hant": ("zh", "s2twp", "tw2sp")}


class _Converters:
    """OpenCC converters, built on first use (each loads its dictionaries once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[str, Any] = {}

    def convert(self, config: str, text: str) -> str:
        with self._lock:
            converter = self._made.get(config)
            if converter is None:
                import opencc

                converter = self._made[config] = opencc.OpenCC(config)
        return str(converter.convert(text))


_CONVERTERS = _Converters()


def to_variant(variant: str, text: str) -> str:
    return _CONVERTERS.convert(VARIANTS[variant][1], text)


def to_base(variant: str, text: str) -> str:
    return _CONVERTERS.convert(VARIANTS[variant][2], text)


def base_of(lang: str) -> str:
    return VARIANTS[lang][0] if lang in VARIANTS else lang


def convert_script(text: str, source: str, target: str) -> str | None:
    """`text` written in `source`, in `target`'s script, when the two are one language in two
    scripts (zh ↔ zh-Hant): exact, so never uncertain. None for any other pair."""
    if source == target or base_of(source) != base_of(target):
        return None
    base_text = to_base(source, text) if source in VARIANTS else text
    return to_variant(target, base_text) if target in VARIANTS else base_text


class ScriptVariants:
    """A `Translator` that adds the script variants in `VARIANTS` to the one it wraps."""

    def __init__(self, inner: Translator) -> None:
        self._inner = inner

    @property
    def inner(self) -> Translator:
        return self._inner

    def languages(self) -> list[str]:
        langs = set(self._inner.languages())
        for variant, (base, _, _) in VARIANTS.items():
            langs |= {variant, base}
        return sorted(langs)

    def pairs(self) -> list[PairInfo]:
        out = list(self._inner.pairs())
        for variant, (base, _, _) in VARIANTS.items():
            out += [PairInfo(base, variant, None, (OPENCC,)), PairInfo(variant, base, None, (OPENCC,))]
            for p in self._inner.pairs():
                if p.target == base:
                    out.append(PairInfo(p.source, variant, p.via or base, (*p.engines, OPENCC)))
                if p.source == base:
                    out.append(PairInfo(variant, p.target, p.via or base, (OPENCC, *p.engines)))
        return out

    def can_translate(self, source: str, target: str) -> bool:
        if source == target:
            return False
        if base_of(source) == base_of(target):
            return True
        return self._inner.can_translate(base_of(source), base_of(target))

    async def translate(
        self, text: str, source: str, targets: Iterable[str], glossary: Glossary | None = None
    ) -> dict[str, Translation]:
        targets = list(dict.fromkeys(targets))
        if source not in VARIANTS and not any(t in VARIANTS for t in targets):
            return await self._inner.translate(text, source, targets, glossary)
        base = base_of(source)
        base_text = to_base(source, text) if source in VARIANTS else text
        results: dict[str, Translation] = {}
        wanted: list[str] = []
        for target in targets:
            if target == source or not text.strip():
                results[target] = Translation(text, False)
            elif (converted := convert_script(text, source, target)) is not None:
                results[target] = Translation(converted, True)  # the other script: exact
            else:
                wanted.append(target)
        inner_targets = list(dict.fromkeys(base_of(t) for t in wanted))
        done = await self._inner.translate(base_text, base, inner_targets, glossary) if inner_targets else {}
        for target in wanted:
            got = done.get(base_of(target), Translation(base_text, False))
            if not got.translated:
                results[target] = Translation(text, False)  # the author's own words, not our conversion
            elif target in VARIANTS:
                results[target] = replace(got, text=to_variant(target, got.text))
            else:
                results[target] = got
        return results

    async def detect(self, text: str) -> str | None:
        return await self._inner.detect(text)

    async def aclose(self) -> None:
        await self._inner.aclose()
