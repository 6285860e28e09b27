"""What a browser's first MediaRecorder chunk contains, decided before any ffmpeg is spawned."""

from __future__ import annotations

from typing import Literal

Codec = Literal["h264", "vp8", "vp9", "other"]

EBML_MAGIC = b"\x1a\x45\xdf\xa3"

# Matroska CodecID strings as they appear in the Tracks element of the header chunk.
_CODEC_IDS: tuple[tuple[bytes, Codec], ...] = (
    (b"V_MPEG4/ISO/AVC", "h264"),
    (b"V_VP8", "vp8"),
    (b"V_VP9", "vp9"),
    (b"V_AV1", "other"),
)


def sniff_webm(first_chunk: bytes, mime_hint: str = "") -> Codec | None:
    """The video codec of a WebM/Matroska stream, or None when it is not one.

    None means "refuse": nothing but an EBML header may start an ingest, so garbage never reaches
    ffmpeg. A valid header whose codec is not found falls back to the browser's MIME hint, then to
    "other" (transcoded, which works for anything ffmpeg can decode).
    """
    if not first_chunk.startswith(EBML_MAGIC):
        return None
    head = first_chunk[:8192]
    for needle, codec in _CODEC_IDS:
        if needle in head:
            return codec
    hint = mime_hint.lower()
    if "h264" in hint or "avc1" in hint:
        return "h264"
    if "vp9" in hint:
        return "vp9"
    if "vp8" in hint:
        return "vp8"
    return "other"
