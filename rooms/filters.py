"""Word and link filters: pure functions over a message's text, no I/O.

Terms match whole words, case-insensitively, in any script that separates words; a term written
in a script that does not (Chinese, Japanese, Thai, ...) matches as a substring, because there
is no boundary to find. Text is also checked in its NFKC form, so full-width or ligature
spellings ("ｓｐａｍ") do not slip past a list written in plain letters.

Links: a URL with a scheme, `www.` host, or a bare `host.tld`; e-mail addresses are not links
(buyers exchange them on purpose). The link policy applies to buyers' originals only: staff
share their own website, and a translation carries the original's links unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

LinkPolicy = Literal["off", "block", "allowlist"]
MASK = "***"
MAX_TERMS = 500
MAX_TERM_LENGTH = 80
MAX_DOMAINS = 200

# Scripts written without spaces between words: a term containing one matches as a substring.
_NO_SPACES = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)
_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://[^\s<>\"']+)"  # scheme://...
    r"|(?<![\w@.-])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w@-])(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]*@)?([^/:?#\s]+)", re.IGNORECASE)


def normalize_term(term: str) -> str:
    """How a term is stored: NFKC, trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", term).split())


def normalize_domain(domain: str) -> str:
    d = domain.strip().lower().removeprefix("*.").rstrip(".")
    if d.isascii():
        return d
    try:
        return d.encode("idna").decode("ascii")
    except UnicodeError:
        return d  # not a valid name: the caller refuses it (or it matches nothing)


def _term_pattern(term: str) -> str:
    body = r"\s+".join(re.escape(word) for word in term.split())
    if _NO_SPACES.search(term):
        return body
    return rf"(?<!\w){body}(?!\w)"


@dataclass(frozen=True, slots=True)
class Rules:
    """The fair's filter lists, compiled once per change."""

    terms: tuple[str, ...] = ()
    link_policy: LinkPolicy = "off"
    allowed_domains: tuple[str, ...] = ()
    version: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(
        cls, terms: list[str], link_policy: LinkPolicy, allowed_domains: list[str], version: int = 0
    ) -> Rules:
        clean = tuple(dict.fromkeys(t for t in (normalize_term(t) for t in terms) if t))
        # Longest first, so "free sample" is masked whole rather than "free" inside it.
        ordered = sorted(clean, key=len, reverse=True)
        pattern = re.compile("|".join(_term_pattern(t) for t in ordered), re.IGNORECASE) if ordered else None
        domains = tuple(dict.fromkeys(normalize_domain(d) for d in allowed_domains if d.strip()))
        return cls(clean, link_policy, domains, version, pattern)


def _canonical(rules: Rules, matched: str) -> str:
    """The list entry a match came from (its spelling in the list, not the message's)."""
    folded = " ".join(matched.split()).casefold()
    return next((t for t in rules.terms if t.casefold() == folded), matched)


def find_terms(text: str, rules: Rules) -> list[str]:
    """The blocked terms in `text` (in their listed spelling), each once, in order of appearance."""
    if rules._pattern is None:
        return []
    found: dict[str, None] = {}
    for candidate in dict.fromkeys((text, unicodedata.normalize("NFKC", text))):
        for m in rules._pattern.finditer(candidate):
            found[_canonical(rules, unicodedata.normalize("NFKC", m.group(0)))] = None
    return list(found)


def mask_terms(text: str, rules: Rules) -> tuple[str, list[str]]:
    """`text` with every blocked term replaced by `***`, and the terms that were found.

    When a term only shows in the NFKC form (full-width letters), the NFKC form is what is
    masked: that changes how a few characters look, never what the text says.
    """
    terms = find_terms(text, rules)
    if not terms or rules._pattern is None:
        return text, []
    masked = rules._pattern.sub(MASK, text)
    if masked == text:
        masked = rules._pattern.sub(MASK, unicodedata.normalize("NFKC", text))
    return masked, terms


def find_links(text: str) -> list[str]:
    return [m.group(0) for m in _URL.finditer(unicodedata.normalize("NFKC", text))]


def link_host(link: str) -> str:
    m = _HOST.match(link)
    return normalize_domain(m.group(1)) if m else ""


def refused_links(text: str, rules: Rules) -> list[str]:
    """The links in `text` the policy does not allow (none when the policy is off)."""
    if rules.link_policy == "off":
        return []
    links = find_links(text)
    if rules.link_policy == "block":
        return links
    return [link for link in links if not _allowed(link_host(link), rules.allowed_domains)]


def _allowed(host: str, domains: tuple[str, ...]) -> bool:
    host = host.removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)
