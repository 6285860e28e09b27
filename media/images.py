"""Uploaded images (booth logos and covers, product photos): checked, re-encoded, thumbnailed.

An upload is never stored as sent. Pillow opens it and the *decoded* format must be JPEG, PNG or
WebP whatever the name or Content-Type said; the pixel count is checked from the header before a
single pixel is decoded (a 20000×20000 PNG is a few kilobytes on the wire and 1.6 GB in memory),
and decoding itself runs under Pillow's own bomb limit. Every size we keep is a fresh encode of
the pixels alone, so EXIF (GPS included), XMP, ICC comments and text chunks never reach a buyer.

Files are named by the SHA-256 of the original bytes: the same upload twice is one set of files,
a name never changes content, and so they are served with an immutable cache header
(`{media_dir}/images/{hash}-{width}.webp`, served by nginx in production).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from media.image_names import MAX_BYTES, NAME_RE, WIDTHS, image_url

MAX_PIXELS = 25_000_000  # a 6000×4000 camera photo fits; decoded it is 75 MB of RGB, a bomb is refused first
MAX_SIDE = 12_000
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
QUALITY = 82
CONTENT_TYPE = "image/webp"

# Pillow's own guard for whatever slips past the header check (it raises above twice this).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(ValueError):
    """The upload is not an image we keep; the message is for the uploader, `reason` for a page
    that says it in the uploader's language: empty, too_big, format, unreadable, dimensions or
    animated."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StoredImage:
    key: str  # the content hash every size's file name starts with
    width: int
    height: int

    def url(self, width: int) -> str:
        return image_url(self.key, width)


def _open_checked(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected("the body is empty", "empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"an image may be at most {MAX_BYTES // (1024 * 1024)} MiB", "too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A real image whose header says it is huge: Pillow's guard fires before our own check.
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise ImageRejected("send a JPEG, PNG or WebP image", "format") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("the image cannot be read", "unreadable") from None
    width, height = img.size
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if getattr(img, "n_frames", 1) > 1:
        raise ImageRejected("animated images are not accepted", "animated")
    return img


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(f"an image may have at most {MAX_PIXELS:,} pixels and {MAX_SIDE} per side", "dimensions")


def process(data: bytes) -> tuple[str, int, int, dict[int, bytes]]:
    """Check `data` and encode every thumbnail: (key, width, height, {width: WebP bytes})."""
    img = _open_checked(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("the image cannot be read", "unreadable") from None
    # A phone photo is stored sideways with an orientation tag: apply it before the tag goes.
    upright = ImageOps.exif_transpose(img)
    rgb = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
    out: dict[int, bytes] = {}
    for width in WIDTHS:
        copy = rgb.copy()
        if copy.width > width:
            copy = copy.resize((width, max(1, round(copy.height * width / copy.width))), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        # Only pixels are written: no `exif=`, `icc_profile=` or `xmp=` argument, so none is kept.
        copy.save(buf, format="WEBP", quality=QUALITY, method=4)
        out[width] = buf.getvalue()
    key = hashlib.sha256(data).hexdigest()[:32]
    return key, upright.width, upright.height, out


class ImageStore:
    """`{media_dir}/images/`: written once per content hash, read by name shape only."""

    def __init__(self, media_root: Path) -> None:
        self.dir = media_root / "images"

    def save(self, data: bytes) -> StoredImage:
        """Validate, re-encode and store (blocking: run it in a thread)."""
        key, width, height, sizes = process(data)
        self.dir.mkdir(parents=True, exist_ok=True)
        for w, encoded in sizes.items():
            final = self.dir / f"{key}-{w}.webp"
            try:
                # Already stored: refresh its age, so the pruner (rooms/retention.py) leaves files
                # an upload is about to name alone even if nothing named them a moment ago.
                os.utime(final)
                continue
            except FileNotFoundError:
                pass
            tmp = self.dir / f".{key}-{w}.{os.getpid()}.tmp"
            tmp.write_bytes(encoded)
            os.replace(tmp, final)  # readers (and nginx) never see half a file
        return StoredImage(key, width, height)

    def servable(self, name: str) -> Path | None:
        m = NAME_RE.fullmatch(name)
        if m is None or int(m.group(2)) not in WIDTHS:
            return None
        path = self.dir / name
        try:
            st = path.lstat()
        except OSError:
            return None
        return path if stat.S_ISREG(st.st_mode) else None

    def keys_older_than(self, age_s: float, keys: set[str] | None = None) -> set[str]:
        """The stored keys (of `keys`, or all) having a file not changed for `age_s` seconds."""
        now = time.time()
        found: set[str] = set()
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return found
        for entry in entries:
            m = NAME_RE.fullmatch(entry.name)
            if m is None or (keys is not None and m.group(1) not in keys):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime >= age_s:
                    found.add(m.group(1))
        return found

    def remove_keys(self, keys: set[str], age_s: float) -> int:
        """Remove every size of `keys` still `age_s` old (checked again per file); how many went."""
        removed = 0
        now = time.time()
        for key in keys:
            for width in WIDTHS:
                path = self.dir / f"{key}-{width}.webp"
                with contextlib.suppress(FileNotFoundError):
                    if now - path.lstat().st_mtime < age_s:
                        continue  # just re-uploaded: about to be named again
                    path.unlink()
                    removed += 1
        return removed
