"""foundry-client's Python binding against the official `openai` SDK and LiteLLM, all calling one
local emulator: import time, memory, per-call latency at concurrency 1 (sync and async), async
throughput at concurrency 64 and 256, and how an answer's JSON becomes Python objects at 1, 10
and 100 KB. Prints a table; asserts nothing (numbers depend on the machine).

Each client runs in its own fresh interpreter (`--worker NAME`) so imports and memory do not
mix. Run through tests/bench/python/run.sh, which builds release binaries first.
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
from typing import Any, Callable, Dict, List, Optional

REPO = Path(__file__).resolve().parents[3]
API_KEY = "emulator-key-0000"
API_VERSION = "2024-10-21"
MODEL = "DeepSeek-V3.2"
HI = [{"role": "user", "content": "hello there"}]
LATENCY_CALLS = 300
THROUGHPUT_SECONDS = 3.0
SIZES = {"1KB": 1_000, "10KB": 10_000, "100KB": 100_000}


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
    """One library: a sync call, an async call, and the text of an answer."""

    sync_call: Callable[..., Any]
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


SUBJECTS = {"foundry": ("foundry_client", foundry_subject), "openai": ("openai", openai_subject), "litellm": ("litellm", litellm_subject)}


# -- measurements -------------------------------------------------------------------------------


def sync_latency(s: Subject) -> Dict[str, float]:
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
    out = {}
    for label, size in SIZES.items():
        m = prompt_of(size)
        for _ in range(5):
            s.sync_call(m, max_tokens=budget(size))
        samples = []
        for _ in range(40):
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
        return {"error": f"{type(e).__name__}: {e}"}
    import_and_setup = time.perf_counter() - started
    result: Dict[str, Any] = {"module": module, "import_and_client_s": import_and_setup, "rss_after_import_mb": rss_mb()}
    try:
        result["sync"] = sync_latency(s)

        async def async_part() -> None:  # one loop: openai's async client is bound to its first
            result["async"] = await async_latency(s)
            for c in (64, 256):
                result[f"throughput_{c}"] = await throughput(s, c)

        asyncio.run(async_part())
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
    """Median of 5 cold imports, each in a fresh interpreter."""
    code = (
        "import os,time;os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP','True');"
        f"t=time.perf_counter();import {module};print(time.perf_counter()-t)"
    )
    samples = []
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            return None
        samples.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


# -- the driver -----------------------------------------------------------------------------------


def spawn(args: List[str], timeout: float) -> Dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]}
    result: Dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fmt(v: Optional[float], digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def ratio(ours: Optional[float], theirs: Optional[float], higher_is_better: bool) -> str:
    if ours is None or theirs is None or ours == 0 or theirs == 0:
        return "n/a"
    r = ours / theirs if higher_is_better else theirs / ours
    return f"{r:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emulator", default=str(REPO / "target/release/foundry-emulator"))
    parser.add_argument("--worker")
    parser.add_argument("--endpoint")
    args = parser.parse_args()
    if args.worker == "conversion":
        print(json.dumps(conversion_worker(args.endpoint)))
        return
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.endpoint)))
        return

    emulator = subprocess.Popen(
        [args.emulator, "--config", str(REPO / "tests/conformance/emulator.yaml"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        endpoint = json.loads(emulator.stdout.readline())["endpoint"]
        results = {}
        for name, (module, _) in SUBJECTS.items():
            print(f"... {name}", file=sys.stderr, flush=True)
            results[name] = spawn(["--worker", name, "--endpoint", endpoint], timeout=300)
            results[name]["import_s"] = import_time(module)
        print("... JSON conversion", file=sys.stderr, flush=True)
        conversion = spawn(["--worker", "conversion", "--endpoint", endpoint], timeout=300)
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=10)
    report(results, conversion)


def report(results: Dict[str, Dict[str, Any]], conversion: Dict[str, Any]) -> None:
    f, o, lt = results["foundry"], results["openai"], results["litellm"]

    def get(r: Dict[str, Any], *path: str) -> Optional[float]:
        v: Any = r
        for p in path:
            if not isinstance(v, dict) or p not in v:
                return None
            v = v[p]
        return float(v)

    rows = [
        ("import time (ms)", ("import_s",), 1000, False),
        ("RSS after import + client (MB)", ("rss_after_import_mb",), 1, False),
        ("sync latency p50, c=1 (ms)", ("sync", "p50_ms"), 1, False),
        ("sync latency p99, c=1 (ms)", ("sync", "p99_ms"), 1, False),
        ("async latency p50, c=1 (ms)", ("async", "p50_ms"), 1, False),
        ("async latency p99, c=1 (ms)", ("async", "p99_ms"), 1, False),
        ("async throughput, c=64 (calls/s)", ("throughput_64",), 1, True),
        ("async throughput, c=256 (calls/s)", ("throughput_256",), 1, True),
        ("sync latency, 1 KB answer (ms)", ("sized_ms", "1KB"), 1, False),
        ("sync latency, 10 KB answer (ms)", ("sized_ms", "10KB"), 1, False),
        ("sync latency, 100 KB answer (ms)", ("sized_ms", "100KB"), 1, False),
        ("peak RSS (MB)", ("peak_rss_mb",), 1, False),
    ]
    print()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; every client against one local emulator (release build)")
    print()
    print("| metric | foundry-client | openai (AzureOpenAI) | LiteLLM | vs openai | vs LiteLLM |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, path, scale, higher in rows:
        vals = [get(r, *path) for r in (f, o, lt)]
        vals = [None if v is None else v * scale for v in vals]
        digits = 0 if higher else 2
        print(
            f"| {label} | {fmt(vals[0], digits)} | {fmt(vals[1], digits)} | {fmt(vals[2], digits)} "
            f"| {ratio(vals[0], vals[1], higher)} | {ratio(vals[0], vals[2], higher)} |"
        )
    for name, r in results.items():
        if "error" in r:
            print(f"\n{name}: not (fully) measured: {r['error']}")
    print("\nRatios: how many times better foundry-client is (>1x) or worse (<1x).")

    print("\nJSON -> Python objects for the whole `chat.completion` view (µs per answer):")
    print()
    print("| answer | bytes | pythonize (Rust builds objects) | bytes + json.loads | bytes + orjson.loads | lazy `.text` | `ChatCompletion(r).choices[0].message.content` | `ChatCompletion(r).text` |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    if "error" in conversion:
        print(f"\nconversion: not measured: {conversion['error']}")
        return
    for label, row in conversion.items():
        print(
            f"| {label} | {row['bytes']:,} | {row['pythonize_view_us']:.1f} | {row['json_loads_view_us']:.1f} "
            f"| {fmt(row.get('orjson_view_us'), 1)} | {row['lazy_text_us']:.2f} "
            f"| {row['wrapper_choices_content_us']:.1f} | {row['wrapper_text_us']:.2f} |"
        )


if __name__ == "__main__":
    main()
