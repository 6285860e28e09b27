"""The translation layer's interface, as the chat path sees it.

`rooms/` depends only on this module; `translation/service.py` provides the real implementation
over the installed argos packages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from translation.glossary import Glossary


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    translated: bool  # False: `text` is the original, because no model or the engine failed
    # True: delivered, but the confidence gate doubts it; readers see the original first.
    uncertain: bool = False
    doubts: tuple[str, ...] = ()  # why (`translation.confidence.judge`), for previews and metrics


@dataclass(frozen=True, slots=True)
class PairInfo:
    source: str
    target: str
    via: str | None  # None for a direct model, "en" when pivoting through English
    engines: tuple[str, ...] = ()  # the engine of each hop ("argos", "apertium"), in order


class Translator(Protocol):
    def languages(self) -> list[str]:
        """Every language the installed models can read or write."""
        ...

    def pairs(self) -> list[PairInfo]:
        """Every (source, target) it can translate, directly or by pivot."""
        ...

    def can_translate(self, source: str, target: str) -> bool: ...

    async def translate(
        self, text: str, source: str, targets: Iterable[str], glossary: Glossary | None = None
    ) -> dict[str, Translation]:
        """One result per target (targets equal to `source` are returned untranslated).

        `glossary` (a booth's terms) is applied in both directions. Never raises for engine
        failures or timeouts: the original comes back with `translated=False`.
        """
        ...

    async def detect(self, text: str) -> str | None:
        """Best guess of the language of `text`, offline; None when unsure."""
        ...

    async def aclose(self) -> None: ...
