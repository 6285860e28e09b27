"""Every interface language against English: the same keys, the same `{placeholders}`, no empty
strings, and exactly the plural forms its language needs (CLDR's categories, from Node's Intl).

The dictionaries are ES modules (web/static/i18n/<lang>.js); Node imports them as the browser does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
LANGS = ["en", "zh", "zh-Hant", "es", "pt", "fr", "de", "ru", "ar", "ja", "ko", "vi", "tr", "id"]
PLURAL_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<cat>zero|one|two|few|many)$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# CLDR's "many" for French, Spanish, Portuguese and Italian is for exact millions ("un million
# de pièces"); the plain form ("1 000 000 pièces") reads right there, so it is optional.
OPTIONAL = {"fr": {"many"}, "es": {"many"}, "pt": {"many"}}
# Categories that hold a single number may spell it out (Arabic "منتجان", two products); every
# other form shows {n}: Russian "one" is 21 and 31 too, French "one" is 0 too.
EXACT = {"ar": {"zero", "one", "two"}}

LOAD = """
const langs = JSON.parse(process.argv[1]);
const out = {};
for (const lang of langs) {
  const strings = (await import(`${process.argv[2]}/i18n/${lang}.js`)).default;
  const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
  out[lang] = { strings, categories };
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def dictionaries() -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node 20 is needed (scripts/test installs it)"
    run = subprocess.run(
        [node, "--input-type=module", "-e", LOAD, json.dumps(LANGS), STATIC.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(run.stdout)
    return loaded


def split(strings: dict[str, str]) -> tuple[set[str], dict[str, set[str]]]:
    """(plain keys, {plural base: its categories})."""
    plain: set[str] = set()
    plural: dict[str, set[str]] = {}
    for key in strings:
        m = PLURAL_SUFFIX.match(key)
        if m:
            plural.setdefault(m["base"], set()).add(m["cat"])
        else:
            plain.add(key)
    return plain, plural


@pytest.mark.parametrize("lang", LANGS)
def test_no_key_is_written_twice(lang: str) -> None:
    # A JS object literal keeps the last of two equal keys silently: two engineers adding the same
    # key would hide one translation.
    keys = re.findall(r"^\s*'([^']+)':", (STATIC / "i18n" / f"{lang}.js").read_text(), re.M)
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


def test_the_helpers_offer_exactly_these_languages() -> None:
    source = (STATIC / "i18n.js").read_text()
    m = re.search(r"export const UI_LANGS = Object\.freeze\(\[(.*?)\]\)", source, re.S)
    assert m, "UI_LANGS not found in i18n.js"
    assert re.findall(r"'([\w-]+)'", m[1]) == LANGS
    assert sorted(p.stem for p in (STATIC / "i18n").glob("*.js")) == sorted(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_language_file_matches_english(dictionaries: dict[str, Any], lang: str) -> None:
    en: dict[str, str] = dictionaries["en"]["strings"]
    strings: dict[str, str] = dictionaries[lang]["strings"]
    en_plain, en_plural = split(en)
    plain, plural = split(strings)

    assert sorted(en_plain - plain) == [], f"{lang}: missing keys"
    assert sorted(plain - en_plain) == [], f"{lang}: keys English doesn't have"
    assert sorted(set(plural) - set(en_plural)) == [], f"{lang}: plural forms of non-plural keys"

    needed = set(dictionaries[lang]["categories"]) - {"other"}
    optional = OPTIONAL.get(lang, set())
    for base in en_plural:
        have = plural.get(base, set())
        assert needed - optional <= have <= needed, (
            f"{lang}: {base} has forms {sorted(have)}, needs {sorted(needed)}"
        )

    for key, value in strings.items():
        assert isinstance(value, str) and value.strip(), f"{lang}: {key} is empty"
        m = PLURAL_SUFFIX.match(key)
        expected = set(PLACEHOLDER.findall(en[m["base"]] if m else en[key]))
        found = set(PLACEHOLDER.findall(value))
        if m and m["cat"] in EXACT.get(lang, set()):
            expected.discard("n")
            found.discard("n")
        assert found == expected, f"{lang}: {key} placeholders"
