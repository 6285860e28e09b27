"""Prometheus metrics: one registry per app, served only on the internal metrics listener.

`rooms/`, `translation/` and `media/` never import prometheus: they keep plain counters or call
plain callbacks, and this module reads the counters at scrape time (`Readings`) or turns the
callbacks into observations. Labels stay bounded: a frame kind, original or translated, never a
user, a booth or a socket.

`/metrics` is not a route of the public app: `serve_metrics` runs a second, tiny aiohttp site on
`metrics_host:metrics_port` (127.0.0.1 unless configured), so a balancer that forwards every path
of the main port still cannot expose it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from translation.api import PairInfo, Translation, Translator
from translation.glossary import Glossary

if TYPE_CHECKING:  # the livestream is an optional feature: only it imports media/
    from media.manager import LiveManager

log = logging.getLogger(__name__)

# Seconds: fan-out and commits are milliseconds when healthy; the tail shows a loaded loop.
FAST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Seconds: a model pass is tens of milliseconds, a pivot or a gate round trip more, 3 s times out.
TRANSLATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)

Read = Callable[[], float]


class Readings(Collector):
    """Values other objects already keep (connections, live sessions, translator counts), read per scrape."""

    def __init__(self) -> None:
        self._gauges: dict[str, tuple[str, Read]] = {}
        self._counters: dict[str, tuple[str, Read]] = {}

    def gauge(self, name: str, doc: str, read: Read) -> None:
        self._gauges[name] = (doc, read)

    def counter(self, name: str, doc: str, read: Read) -> None:
        """`name` without `_total`: the exposition adds it."""
        self._counters[name] = (doc, read)

    def collect(self) -> Iterator[Metric]:
        for name, (doc, read) in list(self._gauges.items()):
            value = _read(name, read)
            if value is not None:
                yield GaugeMetricFamily(name, doc, value=value)
        for name, (doc, read) in list(self._counters.items()):
            value = _read(name, read)
            if value is not None:
                yield CounterMetricFamily(name, doc, value=value)

    def describe(self) -> Iterable[Metric]:
        return []  # names come and go with the features that registered them


def _read(name: str, read: Read) -> float | None:
    try:
        return float(read())
    except Exception:  # a broken reading costs its own series, never the scrape
        log.exception("reading metric %s failed", name)
        return None


class Metrics:
    """This node's metrics; the app factory makes one and everything that reports gets it."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.readings = Readings()
        r.register(self.readings)
        self.joins = Counter("boothcast_booth_joins", "Booth joins accepted on this node.", registry=r)
        self.messages_in = Counter(
            "boothcast_chat_messages_in", "Chat messages committed from this node's sockets.", registry=r
        )
        self.messages_out = Counter(
            "boothcast_chat_messages_out",
            "Chat messages written to this node's sockets, one per recipient (frame: message or batch).",
            ["frame"],
            registry=r,
        )
        self.fanout_delay = Histogram(
            "boothcast_fanout_delay_seconds",
            "From a message's commit to its emit to a language room (kind: original or translated).",
            ["kind"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.translation_latency = Histogram(
            "boothcast_translation_seconds",
            "One translate call (every target language of a message), cache hits included.",
            buckets=TRANSLATION_BUCKETS,
            registry=r,
        )
        self.translation_batch = Histogram(
            "boothcast_translation_batch_size",
            "Distinct sentences per model batch.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.commit_latency = Histogram(
            "boothcast_chat_commit_seconds",
            "One group commit of chat messages (one transaction).",
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.redis_errors = Counter(
            "boothcast_redis_errors", "Redis commands and pub/sub reads that failed on this node.", registry=r
        )
        for kind in ("original", "translated"):
            self.fanout_delay.labels(kind)  # both series exist from the start, so rate() sees the first
        for frame in ("message", "batch"):
            self.messages_out.labels(frame)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def redis_error(self) -> None:
        self.redis_errors.inc()

    def watch_translator(self, translator: object) -> None:
        """The translator's own counts (`translation/service.py`), when it is the model-backed one."""
        for attr, name, doc in (
            (
                "translated",
                "boothcast_translations",
                "Translations produced by the models (not from the cache).",
            ),
            ("uncertain", "boothcast_translations_uncertain", "Translations the confidence gate doubted."),
            (
                "failures",
                "boothcast_translation_failures",
                "Targets answered with the original (error, timeout).",
            ),
        ):
            if isinstance(getattr(translator, attr, None), int):
                self.readings.counter(name, doc, lambda a=attr: getattr(translator, a))  # type: ignore[misc]
        batcher = getattr(translator, "batcher", None)
        if batcher is not None and hasattr(batcher, "on_batch"):
            batcher.on_batch = self.translation_batch.observe

    def watch_live(self, manager: LiveManager) -> None:
        """Live sessions and ffmpeg runs (`media/manager.py` keeps the counts)."""
        r = self.readings
        r.gauge("boothcast_live_sessions", "Live sessions with a pipeline on this node (in their grace period too).",
                lambda: len(manager.all()))  # fmt: skip
        r.counter("boothcast_ffmpeg_runs", "ffmpeg processes started.", lambda: manager.runs_started)
        r.counter("boothcast_ffmpeg_restarts", "ffmpeg runs started for a session that had one before.",
                  lambda: manager.restarts)  # fmt: skip
        r.counter(
            "boothcast_ffmpeg_failures", "ffmpeg runs that exited on their own.", lambda: manager.run_failures
        )

    def timed(self, translator: Translator) -> Translator:
        return TimedTranslator(translator, self.translation_latency.observe)


class TimedTranslator:
    """A `Translator` that reports how long each `translate` took; everything else passes through."""

    def __init__(self, inner: Translator, observe: Callable[[float], None]) -> None:
        self._inner = inner
        self._observe = observe

    @property
    def inner(self) -> Translator:
        return self._inner

    def languages(self) -> list[str]:
        return self._inner.languages()

    def pairs(self) -> list[PairInfo]:
        return self._inner.pairs()

    def can_translate(self, source: str, target: str) -> bool:
        return self._inner.can_translate(source, target)

    async def translate(
        self, text: str, source: str, targets: Iterable[str], glossary: Glossary | None = None
    ) -> dict[str, Translation]:
        started = time.monotonic()
        try:
            return await self._inner.translate(text, source, targets, glossary)
        finally:
            self._observe(time.monotonic() - started)

    async def detect(self, text: str) -> str | None:
        return await self._inner.detect(text)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _metrics_handler(request: web.Request) -> web.Response:
    metrics: Metrics = request.app[METRICS_OF_SITE]
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


METRICS_OF_SITE = web.AppKey("metrics_of_site", Metrics)


def metrics_app(metrics: Metrics) -> web.Application:
    """The whole metrics site: `GET /metrics`, nothing else."""
    site = web.Application()
    site[METRICS_OF_SITE] = metrics
    site.router.add_get("/metrics", _metrics_handler)
    return site


async def serve_metrics(metrics: Metrics, host: str, port: int) -> AsyncIterator[web.TCPSite]:
    """Run the metrics site until the generator is closed (the app's cleanup context owns it)."""
    runner = web.AppRunner(metrics_app(metrics), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise OSError(exc.errno, f"cannot listen for metrics on {host}:{port}: {exc.strerror}") from None
        log.info("metrics on http://%s:%s/metrics", host, port)
        yield site
    finally:
        await runner.cleanup()
