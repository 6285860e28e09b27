"""Offline language guess, only for senders whose language is unknown.

Scripts decide most cases outright (Han, kana, Hangul, Cyrillic, Arabic, Thai, Greek, Hebrew,
Devanagari); Latin-script text is scored on very common function words. No dependency, no
model file, microseconds per message; it answers None rather than guess on too little text.
"""

from __future__ import annotations

import re
import unicodedata

from translation.protect import find_spans

_SCRIPT_LANG = {
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "THAI": "th",
    "GREEK": "el",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
}

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the a an and or is are was be to of in on for with what how can you we our your this that it "
        "do does have has please price i my me not no yes hello hi thanks thank much many".split()
    ),
    "es": frozenset(
        "el la los las un una y o es son de del en con por para que qué cómo cuál puede pueden usted "
        "nosotros nuestro nuestra su sus este esta precio hola gracias sí no muy cuánto cuántos tiene "
        "tienen hay mínimo pedido envío".split()
    ),
    "fr": frozenset(
        "le la les un une et ou est sont de du des en avec pour que quel quelle comment vous nous notre "
        "votre ce cette prix bonjour merci oui non très combien".split()
    ),
    "de": frozenset(
        "der die das ein eine und oder ist sind von zu mit für was wie können sie wir unser ihr dieser "
        "preis hallo danke ja nein sehr wieviel nicht".split()
    ),
    "pt": frozenset(
        "o a os as um uma e ou é são de do da em com por para que como você vocês nós nosso nossa preço "
        "olá obrigado obrigada sim não muito quanto".split()
    ),
    "it": frozenset(
        "il lo la i gli le un una e o è sono di del della in con per che come lei noi nostro prezzo "
        "ciao grazie sì no molto quanto".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Only Spanish writes these; the acute accents (é, ó...) are Portuguese, French and Italian too.
_SPANISH_MARKS = set("ñ¿¡")


def _script(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    if name.startswith("CJK") or name.startswith("IDEOGRAPHIC"):
        return "CJK"
    if "LATIN" in name:
        return "LATIN"
    first = name.split(" ", 1)[0]
    return first if first in _SCRIPT_LANG else None


def _strip_protected(text: str) -> str:
    # Codes, URLs and numbers say nothing about the language around them.
    out, last = [], 0
    for start, end, _ in find_spans(text):
        out.append(text[last:start])
        out.append(" ")
        last = end
    out.append(text[last:])
    return "".join(out)


def detect_language(text: str, candidates: set[str] | None = None) -> str | None:
    """ISO 639-1 code, or None when unsure. `candidates` restricts the answer (installed languages)."""
    text = _strip_protected(text)
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _script(ch)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if letters == 0:
        return None
    # Japanese mixes kanji with kana: any meaningful kana share means Japanese, not Chinese.
    kana = counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0)
    if kana and kana * 10 >= counts.get("CJK", 0):
        return _allowed("ja", candidates)
    script, count = max(counts.items(), key=lambda kv: kv[1])
    if script != "LATIN" and count * 2 >= letters:
        return _allowed(_SCRIPT_LANG.get(script), candidates)
    return _allowed(_latin(text, candidates), candidates)


def _latin(text: str, candidates: set[str] | None) -> str | None:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None
    scores = {
        lang: sum(1 for w in words if w in vocabulary)
        for lang, vocabulary in _FUNCTION_WORDS.items()
        if candidates is None or lang in candidates
    }
    if "es" in scores and any(ch in _SPANISH_MARKS for ch in text.lower()):
        scores["es"] += 2
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if best_score == 0 or best_score == runner_up:
        return None
    return best


def _allowed(lang: str | None, candidates: set[str] | None) -> str | None:
    if lang is None or (candidates is not None and lang not in candidates):
        return None
    return lang
