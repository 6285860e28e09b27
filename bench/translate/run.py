"""Translation throughput and latency: Boothcast's layer vs argos per call vs LibreTranslate.

The same stream of chat messages (held-out sentences, mixed zh/en/es) is translated, each message
into the two other languages present, by
  (a) Boothcast's layer (`open_translator`: protection, batching, CTranslate2 greedy),
  (b) argos-translate's `translate()` once per message and target (in a subprocess, offline env),
  (c) LibreTranslate over HTTP with 8 concurrent clients (its own venv, offline, on loopback),
all over the same installed packages. Then the layer alone at a steady 20 msg/s with zh, en and es
readers present, for time-to-translated-message percentiles.

    .venv/bin/python bench/translate/run.py                 # everything, writes results JSON
    .venv/bin/python bench/translate/run.py --skip-lt       # without LibreTranslate
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from translation.argos_env import offline_env  # noqa: E402
from translation.engine import DEFAULT_BEAM  # noqa: E402
from translation.packages import BUNDLED_DIR, install_bundled, list_installed  # noqa: E402

LANGS = ("zh", "en", "es")
LT_VENV = Path(__file__).resolve().parent / ".venv-lt"
_PLACEHOLDER = re.compile(r"⟦(\d+)⟧")
# Raw values for the held-out placeholders, so every system sees ordinary chat text.
_FILLERS = ["500", "6.80 USD", "FOB", "BW-P6060", "2026-12-01", "15%", "sales@example.com", "+86 755 1234 5678",
            "9405.40", "30", "CIF", "1,000", "EUR", "60x60 cm", "www.example.com", "DDP"]  # fmt: skip

Message = tuple[str, str]  # (source language, text)


def load_stream(heldout: Path, count: int, seed: int = 7) -> list[Message]:
    """Held-out source sentences, placeholders filled with raw values, interleaved by language."""
    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for path in sorted(heldout.glob("*.tsv")):
        source = path.stem.split("_")[0].split(".")[0]
        if source not in by_lang:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.split("\t")[0].strip()
            if text and "\t" in line:
                by_lang[source].append(
                    _PLACEHOLDER.sub(lambda m: _FILLERS[int(m.group(1)) % len(_FILLERS)], text)
                )
    rng = random.Random(seed)
    pools = {lang: list(dict.fromkeys(texts)) for lang, texts in by_lang.items() if texts}
    for texts in pools.values():
        rng.shuffle(texts)
    stream: list[Message] = []
    langs = sorted(pools)
    i = 0
    while len(stream) < count and any(pools.values()):
        lang = langs[i % len(langs)]
        if pools[lang]:
            stream.append((lang, pools[lang].pop()))
        i += 1
    return stream


def load_freetext(count: int, seed: int = 7) -> list[Message]:
    """The held-out free-text chat (translation/eval/*.jsonl), every message in each language."""
    items = [
        json.loads(line)
        for path in sorted((ROOT / "translation" / "eval").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    stream = [(lang, item[lang]) for item in items for lang in LANGS]
    random.Random(seed).shuffle(stream)
    return stream[:count]


def targets_for(source: str) -> list[str]:
    return [t for t in LANGS if t != source]


# --- (a) Boothcast's layer ----------------------------------------------------------------------


async def _layer_throughput(
    models: Path, stream: list[Message], workers: int, concurrency: int, rounds_count: int = 5, gate: bool = True,
    beam: int = DEFAULT_BEAM,
) -> dict[str, Any]:
    from translation.confidence import GateConfig
    from translation.service import ArgosTranslator, open_translator

    # gate=False: no round trips and no thresholds, what the layer cost before the gate existed.
    config = None if gate else GateConfig.off()
    async with open_translator(
        models, workers=workers, timeout=60.0, cache_size=0, gate=config, beam_size=beam
    ) as translator:
        assert isinstance(translator, ArgosTranslator)
        # Warm-up: first batches allocate CTranslate2 buffers.
        await asyncio.gather(
            *(translator.translate(text, src, targets_for(src)) for src, text in stream[:64])
        )
        in_flight = asyncio.Semaphore(concurrency)
        failures = 0
        uncertain = 0

        async def one(src: str, text: str) -> None:
            nonlocal failures, uncertain
            async with in_flight:
                result = await translator.translate(text, src, targets_for(src))
            failures += sum(1 for r in result.values() if not r.translated)
            uncertain += sum(1 for r in result.values() if r.uncertain)

        batches_before = translator.batcher.stats.batches
        sentences_before = translator.batcher.stats.sentences
        # The whole stream takes about a second: repeat it (cache off) and keep the median, so a
        # burst of other work on the machine does not decide the figure.
        rounds: list[float] = []
        for _ in range(rounds_count):
            started = time.perf_counter()
            await asyncio.gather(*(one(src, text) for src, text in stream))
            rounds.append(len(stream) / (time.perf_counter() - started))
        batches = translator.batcher.stats.batches - batches_before
        sentences = translator.batcher.stats.sentences - sentences_before
    return {
        "messages": len(stream),
        "rounds_msg_per_s": rounds,
        "msg_per_s": statistics.median(rounds),
        "untranslated_targets": failures,
        "uncertain_targets": uncertain,
        "gate": gate,
        "batches": batches,
        "mean_batch": sentences / batches if batches else 0,
        "workers": workers,
        "beam": beam,
    }


async def _layer_latency(
    models: Path, stream: list[Message], workers: int, rate: float, seconds: float, beam: int = DEFAULT_BEAM
) -> dict[str, Any]:
    from translation.service import open_translator

    async with open_translator(
        models, workers=workers, timeout=2.0, cache_size=20000, beam_size=beam
    ) as translator:
        await asyncio.gather(
            *(translator.translate(text, src, targets_for(src)) for src, text in stream[-32:])
        )
        latencies: list[float] = []
        untranslated = 0
        uncertain = 0
        count = int(rate * seconds)
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []

        async def one(src: str, text: str, due: float) -> None:
            nonlocal untranslated, uncertain
            # Every reader present gets the message: zh, en and es, whatever the source.
            result = await translator.translate(text, src, list(LANGS))
            latencies.append(loop.time() - due)
            untranslated += sum(1 for t, r in result.items() if t != src and not r.translated)
            uncertain += sum(1 for r in result.values() if r.uncertain)

        for i in range(count):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            src, text = stream[i % len(stream)]
            tasks.append(asyncio.create_task(one(src, text, due)))
        await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "rate": rate,
        "messages": count,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "max_ms": 1000 * latencies[-1],
        "untranslated_targets": untranslated,
        "uncertain_targets": uncertain,
    }


def heldout_quality(models: Path, heldout: Path) -> dict[str, dict[str, float]]:
    """Per pair: exact match with the reference, and sentences whose placeholders all survived."""
    from translation.engine import CTranslate2Engine

    engine = CTranslate2Engine(list_installed(models))
    out: dict[str, dict[str, float]] = {}
    try:
        for src, tgt in sorted(engine.pairs()):
            path = heldout / f"{src}_{tgt}.tsv"
            if not path.exists():
                continue
            rows = [
                line.split("\t")[:2] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line
            ]
            hyps = [h.text for h in engine.translate_batch((src, tgt), [r[0] for r in rows])]
            exact = sum(h.strip() == r[1].strip() for h, r in zip(hyps, rows, strict=True))
            kept = sum(
                sorted(_PLACEHOLDER.findall(r[0])) == sorted(_PLACEHOLDER.findall(h))
                for h, r in zip(hyps, rows, strict=True)
            )
            out[f"{src}_{tgt}"] = {"sentences": len(rows), "exact_match": exact / len(rows),
                                   "placeholders_kept": kept / len(rows)}  # fmt: skip
    finally:
        engine.close()
    return out


# --- (b) argos translate() once per message ----------------------------------------------------------


def argos_worker(stream_path: Path, beam: str) -> None:
    """Runs in a subprocess whose environment was prepared by `offline_env` before this import."""
    from argostranslate import translate as argos

    stream: list[Message] = json.loads(stream_path.read_text(encoding="utf-8"))
    for src, text in stream[:8]:  # warm-up: load models and sentence splitters
        for tgt in targets_for(src):
            argos.translate(text, src, tgt)
    started = time.perf_counter()
    for src, text in stream:
        for tgt in targets_for(src):
            argos.translate(text, src, tgt)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {"messages": len(stream), "seconds": elapsed, "msg_per_s": len(stream) / elapsed, "beam": beam}
        )
    )


def run_argos(data: Path, models: Path, stream: list[Message], beam: str | None) -> dict[str, Any]:
    stream_path = data / "argos_stream.json"
    stream_path.write_text(json.dumps(stream, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, **offline_env(data, models)}
    if beam is not None:
        env["ARGOS_BEAM_SIZE"] = beam
    out = subprocess.run(
        [sys.executable, __file__, "argos-worker", str(stream_path), beam or "default(4)"],
        env=env, capture_output=True, text=True, check=True, timeout=3600,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- (c) LibreTranslate over HTTP --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _lt_clients(url: str, stream: list[Message], clients: int) -> tuple[float, int]:
    import aiohttp

    queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
    for src, text in stream:
        for tgt in targets_for(src):
            queue.put_nowait((src, tgt, text))
    errors = 0

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            src, tgt, text = queue.get_nowait()
            async with session.post(
                url, json={"q": text, "source": src, "target": tgt, "format": "text"}
            ) as r:
                body = await r.json()
                if r.status != 200 or "translatedText" not in body:
                    errors += 1

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return time.perf_counter() - started, errors


def run_libretranslate(
    data: Path, models: Path, stream: list[Message], clients: int, beam: str | None
) -> dict[str, Any]:
    lt = LT_VENV / "bin" / "libretranslate"
    if not lt.exists():
        raise SystemExit(f"LibreTranslate is not installed in {LT_VENV}; see bench/translate/README.md")
    port = _free_port()
    env = {**os.environ, **offline_env(data, models)}
    if beam is not None:
        env["ARGOS_BEAM_SIZE"] = beam  # LibreTranslate decodes through argos' settings
    log = (data / "libretranslate.log").open("w")
    server = subprocess.Popen(
        [str(lt), "--host", "127.0.0.1", "--port", str(port), "--load-only", ",".join(LANGS),
         "--disable-web-ui", "--threads", "4", "--char-limit", "-1", "--req-limit", "-1"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/languages", server, timeout=300)
        warm = stream[:16]
        asyncio.run(_lt_clients(f"http://127.0.0.1:{port}/translate", warm, 2))
        seconds, errors = asyncio.run(_lt_clients(f"http://127.0.0.1:{port}/translate", stream, clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    boot_log = (data / "libretranslate.log").read_text(encoding="utf-8", errors="replace")
    tried_network = any(
        w in boot_log for w in ("Updating language models", "Downloading", "Cannot update models")
    )
    return {"messages": len(stream), "seconds": seconds, "msg_per_s": len(stream) / seconds,
            "errors": errors, "clients": clients, "tried_network": tried_network,
            "beam": beam or "default(4)"}  # fmt: skip


def _wait_http(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"LibreTranslate exited with {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("LibreTranslate did not start in time")


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["argos-worker"]:
        argos_worker(Path(argv[1]), argv[2])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000, help="messages in the throughput stream")
    parser.add_argument("--argos-messages", type=int, default=0, help="a prefix for argos per call (0: all)")
    parser.add_argument("--workers", type=int, default=1, help="the layer's worker threads")
    parser.add_argument("--beam", type=int, default=DEFAULT_BEAM,
                        help=f"the layer's beam size (the server's BOOTHCAST_TRANSLATION_BEAM, default {DEFAULT_BEAM})")
    parser.add_argument("--concurrency", type=int, default=512, help="messages in flight for the layer")
    parser.add_argument("--rate", type=float, default=20.0, help="steady messages/s for the latency run")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the latency run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent LibreTranslate clients")
    parser.add_argument("--skip-argos", action="store_true")
    parser.add_argument("--skip-lt", action="store_true")
    parser.add_argument("--bundled", type=Path, default=BUNDLED_DIR)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--stream",
        choices=["freetext", "templates"],
        default="freetext",
        help="free-text held-out chat (translation/eval, default) or the template held-out sentences",
    )
    args = parser.parse_args(argv)

    data = Path(tempfile.mkdtemp(prefix="boothcast-bench-"))
    try:
        models = data / "models"
        install_bundled(models, args.bundled)
        installed = list_installed(models)
        if args.stream == "freetext":
            stream = load_freetext(args.messages)
        else:
            stream = load_stream(args.bundled / "heldout", args.messages)
        results: dict[str, Any] = {
            "packages": {p.code: p.sha256 for p in installed},
            "stream": {"messages": len(stream), "by_lang": {g: sum(1 for s, _ in stream if s == g) for g in LANGS}},
            "cpus": os.cpu_count(),
            "loadavg_before": os.getloadavg(),  # other work on the machine skews every figure
        }  # fmt: skip
        print(f"{len(stream)} messages, packages: {', '.join(p.code for p in installed)}", flush=True)
        results["heldout"] = heldout_quality(models, args.bundled / "heldout")
        print("held-out quality", results["heldout"], flush=True)
        results["layer"] = asyncio.run(
            _layer_throughput(models, stream, args.workers, args.concurrency, beam=args.beam)
        )
        print("layer", results["layer"], flush=True)
        results["layer_no_gate"] = asyncio.run(
            _layer_throughput(models, stream, args.workers, args.concurrency, gate=False, beam=args.beam)
        )
        print("layer without the gate", results["layer_no_gate"], flush=True)
        results["gate_cost"] = results["layer_no_gate"]["msg_per_s"] / results["layer"]["msg_per_s"]
        if not args.skip_argos:
            prefix = stream[: args.argos_messages or None]
            results["argos_beam1"] = run_argos(data, models, prefix, "1")
            print("argos per call, beam 1", results["argos_beam1"], flush=True)
            results["argos_default"] = run_argos(data, models, prefix, None)
            print("argos per call, defaults", results["argos_default"], flush=True)
        if not args.skip_lt:
            results["libretranslate"] = run_libretranslate(data, models, stream, args.clients, None)
            print("libretranslate, defaults", results["libretranslate"], flush=True)
            results["libretranslate_beam1"] = run_libretranslate(data, models, stream, args.clients, "1")
            print("libretranslate, beam 1", results["libretranslate_beam1"], flush=True)
        results["latency"] = asyncio.run(
            _layer_latency(models, stream, args.workers, args.rate, args.seconds, args.beam)
        )
        print("latency", results["latency"], flush=True)
        layer = results["layer"]["msg_per_s"]
        results["loadavg_after"] = os.getloadavg()
        for name in ("argos_beam1", "argos_default", "libretranslate", "libretranslate_beam1"):
            if name in results:
                results[f"ratio_vs_{name}"] = layer / results[name]["msg_per_s"]
        print(json.dumps({k: v for k, v in results.items() if k.startswith("ratio")}, indent=2))
        if args.out:
            args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
