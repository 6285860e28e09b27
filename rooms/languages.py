"""The languages Boothcast speaks: its interface and quick phrases are written in each of these.

An account may read and write any of them; chat is machine-translated where a model serves the
pair (and delivered as written, `translated: false`, where none does).
"""

from __future__ import annotations

UI_LANGUAGES: tuple[str, ...] = ("en", "zh", "zh-Hant", "es", "pt", "fr", "de", "ru", "ar", "ja", "ko", "vi", "tr", "id")  # fmt: skip
