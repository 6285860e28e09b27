"""Where a stored image's sizes live: names and URLs only, no Pillow (the domain's payloads use it)."""

from __future__ import annotations

import re

MAX_BYTES = 8 * 1024 * 1024  # an upload's body; the only API body above the 64 KiB cap
WIDTHS = (320, 960)
NAME_RE = re.compile(r"([0-9a-f]{32})-(\d{3,4})\.webp")
KEY_RE = re.compile(r"[0-9a-f]{32}")


def image_url(key: str, width: int) -> str:
    return f"/media/images/{key}-{width}.webp"


def image_urls(key: str | None) -> dict[str, str] | None:
    """A payload's image: one URL per thumbnail width (`"320"`, `"960"`), or None."""
    if not key:
        return None
    return {str(w): image_url(key, w) for w in WIDTHS}
