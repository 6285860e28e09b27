"""The browser pages: HTML shells, their static modules and the two vendored client libraries.

There is no build step: `web/*.html` and `web/static/**` are served exactly as they are on disk.
HTML is revalidated on every load (`no-cache`) so a deploy shows at once; static files are
revalidated too (their names carry no content hash), which costs a 304 and keeps things simple.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from server.static_gzip import GzipFiles

# Every page runs only its own same-origin modules: no inline script or style, no third party.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The console captures camera/screen for browser go-live; nothing else needs devices.
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
}

# Module scripts are refused unless served with a JavaScript MIME type; don't trust the
# platform's mimetypes table for that.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}

PAGES = {
    "/": "lobby.html",
    "/booths/{slug}": "booth.html",
    "/console": "console.html",
    "/moderate": "moderate.html",
    "/replay/{session_id}": "replay.html",
}

VENDOR = {
    "socket.io.min.js": ("socket.io-client", "dist/socket.io.min.js"),
    "socket.io.min.js.map": ("socket.io-client", "dist/socket.io.min.js.map"),
    "hls.min.js": ("hls.js", "dist/hls.min.js"),
    "hls.min.js.map": ("hls.js", "dist/hls.min.js.map"),
    # The API reference page, /api/docs (server/openapi.py).
    "swagger-ui-bundle.js": ("swagger-ui-dist", "swagger-ui-bundle.js"),
    "swagger-ui-bundle.js.map": ("swagger-ui-dist", "swagger-ui-bundle.js.map"),
    "swagger-ui.css": ("swagger-ui-dist", "swagger-ui.css"),
    "swagger-ui.css.map": ("swagger-ui-dist", "swagger-ui.css.map"),
    # Charts of booth analytics (web/static/analytics.js): an ES module and its stylesheet.
    "uPlot.esm.js": ("uplot", "dist/uPlot.esm.js"),
    "uPlot.min.css": ("uplot", "dist/uPlot.min.css"),
}


async def _file_response(
    request: web.Request, gzipped: GzipFiles, path: Path, cache_control: str
) -> web.StreamResponse:
    headers = {"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"}
    content_type = CONTENT_TYPES.get(path.suffix)
    if content_type is not None:
        headers["Content-Type"] = content_type + (
            "; charset=utf-8" if content_type.startswith("text/") else ""
        )
    return await gzipped.response(request, path, headers) or web.FileResponse(path, headers=headers)


async def _html(request: web.Request, gzipped: GzipFiles, path: Path, status: int = 200) -> web.StreamResponse:
    headers = {**HTML_HEADERS, "Content-Type": "text/html; charset=utf-8"}
    if status == 200 and (compressed := await gzipped.response(request, path, headers)) is not None:
        return compressed
    # FileResponse answers 404 itself when the file is missing.
    return web.FileResponse(path, status=status, headers=headers)


def _plain_slug(slug: str) -> str:
    """`slug` lower case, Latin accents dropped ("Cerámica" → "ceramica"); other scripts as they are."""
    decomposed = unicodedata.normalize("NFKD", slug.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain)


def _page_handler(gzipped: GzipFiles, path: Path) -> Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        slug = request.match_info.get("slug")
        if slug is not None and (plain := _plain_slug(slug)) != slug:
            # Slugs are lower case, accents left out: an address typed or read aloud with capitals,
            # or as its language writes it ("valencia-cerámica"), still finds the booth.
            raise web.HTTPMovedPermanently(f"/booths/{quote(plain, safe='')}")
        return await _html(request, gzipped, path)

    return page


# Addresses people type by hand that name a page without being its address.
_REDIRECTS = {"/booths": "/", "/booths/": "/", "/replay": "/", "/replay/": "/"}
# Prefixes whose misses are for programs, not people: they keep their own 404 (JSON under /api/).
_NOT_PAGES = ("/api/", "/static/", "/vendor/", "/media/", "/hls/", "/socket.io/")


def _not_found_middleware(gzipped: GzipFiles, page: Path) -> Middleware:
    """A person's miss gets a page in their language with the way to the lobby, not aiohttp's bare
    "404: Not Found"; a trailing slash or a known shorthand is redirected to the page it means."""

    @web.middleware
    async def not_found(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            path = request.path
            if request.method not in ("GET", "HEAD") or path.startswith(_NOT_PAGES):
                raise
            if path in _REDIRECTS:
                raise web.HTTPMovedPermanently(_REDIRECTS[path]) from None
            raw = request.rel_url.raw_path
            # "/Booths/X", "/moderate.html", "/booths/x/": the page the person means, if there is one.
            target = raw.rstrip("/").lower().removesuffix(".html")
            if target in ("", "/lobby", "/index"):
                target = "/"
            # Never "//host": a Location of that shape leaves the site.
            if raw != target and target.startswith("/") and not target.startswith("//"):
                match = await request.app.router.resolve(request.clone(rel_url=URL(target, encoded=True)))
                if match.http_exception is None:
                    query = request.rel_url.raw_query_string
                    raise web.HTTPMovedPermanently(target + (f"?{query}" if query else "")) from None
            return await _html(request, gzipped, page, status=404)

    return not_found


def _static_handler(gzipped: GzipFiles, root: Path) -> Handler:
    async def static(request: web.Request) -> web.StreamResponse:
        rel = request.match_info["path"]
        # A NUL or a lone surrogate cannot name a file: `stat` would raise ValueError while the
        # response is being sent, and the client would get a dropped connection, not a 404.
        # (`isprintable` is False for both, and for every other control character.)
        if not rel.isprintable():
            raise web.HTTPNotFound()
        parts = PurePosixPath(rel).parts
        # Purely lexical, so no blocking I/O here: no `..`, no dotfiles, no absolute paths.
        if not parts or any(part.startswith(".") or part == "/" or "\\" in part for part in parts):
            raise web.HTTPNotFound()
        return await _file_response(request, gzipped, root.joinpath(*parts), "no-cache")

    return static


def _vendor_handler(gzipped: GzipFiles, node_modules: Path) -> Handler:
    async def vendor(request: web.Request) -> web.StreamResponse:
        entry = VENDOR.get(request.match_info["name"])
        if entry is None:
            raise web.HTTPNotFound()
        package, filename = entry
        path = node_modules / package / filename
        # A missing file (npm ci not run: see scripts/install) is a plain 404. Exact versions are pinned in web/package.json; an hour of caching is plenty.
        return await _file_response(request, gzipped, path, "public, max-age=3600")

    return vendor


def setup_pages(app: web.Application, web_dir: Path) -> None:
    """Register the HTML pages, `/static/` and `/vendor/` on `app`."""
    gzipped = GzipFiles()
    for route, filename in PAGES.items():
        app.router.add_get(route, _page_handler(gzipped, web_dir / filename))
    app.router.add_get("/static/{path:.+}", _static_handler(gzipped, web_dir / "static"))
    app.router.add_get("/vendor/{name}", _vendor_handler(gzipped, web_dir / "node_modules"))
    app.router.add_get("/favicon.ico", _favicon_handler(gzipped, web_dir / "static" / "favicon.svg"))
    app.middlewares.append(_not_found_middleware(gzipped, web_dir / "notfound.html"))


def _favicon_handler(gzipped: GzipFiles, path: Path) -> Handler:
    async def favicon(request: web.Request) -> web.StreamResponse:
        return await _file_response(request, gzipped, path, "public, max-age=86400")

    return favicon
