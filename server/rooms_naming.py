"""Socket.IO room names, from one place."""

from __future__ import annotations

LOBBY_ROOM = "lobby"


def booth_room(booth_id: int) -> str:
    """Everyone who joined the booth."""
    return f"b:{booth_id}"


def lang_room(booth_id: int, lang: str, *, batch: bool) -> str:
    """Members reading `lang`, split by how they asked to receive chat (`chat:batch` or not)."""
    return f"b:{booth_id}:{lang}:{'b' if batch else 'm'}"


def staff_room(booth_id: int) -> str:
    return f"b:{booth_id}:staff"


def user_room(user_id: int) -> str:
    return f"u:{user_id}"


def mod_room(lang: str) -> str:
    return f"mods:{lang}"
