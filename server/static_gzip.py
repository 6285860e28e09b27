"""The pages' files gzipped once, kept in memory, and sent to every browser that accepts gzip.

A first visit to a booth page fetched about 240 KB of modules, dictionaries and styles as they
are on disk: 7.3 s on a 400 kbit/s phone link (bench/pageload). Text compresses to a fifth or
less. Compressing per request would cost CPU on every page load of a busy fair, and files
compressed next to the sources would go stale on the next edit of a checkout; so each file is
compressed on its first request and again only when its size or modification time changes.

A request that accepts no gzip, asks for a range, or names a file that is small, binary or
missing is left to aiohttp's `FileResponse`, as before.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from aiohttp import hdrs, web

COMPRESSIBLE = frozenset({".js", ".mjs", ".css", ".svg", ".json", ".map", ".html", ".txt"})
MIN_SIZE = 1024  # below this the header and a round trip cost more than the bytes saved
MAX_SIZE = 16 * 1024 * 1024  # the largest vendored file (a source map) is a few MB
LEVEL = 6  # zlib's default: 9 takes twice the time for about 1% less


@dataclass(frozen=True)
class _Compressed:
    mtime_ns: int
    size: int
    body: bytes


def _compress(path: Path) -> bytes:
    # mtime=0: the same file always compresses to the same bytes.
    return gzip.compress(path.read_bytes(), compresslevel=LEVEL, mtime=0)


def accepts_gzip(request: web.BaseRequest) -> bool:
    for item in request.headers.get(hdrs.ACCEPT_ENCODING, "").lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class GzipFiles:
    """One per app: the compressed copies of the files it serves (bounded by those files)."""

    def __init__(self) -> None:
        self._files: dict[Path, _Compressed] = {}
        self._making: dict[Path, asyncio.Future[_Compressed]] = {}

    async def response(
        self, request: web.BaseRequest, path: Path, headers: dict[str, str]
    ) -> web.StreamResponse | None:
        """The gzipped answer for `path` with `headers`, or None for `FileResponse` to answer."""
        if path.suffix not in COMPRESSIBLE or hdrs.RANGE in request.headers or not accepts_gzip(request):
            return None
        try:
            # A stat of a local file takes microseconds; FileResponse's hop to a thread costs more.
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode) or not MIN_SIZE <= st.st_size <= MAX_SIZE:
            return None
        entry = await self._entry(path, st)
        etag = f"{st.st_mtime_ns:x}-{st.st_size:x}-gz"
        response: web.StreamResponse
        if _not_modified(request, etag, st.st_mtime):
            response = web.Response(status=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
        else:
            response = web.Response(body=entry.body, headers=headers)
            response.headers[hdrs.CONTENT_ENCODING] = "gzip"
        response.headers[hdrs.VARY] = hdrs.ACCEPT_ENCODING
        response.etag = etag
        response.last_modified = st.st_mtime
        return response

    async def _entry(self, path: Path, st: os.stat_result) -> _Compressed:
        entry = self._files.get(path)
        if entry is not None and entry.mtime_ns == st.st_mtime_ns and entry.size == st.st_size:
            return entry
        making = self._making.get(path)
        if making is None:
            # One compression per file however many page loads arrive meanwhile (a join storm's).
            making = asyncio.get_running_loop().create_future()
            self._making[path] = making
            try:
                body = await asyncio.get_running_loop().run_in_executor(None, _compress, path)
                made = _Compressed(st.st_mtime_ns, st.st_size, body)
                self._files[path] = made
                making.set_result(made)
            except asyncio.CancelledError:
                making.cancel()
                raise
            except Exception as exc:
                making.set_exception(exc)
                making.exception()  # read here: nobody else may be waiting for it
                raise
            finally:
                del self._making[path]
            return made
        return await asyncio.shield(making)


def _not_modified(request: web.BaseRequest, etag: str, mtime: float) -> bool:
    tags = request.if_none_match
    if tags is not None:
        return any(tag.value in (etag, "*") for tag in tags)
    since = request.if_modified_since
    return since is not None and int(mtime) <= since.timestamp()
