"""Every conformance vector of tests/conformance/ through the
public C API.

The C side is `vector_runner` (one process per vector: client, call, outcome line); this
script does what the C program cannot without a JSON library: loads the vector with its
placeholders substituted and its client settings (tests/conformance/vectors.py, shared with
the Python suite), registers the scenario, matches the outcome with the shared matcher, checks
`within_ms` and the request log. Non-serial vectors run 8 at a time, then the serial ones one
by one. The format is tests/conformance/README.md.

    python3 run_vectors.py EMULATOR_JSON VECTOR_RUNNER
"""

from __future__ import annotations

import json
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
sys.path.insert(0, str(REPO / "tests/conformance"))
from matcher import mismatch  # noqa: E402  (the one matcher every binding's runner shares)
from vectors import client_settings, load, vector_paths  # noqa: E402


class Emulator:
    def __init__(self, info: dict[str, str]) -> None:
        self.endpoint = info["endpoint"]
        self.https_endpoint = info["https_endpoint"]
        self.ca_file = info["ca_file"]
        self.ca_pem = Path(self.ca_file).read_text()

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


def error_of(line: dict[str, Any]) -> dict[str, Any]:
    """The error compared: details_json with `kind`, `code` and the top of `cause` taken from
    the struct's own fields (the rest of the chain is only in details_json)."""
    error: dict[str, Any] = dict(line["err"])
    error["kind"], error["code"] = line["kind"], line["code"]
    below = (error.pop("cause", None) or {}).get("cause")
    if line["cause"] is not None:
        error["cause"] = {"message": line["cause"], **({"cause": below} if below else {})}
    return error


def outcome_of(op: str, line: dict[str, Any]) -> tuple[bool, Any]:
    """The runner's line as the vectors' actual value: (True, result) or (False, error)."""
    if "err" in line:
        return False, error_of(line)
    result = line["ok"]
    if op in ("chat_stream", "responses_stream"):
        return True, {**result, "chunk_count": line["chunk_count"]}
    if op == "smoke":
        return True, {"deployments": result}
    if op == "load_catalog":
        return True, {"deployments": [d["name"] for d in result]}
    return True, result


def runner_args(v: dict[str, Any], fx: Emulator, work: Path) -> list[str]:
    """The settings, request, with_options and token files of vector `v`, as vector_runner's
    arguments after OP."""
    name = v["name"]
    op = v["call"].get("op", "chat")
    request = dict(v["call"].get("request") or {})
    request.pop("stream", None)
    files = {
        "settings": {**client_settings(v), "ca_pem": fx.ca_pem},
        "request": request.get("model", "") if op == "info" else request,
    }
    args = [str(work / f"{name}.settings"), str(work / f"{name}.request")]
    if "with_options" in v["call"]:
        files["with_options"] = v["call"]["with_options"]
        args += ["--with-options", str(work / f"{name}.with_options")]
    token = (v.get("client") or {}).get("token_provider")
    if token is not None:
        files["token"] = token if isinstance(token, str) else token["error"]
        args += ["--token" if isinstance(token, str) else "--token-error", str(work / f"{name}.token")]
    for kind, content in files.items():
        text = content if isinstance(content, str) and kind in ("request", "token") else json.dumps(content)
        (work / f"{name}.{kind}").write_text(text)
    return args


def run_vector(path: Path, fx: Emulator, runner: str, work: Path) -> list[str]:
    v = load(path, fx)
    name = v["name"]
    fx.scenario(name, v.get("scenario"))
    op = v["call"].get("op", "chat")
    args = runner_args(v, fx, work)
    started = time.monotonic()
    # An empty environment: the client reads only the settings' `env`, as in every other runner.
    done = subprocess.run([runner, op, *args], check=False, env={}, capture_output=True, text=True, timeout=120)
    took_ms = (time.monotonic() - started) * 1000
    if done.returncode != 0 or not done.stdout.strip():
        return [f"vector_runner exited {done.returncode}: {done.stderr.strip()[:2000]}"]
    line = json.loads(done.stdout)
    ok, actual = outcome_of(op, line)
    problems: list[str] = []
    if not ok and line["kind_code_name"] != line["kind"]:
        problems.append(f"kind_code names {line['kind_code_name']!r}, kind is {line['kind']!r}")
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
    vectors = vector_paths()
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
    if len(results) < 60 or not any(p.name.startswith("construction_") for p in results):
        print(f"expected the shared vectors (constructors included), found {len(results)}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
