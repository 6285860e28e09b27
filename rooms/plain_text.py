"""Rules for text one person types and others read: names, terms, product texts, messages.

Rendered as text everywhere, so markup is harmless; what is not is a character that changes how
the text *reads*: a line or paragraph separator that fakes a second line under a name, or a bidi
override or isolate that shows "gpj.exe" as "exe.jpg" or a price backwards. They are refused.
"""

from __future__ import annotations

import unicodedata

from rooms.errors import BadRequest

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")


# What shows nothing on a page: controls, format characters (zero-width space U+200B, word
# joiner…), spaces, separators, and combining marks with nothing to combine with.
_INVISIBLE = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"))


def visible(text: str) -> bool:
    """Whether `text` shows anything: a name or note of zero-width spaces only is a blank one."""
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in text)


def check_plain(value: str, what: str, max_length: int, *, multiline: bool = False) -> str:
    """`value` stripped: 1..max_length characters, something visible among them, and no control
    characters (with `multiline`, newlines and tabs are allowed)."""
    text = value.strip()
    # `field` says which one a page should point at and `reason` what is wrong with it, so that
    # the page says both in its own words, in its reader's language.
    if not visible(text):
        raise BadRequest(f"{what} must not be empty", field=what, reason="empty")
    if len(text) > max_length:
        raise BadRequest(f"{what} must be at most {max_length} characters", field=what, reason="too_long")
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in _CONTROL_CATEGORIES or ch in BIDI_CONTROLS:
            raise BadRequest(
                f"{what} must not contain control characters (U+{ord(ch):04X})", field=what, reason="control"
            )
    return text


def without_bidi_overrides(text: str) -> str:
    """Free text (a chat message, an inquiry) without bidi embeddings, overrides and isolates.

    A message is not refused for one (the sender may not know it is there), but it has no use in
    chat except making the text read as something else ("gnp.exe" shown as "exe.png"); the
    directional marks (U+200E, U+200F) that right-to-left writers do use are kept.
    """
    if not any(ch in BIDI_CONTROLS for ch in text):
        return text
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def free_text(value: str, what: str, max_length: int, *, required: bool) -> str:
    """Free text others read (a note, a description): without bidi overrides, trimmed, at most
    `max_length` characters; when `required`, with something visible in it."""
    text = without_bidi_overrides(value).strip()
    if not visible(text):
        if required:
            raise BadRequest(f"{what} must not be empty", field=what, reason="empty")
        text = ""
    if len(text) > max_length:
        raise BadRequest(f"{what} must be at most {max_length} characters", field=what, reason="too_long")
    return text
