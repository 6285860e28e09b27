"""Guest names that pass for the fair's own people: "Admin", "Moderator (staff)", "官方客服".

A guest called "Admin" wrote "Official notice from Admin: this booth is closed, send payment to
https://bit.ly/…", and buyers read it in their chat (a user try). Staff lines carry a role badge
(supplier, moderator), but a name is what people read first, so guest sign-in refuses names that
claim a role or an office, in the languages the fair speaks. Staff accounts are named by the
organiser (`boothcast users`) and are not checked.

Latin, Cyrillic and other spaced scripts match whole words ("Badminton Supplies" is fine); Chinese,
Japanese, Korean and Arabic words match anywhere in the name, as those scripts (or the way names are
written in them) do not separate words with spaces.
"""

from __future__ import annotations

import re
import unicodedata

from rooms.errors import BadRequest

# Whole words, case-folded.
_WORDS = frozenset({
    "admin", "admins", "administrator", "administrators", "administrador", "administradora", "administração",
    "administrateur", "administratrice", "administración", "amministratore", "sysadmin",
    "moderator", "moderators", "mod", "mods", "moderador", "moderadora", "modérateur", "moderateur", "modératrice",
    "moderatör", "staff", "official", "officially", "oficial", "officiel", "officielle", "offiziell",
    "support", "soporte", "suporte", "helpdesk", "organizer", "organiser", "organizador", "organisateur",
    "veranstalter", "boothcast", "yönetici",
    "админ", "администратор", "администрация", "модератор", "официальный", "поддержка",
    "penyelenggara", "pengelola",
})  # fmt: skip
# Several words (matched on the name's words joined by single spaces).
_PHRASES = ("quản trị", "quản trị viên", "chính thức", "hỗ trợ", "ban tổ chức", "customer service")
# Anywhere in the name.
_ANYWHERE = (
    "管理员", "管理員", "官方", "客服", "主办方", "主辦方", "版主", "系统消息", "系統訊息", "工作人员", "工作人員",
    "管理者", "運営", "公式", "モデレーター", "スタッフ",
    "관리자", "운영자", "공식", "운영진",
    "الإدارة", "إدارة", "ادارة", "المشرف", "مشرف", "رسمي", "الدعم",
)  # fmt: skip

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def claims_a_role(name: str) -> bool:
    """Whether `name` passes for staff: a reserved word, phrase, or (CJK, Arabic) term in it."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    words = _WORD.findall(folded)
    if any(w in _WORDS for w in words):
        return True
    joined = " ".join(words)
    if any(f" {p} " in f" {joined} " for p in _PHRASES):
        return True
    squeezed = "".join(words)
    return any(term in squeezed for term in _ANYWHERE)


def check_guest_name(name: str) -> str:
    """`name`, or `BadRequest` (reason `staff_name`) when it passes for the fair's own people."""
    if claims_a_role(name):
        raise BadRequest(
            "display_name: names like Admin, Moderator or Official are kept for the fair's own people;"
            " choose your own name",
            field="display_name", reason="staff_name",
        )  # fmt: skip
    return name
