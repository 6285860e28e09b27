"""Text others read: names refuse characters that change how they read; free text drops them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.chat import check_chat_text
from rooms.errors import BadRequest
from rooms.plain_text import BIDI_CONTROLS, check_plain, without_bidi_overrides


def test_a_message_loses_its_overrides_and_keeps_its_marks() -> None:
    # "gnp.exe" under a right-to-left override shows as "exe.png"; the file is still an .exe.
    assert check_chat_text("see \u202egnp.exe\u202c now", 2000) == "see gnp.exe now"
    assert check_chat_text("\u2067مرحبا\u2069 MOQ 500", 2000) == "مرحبا MOQ 500"
    rtl = "السعر \u200f500\u200f دولار"  # right-to-left marks: what Arabic writers use, kept
    assert check_chat_text(rtl, 2000) == rtl
    with pytest.raises(BadRequest):
        check_chat_text("\u202e\u202c  ", 2000)  # nothing left but spaces: empty


@given(st.text(max_size=200))
def test_no_override_survives_and_nothing_else_changes(text: str) -> None:
    out = without_bidi_overrides(text)
    assert not any(ch in BIDI_CONTROLS for ch in out)
    assert out == "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def test_names_refuse_what_would_make_them_read_otherwise() -> None:
    assert check_plain("  José «Pepe» Núñez  ", "name", 80) == "José «Pepe» Núñez"
    for bad in ("Ana\u202eenimda", "Li\u2028Wei", "Bob\nAdmin", "\x07x"):
        with pytest.raises(BadRequest, match="control characters"):
            check_plain(bad, "name", 80)
    assert check_plain("line one\nline two", "description", 80, multiline=True) == "line one\nline two"
    with pytest.raises(BadRequest, match="at most 3"):
        check_plain("abcd", "name", 3)


def test_text_of_invisible_characters_only_is_blank() -> None:
    """A user try saved a glossary term, a product name and a lead note of only U+200B: a blank
    banner, a blank choice in the inquiry's product list, an empty note."""
    from rooms.plain_text import free_text

    for blank in ("\u200b", " \u200b\u2060 ", "\u200d\u200c", "\u0301"):
        with pytest.raises(BadRequest, match="empty"):
            check_plain(blank, "name", 80)
        with pytest.raises(BadRequest, match="empty"):
            check_chat_text(blank, 2000)
        with pytest.raises(BadRequest, match="empty"):
            free_text(blank, "text", 100, required=True)
    assert free_text(" \u200b ", "note", 100, required=False) == ""  # optional: blank
    assert free_text("Pago\u202eogap", "text", 100, required=True) == "Pagoogap"
    assert check_plain("Li\u200dWei", "name", 80) == "Li\u200dWei"  # a joiner among letters is fine
