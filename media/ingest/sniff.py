"""What a browser's first MediaRecorder bytes contain, decided before any ffmpeg is spawned.

Chromium may deliver the WebM header over several chunks (its first `dataavailable` can be a
single byte), so the header is gathered until the track's CodecID shows up.
"""

from __future__ import annotations

from typing import Literal

Codec = Literal["h264", "vp8", "vp9", "other"]

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
HEADER_LIMIT = 64 * 1024  # the Tracks element comes within the first few hundred bytes

# Matroska CodecID strings as they appear in the Tracks element of the header.
_CODEC_IDS: tuple[tuple[bytes, Codec], ...] = (
    (b"V_MPEG4/ISO/AVC", "h264"),
    (b"V_VP8", "vp8"),
    (b"V_VP9", "vp9"),
    (b"V_AV1", "other"),
)


def _from_hint(mime_hint: str) -> Codec:
    hint = mime_hint.lower()
    if "h264" in hint or "avc1" in hint:
        return "h264"
    if "vp9" in hint:
        return "vp9"
    if "vp8" in hint:
        return "vp8"
    return "other"


def sniff_webm(head: bytes, mime_hint: str = "") -> Codec | None:
    """The video codec of a complete WebM/Matroska header, or None when it is not one.

    None means "refuse": nothing but an EBML header may start an ingest, so garbage never reaches
    ffmpeg. A valid header whose codec is not found falls back to the browser's MIME hint, then to
    "other" (transcoded, which works for anything ffmpeg can decode).
    """
    if not head.startswith(EBML_MAGIC):
        return None
    for needle, codec in _CODEC_IDS:
        if needle in head[:HEADER_LIMIT]:
            return codec
    return _from_hint(mime_hint)


class HeaderSniffer:
    """Gathers the first chunks until they prove to be WebM (and say which codec) or not."""

    def __init__(self, mime_hint: str = "") -> None:
        self.mime_hint = mime_hint
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> Codec | Literal["more"] | None:
        self.buffer += chunk
        prefix = bytes(self.buffer[: len(EBML_MAGIC)])
        if not EBML_MAGIC.startswith(prefix):
            return None
        if len(self.buffer) < len(EBML_MAGIC):
            return "more"
        head = bytes(self.buffer[:HEADER_LIMIT])
        for needle, codec in _CODEC_IDS:
            if needle in head:
                return codec
        if len(self.buffer) >= HEADER_LIMIT:
            return _from_hint(self.mime_hint)
        return "more"
