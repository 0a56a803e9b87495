"""Every conformance vector of tests/conformance/ through the public C API.

The C side is `vector_runner` (one process per vector: client, call, outcome line); this
script does what the C program cannot without a JSON library: substitutes the placeholders,
registers the scenario, matches the outcome with the shared matcher, checks `within_ms` and
the request log. Non-serial vectors run 8 at a time, then the serial ones one by one. The
format is tests/conformance/README.md.

    python3 run_vectors.py EMULATOR_JSON VECTOR_RUNNER
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "python/tests"))
from matcher import mismatch  # noqa: E402  (the one matcher every binding's runner shares)

API_KEY = "emulator-key-0000"


class Emulator:
    def __init__(self, info: dict[str, str]) -> None:
        self.endpoint = info["endpoint"]
        self.https_endpoint = info["https_endpoint"]
        self.ca_file = info["ca_file"]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def scenario(self, name: str, script: Any) -> None:
        self._call("POST", f"_emulator/scenarios/{name}", script or {})

    def requests(self, name: str) -> Any:
        return self._call("GET", f"_emulator/scenarios/{name}/requests")


def substitute(value: Any, fx: Emulator, name: str) -> Any:
    if isinstance(value, str):
        return (
            value.replace("{{endpoint}}", fx.endpoint)
            .replace("{{https_endpoint}}", fx.https_endpoint)
            .replace("{{api_key}}", API_KEY)
            .replace("{{ca_file}}", fx.ca_file)
            .replace("{{scenario}}", name)
        )
    if isinstance(value, list):
        return [substitute(v, fx, name) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, fx, name) for k, v in value.items()}
    return value


def outcome_of(op: str, line: dict[str, Any]) -> tuple[bool, Any]:
    """The runner's line as the vectors' actual value: (True, result) or (False, error)."""
    if "err" in line:
        return False, line["err"]
    result = line["ok"]
    if op in ("chat_stream", "responses_stream"):
        return True, {**result, "chunk_count": line["chunk_count"]}
    if op == "smoke":
        return True, {"deployments": result}
    if op == "load_catalog":
        return True, {"deployments": [d["name"] for d in result]}
    return True, result


def run_vector(path: Path, fx: Emulator, runner: str, work: Path) -> list[str]:
    raw = json.loads(path.read_text())
    name = raw["name"]
    v = substitute(raw, fx, name)
    fx.scenario(name, v.get("scenario"))
    op = v["call"].get("op", "chat")
    request = dict(v["call"].get("request") or {})
    request.pop("stream", None)
    catalog_arg = "-"
    if "catalog" in v:
        catalog = v["catalog"]
        if "model_list" not in catalog:
            defaults = catalog.setdefault("defaults", {})
            defaults.setdefault("headers", {})["x-emulator-scenario"] = name
        catalog_file = work / f"{name}.catalog.json"
        catalog_file.write_text(json.dumps(catalog))
        catalog_arg = str(catalog_file)
    else:
        # The environment catalog has no defaults to carry the scenario header: the call does.
        request["extra_headers"] = {**request.get("extra_headers", {}), "x-emulator-scenario": name}
    request_file = work / f"{name}.request"
    request_file.write_text(request.get("model", "") if op == "info" else json.dumps(request))
    # The client sees only the vector's environment, as in every other runner.
    env = {k: str(val) for k, val in (v.get("env") or {}).items()}
    started = time.monotonic()
    done = subprocess.run(
        [runner, op, catalog_arg, str(request_file)], env=env, capture_output=True, text=True, timeout=120
    )
    took_ms = (time.monotonic() - started) * 1000
    if done.returncode != 0 or not done.stdout.strip():
        return [f"vector_runner exited {done.returncode}: {done.stderr.strip()[:2000]}"]
    ok, actual = outcome_of(op, json.loads(done.stdout))
    problems: list[str] = []
    # A correctness bound (the call ended by its deadline), not a benchmark.
    if "within_ms" in v and took_ms > v["within_ms"]:
        problems.append(f"the call took {took_ms:.0f} ms, more than within_ms {v['within_ms']}")
    expect = v["expect"]
    want = expect.get("result" if ok else "error")
    if want is None:
        got = "a result" if ok else "an error"
        problems.append(f"expected {'an error' if ok else 'a result'}, got {got}: {json.dumps(actual)[:2000]}")
    else:
        found = mismatch(want, actual)
        if found:
            problems.append(f"{'result' if ok else 'error'} mismatch at {found}\nactual: {json.dumps(actual)[:3000]}")
    if "expect_requests" in v and not problems:
        log = fx.requests(name)
        found = mismatch(v["expect_requests"], log)
        if found:
            problems.append(f"requests mismatch at {found}\nlog: {json.dumps(log)[:3000]}")
    return problems


def main() -> int:
    emulator_json, runner = sys.argv[1], sys.argv[2]
    fx = Emulator(json.loads(Path(emulator_json).read_text().splitlines()[0]))
    vectors = sorted((REPO / "tests/conformance").glob("*.json"))
    serial = [p for p in vectors if json.loads(p.read_text()).get("serial")]
    concurrent = [p for p in vectors if p not in serial]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(zip(concurrent, pool.map(lambda p: run_vector(p, fx, runner, work), concurrent)))
        for p in serial:
            results[p] = run_vector(p, fx, runner, work)
    failed = {p: found for p, found in results.items() if found}
    for p, found in sorted(failed.items()):
        print(f"FAIL {p.name}:\n  " + "\n  ".join(found), file=sys.stderr)
    print(f"C conformance vectors: {len(results) - len(failed)}/{len(results)} passed")
    if len(results) < 60:
        print(f"expected the shared vectors, found {len(results)}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
