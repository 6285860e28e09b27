"""The translator used when no translation engine is available: originals, marked untranslated."""

from __future__ import annotations

from collections.abc import Iterable

from translation.api import PairInfo, Translation
from translation.glossary import Glossary


class PassthroughTranslator:
    def languages(self) -> list[str]:
        return []

    def pairs(self) -> list[PairInfo]:
        return []

    def can_translate(self, source: str, target: str) -> bool:
        return source == target

    async def translate(
        self, text: str, source: str, targets: Iterable[str], glossary: Glossary | None = None
    ) -> dict[str, Translation]:
        return {t: Translation(text, False) for t in targets}

    async def detect(self, text: str) -> str | None:
        return None

    async def aclose(self) -> None:
        return None
