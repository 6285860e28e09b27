"""Image uploads (a booth's logo and cover, a product's photo) and the stored files.

The body is the image itself (`Content-Type: image/jpeg|png|webp`, or anything: the type is
decided by decoding, never by the header). These are the only routes allowed a body above the
64 KiB API cap (`UPLOAD_PATH` in `server/http_edge.py`), up to `media.images.MAX_BYTES`;
the caller's role is checked and the upload counted against their rate limit before a byte of
the body is read. Removing an image counts against the same limit. When a row stops naming a
key (removed or replaced), that key's files are removed once nothing else names them and they
are older than an upload in flight could be (rooms/retention.py), not left on disk for ever.
Decoding runs in a thread, at most `DECODERS` at once per node, so a burst of
large photos cannot take every core or a gigabyte of memory.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from media.image_names import MAX_BYTES, image_urls
from media.images import ImageRejected, ImageStore, StoredImage
from rooms.errors import BadRequest, TooLong
from rooms.images import (
    BoothImage,
    check_booth_staff,
    check_product_staff,
    do_set_booth_image,
    do_set_product_image,
)
from rooms.retention import remove_unused_images
from server import responses
from server.api_routes import api_routes
from server.http_api import id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR, SETTINGS

log = logging.getLogger(__name__)

UPLOADS_PER_MINUTE = 2.0
UPLOAD_BURST = 12
DECODERS = 2
IMAGE_CACHE = "public, max-age=31536000, immutable"  # a name is its content's hash

STORE = web.AppKey("image_store", ImageStore)
DECODE_SLOTS = web.AppKey("image_decode_slots", asyncio.Semaphore)


async def _read_upload(request: web.Request) -> bytes:
    if request.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise BadRequest("send the image uncompressed (no Content-Encoding)")
    if request.content_length is not None and request.content_length > MAX_BYTES:
        raise TooLong(f"an image may be at most {MAX_BYTES // (1024 * 1024)} MiB", reason="too_big")

    async def read_capped() -> bytes:
        chunks: list[bytes] = []
        size = 0
        # `request.read()` stops at the app's 64 KiB cap; a chunked body has no length to check.
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                raise TooLong(f"an image may be at most {MAX_BYTES // (1024 * 1024)} MiB", reason="too_big")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        # Slowly sent bytes are waited on for a bounded time, as any other body (server/http_api.py).
        data = await asyncio.wait_for(read_capped(), request.app[SETTINGS].header_timeout * 4)
    except TimeoutError:
        raise BadRequest("the image did not arrive in time") from None
    if not data:
        raise BadRequest("the body must be the image (JPEG, PNG or WebP)", reason="empty")
    return data


async def _store(request: web.Request, data: bytes) -> StoredImage:
    async with request.app[DECODE_SLOTS]:
        try:
            return await asyncio.to_thread(request.app[STORE].save, data)
        except ImageRejected as exc:
            raise BadRequest(str(exc), reason=exc.reason) from None


async def _limit(request: web.Request, user_id: int) -> None:
    # Uploads and removals share one bucket: each is a write, and a removal frees the next upload.
    await request.app[FAIR].limiter.hit(
        f"image-upload:{user_id}", per_minute=UPLOADS_PER_MINUTE, burst=UPLOAD_BURST,
        message="too many image changes; try again shortly",
    )  # fmt: skip


async def _forget(request: web.Request, previous: str | None, now: str | None) -> None:
    """Remove the replaced key's files if nothing names them any more (a failure only logs:
    the row is already right, and the pruner tries again)."""
    if previous is None or previous == now:
        return
    try:
        await remove_unused_images(request.app[FAIR].db, request.app[STORE], {previous})
    except Exception:
        log.exception("could not remove the files of image %s", previous)


def _answer(stored: StoredImage) -> web.Response:
    return jsonify({"image": image_urls(stored.key), "width": stored.width, "height": stored.height}, status=201)


async def upload_booth_image(request: web.Request) -> web.Response:
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    kind: BoothImage = "logo" if request.match_info["kind"] == "logo" else "cover"
    fair = request.app[FAIR]
    await check_booth_staff(fair, actor, booth_id)
    await _limit(request, actor.id)
    stored = await _store(request, await _read_upload(request))
    await _forget(request, await do_set_booth_image(fair, actor, booth_id, kind, stored.key), stored.key)
    return _answer(stored)


async def upload_product_image(request: web.Request) -> web.Response:
    actor = await require_user(request)
    product_id = id_param(request, "product_id")
    fair = request.app[FAIR]
    await check_product_staff(fair, actor, product_id)
    await _limit(request, actor.id)
    stored = await _store(request, await _read_upload(request))
    await _forget(request, await do_set_product_image(fair, actor, product_id, stored.key), stored.key)
    return _answer(stored)


async def remove_booth_image(request: web.Request) -> web.Response:
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    kind: BoothImage = "logo" if request.match_info["kind"] == "logo" else "cover"
    fair = request.app[FAIR]
    await check_booth_staff(fair, actor, booth_id)  # a stranger's attempts cost the staff nothing
    await _limit(request, actor.id)
    await _forget(request, await do_set_booth_image(fair, actor, booth_id, kind, None), None)
    return web.Response(status=204)


async def remove_product_image(request: web.Request) -> web.Response:
    actor = await require_user(request)
    product_id = id_param(request, "product_id")
    fair = request.app[FAIR]
    await check_product_staff(fair, actor, product_id)
    await _limit(request, actor.id)
    await _forget(request, await do_set_product_image(fair, actor, product_id, None), None)
    return web.Response(status=204)


async def image_file(request: web.Request) -> web.StreamResponse:
    """A stored size, by its content-hash name only (nginx serves the same files in production)."""
    path = request.app[STORE].servable(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={"Content-Type": "image/webp", "Cache-Control": IMAGE_CACHE, "X-Content-Type-Options": "nosniff"},
    )


def setup_images_api(app: web.Application) -> None:
    app[STORE] = ImageStore(app[SETTINGS].effective_media_dir)
    app[DECODE_SLOTS] = asyncio.Semaphore(DECODERS)
    api = api_routes(app)
    about = ("The body is the image (JPEG, PNG or WebP, at most 8 MiB and 25 megapixels); it is "
             "re-encoded without metadata as 320 and 960 px wide WebP. That booth's staff.")  # fmt: skip
    kind = "{kind:logo|cover}"
    api.post(rf"/api/booths/{{booth_id:\d+}}/images/{kind}", upload_booth_image, summary="Upload a booth's logo or cover",
             description=about, auth="bearer", tag="booths", body_media="image/*", response=responses.ImageOut,
             status=201, errors=(400, 413, 429))  # fmt: skip
    removed = ("That booth's staff; counted against the same rate limit as uploads. The files go "
               "when nothing else names them and they are over an hour old (else at the next prune).")  # fmt: skip
    api.delete(rf"/api/booths/{{booth_id:\d+}}/images/{kind}", remove_booth_image,
               summary="Remove a booth's logo or cover", description=removed, auth="bearer",
               tag="booths", status=204, errors=(429,))  # fmt: skip
    api.post(r"/api/products/{product_id:\d+}/image", upload_product_image, summary="Upload a product's photo",
             description=about, auth="bearer", tag="booths", body_media="image/*", response=responses.ImageOut,
             status=201, errors=(400, 413, 429))  # fmt: skip
    api.delete(r"/api/products/{product_id:\d+}/image", remove_product_image, summary="Remove a product's photo",
               description=removed, auth="bearer", tag="booths", status=204, errors=(429,))  # fmt: skip
    app.router.add_get("/media/images/{name}", image_file)
