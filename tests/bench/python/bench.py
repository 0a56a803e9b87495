"""foundry-client's Python binding against the official `openai` SDK (on its default httpx
transport and on aiohttp) and LiteLLM, all calling one local emulator: import time, memory,
per-call latency at concurrency 1 (sync and async), async throughput at concurrency 64 and 256,
and how an answer's JSON becomes Python objects at 1, 10 and 100 KB (issue 6, cell 5); and what a
no-op call into Rust costs next to a no-op Python call, sync and async (cell 4).

Method (issue 6): the clients run interleaved in rounds (A B C D A B C D ..., ROUNDS of them),
each in its own fresh interpreter (`--worker NAME`) so imports and memory do not mix; a metric's
value is the median of its round values, with their min-max spread, and every ratio compares two
numbers of the same run. Prints a table and writes the rows for the combined report (`--out`,
target/bench/python.json); asserts nothing (numbers depend on the machine). BENCH_QUICK=1 (or
`--quick`) cuts the work about tenfold: it checks the harness, its numbers mean little. Run
through tests/bench/python/run.sh, which builds release binaries first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[3]
API_KEY = "emulator-key-0000"
API_VERSION = "2024-10-21"
MODEL = "DeepSeek-V3.2"
HI = [{"role": "user", "content": "hello there"}]
SIZES = {"1KB": 1_000, "10KB": 10_000, "100KB": 100_000}
QUICK = os.environ.get("BENCH_QUICK") == "1"
ROUNDS = 5
LATENCY_CALLS = 30 if QUICK else 300
THROUGHPUT_SECONDS = 0.3 if QUICK else 2.0
SIZED_CALLS = 10 if QUICK else 40
# Cell 4: calls per round per variant, split in batches (the round's value is the batch median).
NOOP_SYNC_CALLS = 10_000 if QUICK else 100_000
NOOP_BLOCKING_CALLS = 2_000 if QUICK else 20_000
NOOP_ASYNC_CALLS = 2_000 if QUICK else 20_000
NOOP_BATCHES = 10


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: List[float]) -> Dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000,
    }


def prompt_of(size: int) -> List[Dict[str, str]]:
    # The emulator answers "{deployment} heard: {prompt}": the answer grows with the prompt.
    return [{"role": "user", "content": " ".join(f"w{i:06d}" for i in range(words_for(size)))}]


def words_for(size: int) -> int:
    return max(1, (size - 1000) // 8)


def budget(size: int) -> int:
    """max_tokens that lets the whole echo through (the emulator stops at 4096 words by default)."""
    return words_for(size) + 16


# -- the clients, behind one small interface -----------------------------------------------------


class Subject:
    """One library: a sync call (None: async only), an async call, and the text of an answer."""

    sync_call: Optional[Callable[..., Any]] = None
    async_call: Callable[..., Any]
    text: Callable[[Any], Optional[str]]


def foundry_subject(endpoint: str) -> Subject:
    import foundry_client

    catalog = {
        "defaults": {"endpoint": endpoint, "auth": {"type": "api_key", "key": API_KEY}, "api_version": API_VERSION},
        "deployments": [{"name": MODEL}],
    }
    sync = foundry_client.Foundry(catalog)
    aio = foundry_client.AsyncFoundry(catalog)
    s = Subject()
    s.sync_call = lambda m, **kw: sync.chat.completions.create(model=MODEL, messages=m, **kw)
    s.async_call = lambda m, **kw: aio.chat.completions.create(model=MODEL, messages=m, **kw)
    s.text = lambda r: r.choices[0].message.content
    return s


def openai_subject(endpoint: str) -> Subject:
    import openai

    sync = openai.AzureOpenAI(azure_endpoint=endpoint, api_key=API_KEY, api_version=API_VERSION)
    aio = openai.AsyncAzureOpenAI(azure_endpoint=endpoint, api_key=API_KEY, api_version=API_VERSION)
    s = Subject()
    s.sync_call = lambda m, **kw: sync.chat.completions.create(model=MODEL, messages=m, **kw)
    s.async_call = lambda m, **kw: aio.chat.completions.create(model=MODEL, messages=m, **kw)
    s.text = lambda r: r.choices[0].message.content
    return s


def openai_aiohttp_subject(endpoint: str) -> Subject:
    """AsyncAzureOpenAI on aiohttp (`openai[aiohttp]`): async calls only."""
    import openai

    http_client = openai.DefaultAioHttpClient()  # raises RuntimeError without the extra
    aio = openai.AsyncAzureOpenAI(
        azure_endpoint=endpoint, api_key=API_KEY, api_version=API_VERSION, http_client=http_client
    )
    s = Subject()
    s.async_call = lambda m, **kw: aio.chat.completions.create(model=MODEL, messages=m, **kw)
    s.text = lambda r: r.choices[0].message.content
    return s


def litellm_subject(endpoint: str) -> Subject:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network at import
    import litellm

    litellm.suppress_debug_info = True
    args = {"model": f"azure/{MODEL}", "api_base": endpoint, "api_key": API_KEY, "api_version": API_VERSION}
    s = Subject()
    s.sync_call = lambda m, **kw: litellm.completion(messages=m, **args, **kw)
    s.async_call = lambda m, **kw: litellm.acompletion(messages=m, **args, **kw)
    s.text = lambda r: r.choices[0].message.content
    return s


# name: (module whose cold import is timed, or None when another subject's import is the same; factory)
SUBJECTS: Dict[str, Tuple[Optional[str], Callable[[str], Subject]]] = {
    "foundry": ("foundry_client", foundry_subject),
    "openai": ("openai", openai_subject),
    "openai_aiohttp": (None, openai_aiohttp_subject),
    "litellm": ("litellm", litellm_subject),
}


# -- measurements -------------------------------------------------------------------------------


def sync_latency(s: Subject) -> Dict[str, float]:
    assert s.sync_call is not None
    for _ in range(20):
        s.sync_call(HI)
    samples = []
    for _ in range(LATENCY_CALLS):
        started = time.perf_counter()
        r = s.sync_call(HI)
        samples.append(time.perf_counter() - started)
        assert s.text(r)
    return percentiles(samples)


async def async_latency(s: Subject) -> Dict[str, float]:
    for _ in range(20):
        await s.async_call(HI)
    samples = []
    for _ in range(LATENCY_CALLS):
        started = time.perf_counter()
        r = await s.async_call(HI)
        samples.append(time.perf_counter() - started)
        assert s.text(r)
    return percentiles(samples)


async def throughput(s: Subject, concurrency: int) -> float:
    done = 0
    deadline = time.perf_counter() + THROUGHPUT_SECONDS

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            r = await s.async_call(HI)
            assert s.text(r)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


def sized_latency(s: Subject) -> Dict[str, float]:
    """Median sync call latency (answer read through `choices[0].message.content`) per size."""
    assert s.sync_call is not None
    out = {}
    for label, size in SIZES.items():
        m = prompt_of(size)
        for _ in range(5):
            s.sync_call(m, max_tokens=budget(size))
        samples = []
        for _ in range(SIZED_CALLS):
            started = time.perf_counter()
            assert s.text(s.sync_call(m, max_tokens=budget(size)))
            samples.append(time.perf_counter() - started)
        out[label] = statistics.median(samples) * 1000
    return out


def run_worker(name: str, endpoint: str) -> Dict[str, Any]:
    module, make = SUBJECTS[name]
    started = time.perf_counter()
    try:
        s = make(endpoint)
    except Exception as e:  # a library that cannot install or start offline is reported, not faked
        return {"error": f"{type(e).__name__}: {e}", "not_started": True}
    import_and_setup = time.perf_counter() - started
    result: Dict[str, Any] = {"module": module, "import_and_client_s": import_and_setup, "rss_after_import_mb": rss_mb()}
    try:
        if s.sync_call is not None:
            result["sync"] = sync_latency(s)

        async def async_part() -> None:  # one loop: openai's async client is bound to its first
            result["async"] = await async_latency(s)
            for c in (64, 256):
                result[f"throughput_{c}"] = await throughput(s, c)

        asyncio.run(async_part())
        if s.sync_call is not None:
            result["sized_ms"] = sized_latency(s)
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {str(e)[:300]}"
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def conversion_worker(endpoint: str) -> Dict[str, Any]:
    """How the answer's JSON becomes Python objects, on the same answers: Rust building the
    objects (pythonize), JSON bytes handed to a C parser (json, orjson), or lazy accessors that
    convert only the field read."""
    import foundry_client
    from foundry_client import _native

    native = _native.Client(
        config={
            "defaults": {"endpoint": endpoint, "auth": {"type": "api_key", "key": API_KEY}},
            "deployments": [{"name": MODEL}],
        }
    )
    try:
        import orjson
    except ImportError:
        orjson = None
    out: Dict[str, Any] = {}
    for label, size in SIZES.items():
        r = native.chat({"model": MODEL, "messages": prompt_of(size), "max_tokens": budget(size)})
        body = len(r.view_json())
        n = max(200, 200_000_000 // (body * 50))

        def timed(fn: Callable[[], Any]) -> float:
            for _ in range(10):
                fn()
            started = time.perf_counter()
            for _ in range(n):
                fn()
            return (time.perf_counter() - started) / n * 1e6

        row = {
            "bytes": body,
            "pythonize_view_us": timed(lambda: r.view()),
            "json_loads_view_us": timed(lambda: json.loads(r.view_json())),
            "lazy_text_us": timed(lambda: r.text),
            "wrapper_choices_content_us": timed(lambda: foundry_client.ChatCompletion(r).choices[0].message.content),
            "wrapper_text_us": timed(lambda: foundry_client.ChatCompletion(r).text),
            "pythonize_to_dict_us": timed(lambda: r.to_dict()),
        }
        if orjson is not None:
            row["orjson_view_us"] = timed(lambda: orjson.loads(r.view_json()))
        out[label] = row
    return out


def import_time(module: str) -> Optional[float]:
    """One cold import in a fresh interpreter (one per round)."""
    code = (
        "import os,time;os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP','True');"
        f"t=time.perf_counter();import {module};print(time.perf_counter()-t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        return None
    return float(done.stdout.strip().splitlines()[-1])


# -- cell 4: a no-op call into Rust next to a no-op Python call ------------------------------------


def _py_noop() -> None:
    return None


async def _py_noop_async() -> None:
    return None


def ns_per_call(run: Callable[[int], None], calls: int) -> float:
    """Median over NOOP_BATCHES batches of the ns per call of `run(batch size)`."""
    n = max(1, calls // NOOP_BATCHES)
    run(n)  # warm-up
    per_call = []
    for _ in range(NOOP_BATCHES):
        started = time.perf_counter_ns()
        run(n)
        per_call.append((time.perf_counter_ns() - started) / n)
    return statistics.median(per_call)


def sync_loop(f: Callable[[], Any]) -> Callable[[int], None]:
    def run(n: int) -> None:
        for _ in range(n):
            f()

    return run


def ffi_worker() -> Dict[str, List[float]]:
    """Cell 4, interleaved in rounds; each round gives one value (ns per call) per variant.
    Every async variant is awaited in one running event loop. `_bench_noop_async` is ready at its
    first poll and resolves inline (as a buffered stream chunk does); `_bench_noop_async_spawned`
    is pending once, so it goes where every network call goes: a task on the tokio runtime, then
    the loop's completion channel (its cost includes waking the loop). The gathered variants show
    the per-call cost when 100 calls in flight share the loop's wake-ups."""
    from foundry_client import _native

    async def awaited(f: Callable[[], Any], n: int) -> None:
        for _ in range(n):
            await f()

    async def gathered(f: Callable[[], Any], n: int) -> None:
        for _ in range(max(1, n // 100)):
            await asyncio.gather(*[f() for _ in range(100)])

    async def rounds() -> Dict[str, List[float]]:
        out: Dict[str, List[float]] = {}
        sync_variants = {
            "sync_foundry": (sync_loop(_native._bench_noop), NOOP_SYNC_CALLS),
            "sync_python": (sync_loop(_py_noop), NOOP_SYNC_CALLS),
            "blocking_foundry": (sync_loop(_native._bench_noop_blocking), NOOP_BLOCKING_CALLS),
        }
        async_variants: Dict[str, Tuple[Callable[[Callable[[], Any], int], Any], Callable[[], Any]]] = {
            "async_foundry": (awaited, _native._bench_noop_async),
            "spawned_foundry": (awaited, _native._bench_noop_async_spawned),
            "async_python": (awaited, _py_noop_async),
            "gathered_foundry": (gathered, _native._bench_noop_async_spawned),
            "gathered_python": (gathered, _py_noop_async),
        }
        for _ in range(ROUNDS):
            for name, (run, calls) in sync_variants.items():
                out.setdefault(name, []).append(ns_per_call(run, calls))
            for name, (shape, f) in async_variants.items():
                out.setdefault(name, []).append(await async_ns_per_call(shape, f, NOOP_ASYNC_CALLS))
        return out

    return asyncio.run(rounds())


async def async_ns_per_call(shape: Callable[[Callable[[], Any], int], Any], f: Callable[[], Any], calls: int) -> float:
    n = max(100, calls // NOOP_BATCHES)
    await shape(f, n)  # warm-up
    per_call = []
    for _ in range(NOOP_BATCHES):
        started = time.perf_counter_ns()
        await shape(f, n)
        per_call.append((time.perf_counter_ns() - started) / n)
    return statistics.median(per_call)


# -- the driver -----------------------------------------------------------------------------------


def spawn(args: List[str], timeout: float) -> Dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]}
    result: Dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    global QUICK, LATENCY_CALLS, THROUGHPUT_SECONDS, SIZED_CALLS
    parser = argparse.ArgumentParser()
    parser.add_argument("--emulator", default=str(REPO / "target/release/foundry-emulator"))
    parser.add_argument("--out", help="where to write the rows for the combined report (python.json)")
    parser.add_argument("--quick", action="store_true", help="about a tenth of the work (same as BENCH_QUICK=1)")
    parser.add_argument("--worker")
    parser.add_argument("--endpoint")
    args = parser.parse_args()
    if args.quick and not QUICK:
        os.environ["BENCH_QUICK"] = "1"  # the workers read it
        QUICK, LATENCY_CALLS, THROUGHPUT_SECONDS, SIZED_CALLS = True, 30, 0.3, 10
    if args.worker == "conversion":
        print(json.dumps(conversion_worker(args.endpoint)))
        return
    if args.worker == "ffi":
        print(json.dumps(ffi_worker()))
        return
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.endpoint)))
        return

    print("... cell 4: no-op calls", file=sys.stderr, flush=True)
    ffi = spawn(["--worker", "ffi"], timeout=600)
    emulator = subprocess.Popen(
        [args.emulator, "--config", str(REPO / "tests/conformance/emulator.yaml"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    # rounds[name]: one worker result per round (with "import_s" added), errors included
    rounds: Dict[str, List[Dict[str, Any]]] = {name: [] for name in SUBJECTS}
    try:
        assert emulator.stdout is not None
        endpoint = json.loads(emulator.stdout.readline())["endpoint"]
        for i in range(ROUNDS):
            for name, (module, _) in SUBJECTS.items():
                if rounds[name] and rounds[name][0].get("not_started"):
                    continue  # not installed, or cannot start offline: the next round would not either
                print(f"... round {i + 1}/{ROUNDS}: {name}", file=sys.stderr, flush=True)
                r = spawn(["--worker", name, "--endpoint", endpoint], timeout=300)
                if module is not None and "error" not in r:
                    r["import_s"] = import_time(module)
                rounds[name].append(r)
        print("... JSON conversion", file=sys.stderr, flush=True)
        conversion = spawn(["--worker", "conversion", "--endpoint", endpoint], timeout=300)
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=10)
    rows = report(rounds, conversion, ffi)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
        print(f"... rows written to {out}", file=sys.stderr, flush=True)


# -- the report -----------------------------------------------------------------------------------


def summary(values: List[float]) -> Optional[Dict[str, float]]:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def round_values(results: List[Dict[str, Any]], path: Tuple[str, ...], scale: float) -> List[float]:
    """The metric at `path` of every round that measured it."""
    values = []
    for r in results:
        v: Any = r
        for p in path:
            if not isinstance(v, dict) or p not in v:
                v = None
                break
            v = v[p]
        if isinstance(v, (int, float)):
            values.append(float(v) * scale)
    return values


def row(
    cell: str,
    metric: str,
    unit: str,
    value: Optional[Dict[str, float]],
    baseline_name: str,
    baseline: Optional[Dict[str, float]],
    higher_is_better: bool = False,
    target: Optional[float] = None,
) -> Optional[Dict[str, Any]]:
    """A row of the combined report. `ratio` is a cost ratio, as in the Rust cells (table.rs):
    value / baseline for a time or a size, baseline / value for a rate; above 1, foundry-client
    is slower or bigger. A target is the highest acceptable cost ratio."""
    if value is None or baseline is None or value["median"] == 0 or baseline["median"] == 0:
        return None
    ratio = baseline["median"] / value["median"] if higher_is_better else value["median"] / baseline["median"]
    out: Dict[str, Any] = {
        "cell": cell,
        "name": "python",
        "variant": "foundry",
        "metric": metric,
        "unit": unit,
        "value": value,
        "baseline_name": baseline_name,
        "baseline": baseline,
        "ratio": ratio,
        "higher_is_better": higher_is_better,
    }
    if target is not None:
        out["target"] = target
        out["met"] = ratio <= target
    return out


# (label in the printed table, metric in the JSON, path in a worker's result, scale, unit,
#  higher is better, kind: which of a peer's clients it measures, {peer: target cost ratio})
METRICS: List[Tuple[str, str, Tuple[str, ...], float, str, bool, str, Dict[str, float]]] = [
    ("import time (ms)", "import time", ("import_s",), 1000, "ms", False, "import", {"openai": 0.1}),
    ("RSS after import + client (MB)", "RSS after import + client", ("rss_after_import_mb",), 1, "MB", False, "process", {}),
    ("sync latency p50, c=1 (ms)", "sync latency p50, c=1", ("sync", "p50_ms"), 1, "ms", False, "sync", {}),
    ("sync latency p99, c=1 (ms)", "sync latency p99, c=1", ("sync", "p99_ms"), 1, "ms", False, "sync", {}),
    ("async latency p50, c=1 (ms)", "async latency p50, c=1", ("async", "p50_ms"), 1, "ms", False, "async", {}),
    ("async latency p99, c=1 (ms)", "async latency p99, c=1", ("async", "p99_ms"), 1, "ms", False, "async", {}),
    # Issue 6: at least 5x openai's throughput at 64, i.e. a cost ratio of at most 0.2.
    ("async throughput, c=64 (calls/s)", "async throughput, c=64", ("throughput_64",), 1, "calls/s", True, "async",
     {"openai": 0.2, "openai_aiohttp": 0.2}),
    ("async throughput, c=256 (calls/s)", "async throughput, c=256", ("throughput_256",), 1, "calls/s", True, "async", {}),
    ("sync latency, 1 KB answer (ms)", "sync latency p50, 1 KB answer", ("sized_ms", "1KB"), 1, "ms", False, "sync", {}),
    ("sync latency, 10 KB answer (ms)", "sync latency p50, 10 KB answer", ("sized_ms", "10KB"), 1, "ms", False, "sync", {}),
    ("sync latency, 100 KB answer (ms)", "sync latency p50, 100 KB answer", ("sized_ms", "100KB"), 1, "ms", False, "sync", {}),
    ("peak RSS (MB)", "peak RSS", ("peak_rss_mb",), 1, "MB", False, "process", {}),
]

# The peers' names in the report, by what the metric measures; a missing kind: not compared.
PEERS: Dict[str, Dict[str, str]] = {
    "openai": {
        "import": "openai (httpx)",
        "process": "openai AzureOpenAI + AsyncAzureOpenAI (httpx)",
        "sync": "openai AzureOpenAI (httpx)",
        "async": "openai AsyncAzureOpenAI (httpx)",
    },
    "openai_aiohttp": {"async": "openai AsyncAzureOpenAI (aiohttp)"},
    "litellm": {
        "import": "LiteLLM",
        "process": "LiteLLM",
        "sync": "LiteLLM completion",
        "async": "LiteLLM acompletion",
    },
}


def fmt(v: Optional[float], digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def times_better(ours: Optional[float], theirs: Optional[float], higher_is_better: bool) -> str:
    if ours is None or theirs is None or ours == 0 or theirs == 0:
        return "n/a"
    r = ours / theirs if higher_is_better else theirs / ours
    return f"{r:.1f}x"


def errors_of(results: List[Dict[str, Any]]) -> List[str]:
    return sorted({r["error"] for r in results if "error" in r})


def report(
    rounds: Dict[str, List[Dict[str, Any]]], conversion: Dict[str, Any], ffi: Dict[str, Any]
) -> List[Dict[str, Any]]:
    """Prints the tables; returns the rows for python.json."""
    rows: List[Dict[str, Any]] = []
    names = ["foundry", "openai", "openai_aiohttp", "litellm"]
    print()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; every client against one local emulator (release build)")
    print(f"Each value: the median of {ROUNDS} interleaved rounds, each in a fresh interpreter{' (QUICK: a tenth of the work)' if QUICK else ''}.")
    print()
    print(
        "| metric | foundry-client | openai (AzureOpenAI, httpx) | openai (AsyncAzureOpenAI, aiohttp) | LiteLLM "
        "| vs openai | vs openai (aiohttp) | vs LiteLLM |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, metric, path, scale, unit, higher, kind, targets in METRICS:
        s = {n: summary(round_values(rounds[n], path, scale)) for n in names}
        for peer, peer_names in PEERS.items():
            if kind in peer_names:
                r = row("5", metric, unit, s["foundry"], peer_names[kind], s[peer], higher, targets.get(peer))
                if r is not None:
                    rows.append(r)
        medians = [
            summ["median"] if summ is not None and (n == "foundry" or kind in PEERS[n]) else None
            for n, summ in s.items()
        ]
        digits = 0 if higher else 2
        print(
            f"| {label} | {' | '.join(fmt(m, digits) for m in medians)} "
            f"| {' | '.join(times_better(medians[0], m, higher) for m in medians[1:])} |"
        )
    for name in names:
        errors = errors_of(rounds[name])
        if errors:
            measured = sum(1 for r in rounds[name] if "error" not in r)
            print(f"\n{name}: not (fully) measured ({measured}/{ROUNDS} rounds complete): {'; '.join(errors)}")
    print("\nRatios: how many times better foundry-client is (>1x) or worse (<1x).")
    print("openai on aiohttp is measured for async calls only (DefaultAioHttpClient is an async transport).")

    rows.extend(report_ffi(ffi))

    print("\nJSON -> Python objects for the whole `chat.completion` view (µs per answer):")
    print()
    print("| answer | bytes | pythonize (Rust builds objects) | bytes + json.loads | bytes + orjson.loads | lazy `.text` | `ChatCompletion(r).choices[0].message.content` | `ChatCompletion(r).text` |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    if "error" in conversion:
        print(f"\nconversion: not measured: {conversion['error']}")
        return rows
    for label, r in conversion.items():
        print(
            f"| {label} | {r['bytes']:,} | {r['pythonize_view_us']:.1f} | {r['json_loads_view_us']:.1f} "
            f"| {fmt(r.get('orjson_view_us'), 1)} | {r['lazy_text_us']:.2f} "
            f"| {r['wrapper_choices_content_us']:.1f} | {r['wrapper_text_us']:.2f} |"
        )
    return rows


# (metric, foundry variant, Python variant, its name, scale from ns, unit)
FFI_ROWS = [
    ("no-op sync call", "sync_foundry", "sync_python", "Python def f(): return None", 1, "ns"),
    (
        "no-op sync call through the runtime (GIL released, block_on)",
        "blocking_foundry",
        "sync_python",
        "Python def f(): return None",
        1,
        "ns",
    ),
    (
        "no-op async call, ready at once (inline), awaited one at a time",
        "async_foundry",
        "async_python",
        "Python async def f(): return None, awaited",
        1e-3,
        "us",
    ),
    (
        "no-op async call through the runtime (pending once), awaited one at a time",
        "spawned_foundry",
        "async_python",
        "Python async def f(): return None, awaited",
        1e-3,
        "us",
    ),
    (
        "no-op async call through the runtime, 100 gathered (per call)",
        "gathered_foundry",
        "gathered_python",
        "Python async def f(): return None, 100 gathered",
        1e-3,
        "us",
    ),
]


def report_ffi(ffi: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    print(f"\nCell 4: a no-op call into Rust (foundry_client._native._bench_noop*) next to a no-op Python call; median of {ROUNDS} rounds (min-max)")
    print()
    if "error" in ffi:
        print(f"not measured: {ffi['error']}")
        return rows
    print("| call | foundry-client | plain Python | foundry-client - Python |")
    print("|---|---:|---:|---:|")
    for metric, ours, theirs, baseline_name, scale, unit in FFI_ROWS:
        value = summary([v * scale for v in ffi.get(ours, [])])
        baseline = summary([v * scale for v in ffi.get(theirs, [])])
        r = row("4", metric, unit, value, baseline_name, baseline)
        if r is None or value is None or baseline is None:
            print(f"| {metric} | n/a | n/a | n/a |")
            continue
        rows.append(r)
        digits = 0 if unit == "ns" else 2
        print(
            f"| {metric} ({unit}) | {value['median']:,.{digits}f} ({value['min']:,.{digits}f}-{value['max']:,.{digits}f}) "
            f"| {baseline['median']:,.{digits}f} ({baseline['min']:,.{digits}f}-{baseline['max']:,.{digits}f}) "
            f"| {value['median'] - baseline['median']:,.{digits}f} |"
        )
    return rows


if __name__ == "__main__":
    main()
