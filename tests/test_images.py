"""Image uploads against the real server: real images, hostile files, who may upload, what is served."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import Image

from media.image_names import NAME_RE, WIDTHS
from tests.support import Server

OTHER_BOOTH = "valencia-ceramica"


def jpeg_with_gps(width: int = 1600, height: int = 900) -> bytes:
    img = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 0.0, 50.0), 3: "E", 4: (28.0, 58.0, 30.0)}  # GPSInfo
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif, quality=90)
    return buf.getvalue()


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


async def upload(server: Server, path: str, data: bytes, token: str | None, **headers: str) -> tuple[int, Any]:
    return await server.request("POST", path, token, data=data, headers={"Content-Type": "image/png", **headers})


async def fetch(server: Server, url: str) -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession() as h, h.get(server.url + url) as r:
        return r.status, await r.read(), dict(r.headers)


async def product_of(server: Server, slug: str) -> dict[str, Any]:
    status, booth = await server.get(f"/api/booths/{slug}")
    assert status == 200
    return dict(booth["products"][0])


async def test_a_photo_is_stored_without_metadata_in_every_size(fair_server: Server) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture does carry GPS
    token, _ = await fair_server.supplier()
    product = await product_of(fair_server, "shenzhen-brightway-led")
    status, data = await upload(fair_server, f"/api/products/{product['id']}/image", original, token,
                                **{"Content-Type": "image/jpeg"})  # fmt: skip
    assert status == 201, data
    assert (data["width"], data["height"]) == (1600, 900)
    assert set(data["image"]) == {str(w) for w in WIDTHS}
    for width in WIDTHS:
        url = data["image"][str(width)]
        assert NAME_RE.fullmatch(url.rsplit("/", 1)[1])
        code, body, headers = await fetch(fair_server, url)
        assert code == 200
        assert headers["Content-Type"] == "image/webp"
        assert "immutable" in headers["Cache-Control"]
        img = Image.open(io.BytesIO(body))
        assert img.format == "WEBP"
        assert img.width == width and img.height == round(900 * width / 1600)
        assert not img.getexif()  # no EXIF at all, so no GPS and no camera make
        assert "exif" not in img.info and "xmp" not in img.info and "icc_profile" not in img.info
        assert b"SecretCam" not in body
    # The product now carries it, in the booth page's payload.
    assert (await product_of(fair_server, "shenzhen-brightway-led"))["image"] == data["image"]


async def test_logo_and_cover_show_on_the_booth_and_in_the_lobby(fair_server: Server) -> None:
    token, user = await fair_server.supplier()
    booth_id = user["booth_id"]
    s1, logo = await upload(fair_server, f"/api/booths/{booth_id}/images/logo", png(400, 400, "RGBA"), token)
    s2, cover = await upload(fair_server, f"/api/booths/{booth_id}/images/cover", png(1920, 600), token)
    assert (s1, s2) == (201, 201), (logo, cover)
    _, lobby = await fair_server.get("/api/booths")
    mine = next(b for b in lobby if b["id"] == booth_id)
    assert mine["logo"] == logo["image"] and mine["cover"] == cover["image"]
    # A small logo is never enlarged: its 960 size keeps 400 px.
    _, body, _ = await fetch(fair_server, logo["image"]["960"])
    assert Image.open(io.BytesIO(body)).size == (400, 400)
    status, _ = await fair_server.request("DELETE", f"/api/booths/{booth_id}/images/logo", token)
    assert status == 204
    _, detail = await fair_server.get(f"/api/booths/{booth_id}")
    assert detail["logo"] is None and detail["cover"] == cover["image"]


# `reason` lets the console say why in the supplier's language: a huge but real PNG is "too many
# pixels", not "send a JPEG, PNG or WebP" (Pillow's own guard fired before our check).
@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("text renamed .png", b"this is not an image at all, just text\n" * 20, "format"),
        ("zip file renamed .png", b"", "format"),  # filled in below
        ("20000x20000 PNG bomb", b"", "dimensions"),
        ("8000x8000 all-zero PNG (compresses to ~100 KB)", b"", "dimensions"),
        ("truncated PNG", b"", "unreadable"),
        ("GIF (not accepted)", b"", "format"),
        ("empty body", b"", "empty"),
    ],
)
async def test_hostile_files_are_refused_and_nothing_is_stored(fair_server: Server, name: str, data: bytes,
                                                                reason: str) -> None:  # fmt: skip
    if name.startswith("zip"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a.bin", b"\0" * 20_000_000)
        data = buf.getvalue()
    elif name.startswith("20000"):
        data = png(20000, 20000, "1")  # a few kilobytes on the wire, 400 megapixels decoded
    elif name.startswith("8000"):
        data = png(8000, 8000, "L")
    elif name.startswith("truncated"):
        data = png(600, 600)[:200]
    elif name.startswith("GIF"):
        buf = io.BytesIO()
        Image.new("RGB", (50, 50)).save(buf, format="GIF")
        data = buf.getvalue()
    assert len(data) < 8 * 1024 * 1024
    token, user = await fair_server.supplier()
    status, body = await upload(fair_server, f"/api/booths/{user['booth_id']}/images/cover", data, token)
    assert status == 400, (name, body)
    assert body["error"]["code"] == "bad_request" and body["error"]["reason"] == reason, body
    images = fair_server.settings.effective_media_dir / "images"
    assert not images.exists() or not any(images.iterdir())
    _, detail = await fair_server.get(f"/api/booths/{user['booth_id']}")
    assert detail["cover"] is None


async def test_only_that_booths_staff_may_upload(fair_server: Server) -> None:
    image = png(64, 64)
    _, user = await fair_server.supplier()
    booth_id = user["booth_id"]
    product = await product_of(fair_server, "shenzhen-brightway-led")
    buyer, _ = await fair_server.guest()
    other, _ = await fair_server.supplier(OTHER_BOOTH)
    moderator, _ = await fair_server.moderator()
    for token, expected in ((None, 401), (buyer, 403), (other, 403), (moderator, 403)):
        for path in (f"/api/booths/{booth_id}/images/logo", f"/api/products/{product['id']}/image"):
            status, body = await upload(fair_server, path, image, token)
            assert status == expected, (path, body)
        status, _ = await fair_server.request("DELETE", f"/api/products/{product['id']}/image", token)
        assert status == expected
    status, body = await upload(fair_server, "/api/products/999999/image", image, other)
    assert status == 404, body


async def test_a_body_above_8_mib_is_413_and_small_routes_keep_their_cap(fair_server: Server) -> None:
    token, user = await fair_server.supplier()
    status, body = await upload(fair_server, f"/api/booths/{user['booth_id']}/images/logo",
                                b"\x89PNG" + b"\0" * (8 * 1024 * 1024), token)  # fmt: skip
    assert status == 413 and body["error"]["code"] == "too_long"


    async def chunked() -> AsyncIterator[bytes]:  # no length to check up front: counted as it comes
        yield b"\x89PNG"
        for _ in range(9):
            yield b"\0" * (1024 * 1024)

    status, body = await fair_server.request("POST", f"/api/booths/{user['booth_id']}/images/logo", token,
                                             data=chunked(), headers={"Content-Type": "image/png"})  # fmt: skip
    assert status == 413 and body["error"] == {"code": "too_long", "message": body["error"]["message"],
                                               "reason": "too_big"}  # fmt: skip
    # The larger cap is for the upload routes only: a 1 MB lead note is still refused.
    status, body = await fair_server.request("POST", "/api/auth/guest", data=b"{" + b" " * 1_000_000 + b"}",
                                             headers={"Content-Type": "application/json"})  # fmt: skip
    assert status == 413


async def test_uploads_are_rate_limited(fair_server: Server) -> None:
    token, user = await fair_server.supplier()
    image = png(32, 32)
    statuses = [
        (await upload(fair_server, f"/api/booths/{user['booth_id']}/images/logo", image, token))[0]
        for _ in range(16)
    ]
    assert statuses[0] == 201
    assert 429 in statuses


async def test_image_names_are_the_only_files_served(fair_server: Server) -> None:
    for name in ("../../etc/passwd", "x.webp", "0" * 32 + "-100.webp", "0" * 32 + "-320.webp"):
        status, _, _ = await fetch(fair_server, f"/media/images/{name}")
        assert status == 404, name
