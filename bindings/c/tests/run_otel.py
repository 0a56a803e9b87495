"""The OpenTelemetry export from C: runs test_otel (a chat call under the caller's span, one
without, foundry_flush_telemetry()) as its own process with OTEL_* pointing at the emulator's
OTLP receiver, then checks what the receiver got, which the C program cannot parse without a
JSON library: the core's CLIENT span `chat <model>` is a child of the caller's traceparent
with the GenAI and foundry.* attributes, the service saw that span as the request's parent,
the call without a traceparent has a root span, the duration metric arrived, and the API key
appears nowhere in the export. Any arguments after TEST_OTEL wrap it (valgrind ...).

    python3 run_otel.py EMULATOR_JSON TEST_OTEL [WRAPPER ARGS...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

SCENARIO = "c_otel"
# The made-up key tests/conformance/emulator.yaml accepts; finding it anywhere in the export
# means it leaked.
KEY = "emulator-key-0000"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"

failures: list[str] = []
checked = 0


def check(ok: bool, what: str, seen: Any = None) -> None:
    global checked
    checked += 1
    if not ok:
        failures.append(what if seen is None else f"{what}: {json.dumps(seen)[:600]}")


def control(endpoint: str, method: str, path: str) -> Any:
    req = urllib.request.Request(endpoint + path, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def main() -> int:
    info = json.loads(Path(sys.argv[1]).read_text())
    test_otel, wrapper = sys.argv[2], sys.argv[3:]
    endpoint = info["endpoint"]
    control(endpoint, "DELETE", "_emulator/otlp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | {
        "FOUNDRY_TEST_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint.rstrip("/"),
        "OTEL_SERVICE_NAME": "c-otel-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
    }
    done = subprocess.run(
        [*wrapper, test_otel, SCENARIO, KEY, TRACEPARENT],
        env=env,
        timeout=300,
        check=False,
    )
    check(done.returncode == 0, f"test_otel exited {done.returncode}")

    raw = json.dumps(control(endpoint, "GET", "_emulator/otlp"))
    got = json.loads(raw)
    check(KEY not in raw, "the API key is in the exported telemetry")
    spans = got["spans"]

    own = [s for s in spans if s["name"] == "chat DeepSeek-V3.2"]
    check(len(own) == 1, "one span `chat DeepSeek-V3.2`", [s["name"] for s in spans])
    for span in own:
        attributes = span["attributes"]
        check(span["kind"] == "client", "the core's span is CLIENT", span)
        check(
            span["trace_id"] == CALLER_TRACE, "the span is in the caller's trace", span
        )
        check(
            span["parent_span_id"] == CALLER_SPAN,
            "the caller's span is its parent",
            span,
        )
        check(
            span["resource"].get("service.name") == "c-otel-test",
            "OTEL_SERVICE_NAME",
            span,
        )
        check(
            attributes.get("gen_ai.operation.name") == "chat",
            "gen_ai.operation.name",
            span,
        )
        check(
            attributes.get("gen_ai.request.model") == "DeepSeek-V3.2",
            "gen_ai.request.model",
            span,
        )
        check(
            attributes.get("gen_ai.usage.input_tokens", 0) > 0,
            "gen_ai.usage.input_tokens",
            span,
        )
        check(
            attributes.get("foundry.deployment") == "DeepSeek-V3.2",
            "foundry.deployment",
            span,
        )
        check("foundry.attempts" in attributes, "foundry.attempts", span)
        check(not span.get("duplicate_attributes"), "no attribute twice", span)

    root = [s for s in spans if s["name"] == "chat gpt-5.4"]
    check(len(root) == 1, "one span `chat gpt-5.4`", [s["name"] for s in spans])
    for span in root:
        check(
            span["parent_span_id"] is None,
            "without a traceparent the span is a root",
            span,
        )
        check(
            span["trace_id"] != CALLER_TRACE, "the root span starts its own trace", span
        )

    # The service saw each call's core span (not the caller's) as the request's parent.
    log = control(endpoint, "GET", f"_emulator/scenarios/{SCENARIO}/requests")
    sent = {
        r["deployment"]: r["headers"].get("traceparent")
        for r in log
        if r.get("deployment")
    }
    for span in own + root:
        model = span["attributes"].get("gen_ai.request.model")
        want = f"00-{span['trace_id']}-{span['span_id']}-01"
        check(
            sent.get(model) == want,
            f"the {model} request carried the core span's traceparent",
            sent,
        )
    check(
        TRACEPARENT not in sent.values(), "the caller's span id is not sent as is", sent
    )

    durations = [
        m for m in got["metrics"] if m["name"] == "gen_ai.client.operation.duration"
    ]
    models = {
        p["attributes"].get("gen_ai.request.model")
        for m in durations
        for p in m["points"]
    }
    check(
        {"DeepSeek-V3.2", "gpt-5.4"} <= models,
        "gen_ai.client.operation.duration for both calls",
        models,
    )

    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(
        f"OpenTelemetry export from C: {len(spans)} spans and {len(got['metrics'])} metrics received, "
        f"{checked - len(failures)} checks passed, {len(failures)} failed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
