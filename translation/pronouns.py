"""Who does what: personal pronouns whose person changed between the source and the output.

A small model keeps the facts and swaps the people: "你们能送到他们仓库吗？" ("can you deliver to
their warehouse?", the forwarder's) came out "can you deliver to our warehouse?"; "we can ship"
came out "you can ship"; "感谢…Carlos加入我们！" lost "joining us" and with it the "us". Numbers,
terms and the lexicon cannot see that; the persons named can.

Each language's explicit pronouns are sorted into persons (1s, 1p, 2, 3s, 3p). A translation has
*shifted* when the output names a person the source does not while the source names one the
output does not (a swap), or, into English, when the source names a person the English does not
(a drop: Chinese and Spanish leave subjects out, English keeps them, so only a drop into English
means something). Spanish verb endings carry the person without a pronoun, and "su" is anyone's,
so Spanish counts only its explicit pronouns; a language without a table is never judged here.

A Chinese source that names nobody is not judged either, though its translation must pick a
person ("可以用信用卡付款吗？", may I pay by card, came out "can you pay by credit card?"): on the
held-out outputs, Chinese sources that name nobody translated with a pronoun were wrong less often
(46% of 317) than Chinese sources overall (58%), so such a rule would only cost sure translations.
"""

from __future__ import annotations

import re

from translation.protect import PLACEHOLDER_RE

_EN = {
    "1s": "i me my mine myself",
    "1p": "we us our ours ourselves",
    "2": "you your yours yourself yourselves u ur",
    "3s": "he him his she her hers",
    "3p": "they them their theirs themselves",
}
_ES = {
    "1s": "yo me mí mi mis mío mía míos mías conmigo",
    "1p": "nosotros nosotras nos nuestro nuestra nuestros nuestras",
    "2": "tú tu tus te ti contigo usted ustedes vosotros vosotras vuestro vuestra",
    "3s": "él ella",
    "3p": "ellos ellas",
}
_ZH = {  # longest first: 我们 is 1p, not 1s
    "1p": ("我们", "咱们", "我司", "我方"),
    "2": ("你们", "您", "你", "贵司", "贵方"),
    "3p": ("他们", "她们"),
    "3s": ("他", "她"),
    "1s": ("我",),
}
# Words that hold a pronoun's characters without being one: 其他 "other", 吉他 "guitar", 迷你 "mini",
# and the greetings 你好/您好/你们好: "hello" names nobody, so "你好，价格含税吗？" → "Hi, does the
# price include tax?" drops no "you".
_ZH_NOT = re.compile("其他|其它|吉他|迷你|你们好|你好|您好")
_WORD = re.compile(r"[^\W\d_]+")
_WORDS: dict[str, dict[str, str]] = {
    lang: {w: person for person, words in table.items() for w in words.split()}
    for lang, table in (("en", _EN), ("es", _ES))
}
_ZH_RE = re.compile("|".join(w for ws in _ZH.values() for w in sorted(ws, key=len, reverse=True)))
_ZH_PERSON = {w: person for person, ws in _ZH.items() for w in ws}


def persons(text: str, lang: str) -> frozenset[str] | None:
    """The persons `text` names with explicit pronouns; None for a language without a table."""
    text = PLACEHOLDER_RE.sub(" ", text)
    if lang == "zh":
        return frozenset(_ZH_PERSON[m] for m in _ZH_RE.findall(_ZH_NOT.sub(" ", text)))
    words = _WORDS.get(lang)
    if words is None:
        return None
    # "US" is a country; "us" and "Us" are people.
    return frozenset(
        p for w in _WORD.findall(text) if w != "US" and (p := words.get(w.casefold())) is not None
    )


def shifted(source: str, output: str, source_lang: str, target_lang: str) -> bool:
    """True when the output's people are not the source's (see the module docstring)."""
    have, got = persons(source, source_lang), persons(output, target_lang)
    if have is None or got is None:
        return False
    added, lost = got - have, have - got
    if added and lost:
        return True
    return target_lang == "en" and bool(lost)
