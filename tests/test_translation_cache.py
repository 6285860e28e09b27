"""The LRU of finished translations."""

from __future__ import annotations

from translation.cache import TranslationCache


def test_hit_miss_and_key_includes_both_languages() -> None:
    cache = TranslationCache(10)
    assert cache.get("en", "zh", "hello") is None
    cache.put("en", "zh", "hello", "你好")
    assert cache.get("en", "zh", "hello") == "你好"
    assert cache.get("en", "es", "hello") is None
    assert cache.get("es", "zh", "hello") is None
    assert (cache.hits, cache.misses) == (1, 3)


def test_bounded_and_least_recently_used_goes_first() -> None:
    cache = TranslationCache(2)
    cache.put("en", "zh", "a", "A")
    cache.put("en", "zh", "b", "B")
    assert cache.get("en", "zh", "a") == "A"  # a is now the most recent
    cache.put("en", "zh", "c", "C")
    assert len(cache) == 2
    assert cache.get("en", "zh", "b") is None
    assert cache.get("en", "zh", "a") == "A"
    assert cache.get("en", "zh", "c") == "C"


def test_size_zero_disables() -> None:
    cache = TranslationCache(0)
    cache.put("en", "zh", "a", "A")
    assert len(cache) == 0
    assert cache.get("en", "zh", "a") is None


def test_clear() -> None:
    cache = TranslationCache(5)
    cache.put("en", "zh", "a", "A")
    cache.clear()
    assert len(cache) == 0
