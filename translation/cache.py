"""A bounded LRU of finished translations, keyed by (source, target, glossary version, text).

Chat repeats itself ("hello", "MOQ?", "thanks"), and `chat:preview` is usually followed by the
`chat:send` of the same text, so most repeats never reach the model.
"""

from __future__ import annotations

from collections import OrderedDict

from translation.api import Translation

CacheKey = tuple[str, str, str, str]


class TranslationCache:
    def __init__(self, max_size: int = 20000) -> None:
        self._max_size = max(0, max_size)
        self._items: OrderedDict[CacheKey, Translation] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, source: str, target: str, text: str, glossary: str = "") -> Translation | None:
        key = (source, target, glossary, text)
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return value

    def put(self, source: str, target: str, text: str, translated: Translation, glossary: str = "") -> None:
        if self._max_size == 0:
            return
        key = (source, target, glossary, text)
        self._items[key] = translated
        self._items.move_to_end(key)
        while len(self._items) > self._max_size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()
