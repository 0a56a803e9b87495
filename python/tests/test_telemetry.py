"""OpenTelemetry from Python: the current span of the ``opentelemetry`` SDK becomes the parent
of the core's span (sync, async and streamed calls, and in a forked child), a ``traceparent``
the caller sets wins, and the core's export reaches the emulator's OTLP receiver once
``flush_telemetry()`` returns. The export is set up once per process from ``OTEL_*``, so the
calls run in a subprocess with those variables set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import Emulator

CALLER = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"

SCRIPT = r"""
import asyncio, json, os, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
import foundry_client as fc

trace.set_tracer_provider(TracerProvider())
tracer = trace.get_tracer("foundry-client-test")
config = json.loads(sys.argv[1])
HI = [{"role": "user", "content": "hello there"}]
client = fc.Foundry(config)
out = {}

def ids(span):
    ctx = span.get_span_context()
    return {"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x")}

with tracer.start_as_current_span("python-parent") as parent:
    out["parent"] = ids(parent)
    out["chat_id"] = client.chat.completions.create(model="DeepSeek-V3.2", messages=HI).id
    for _ in client.chat.completions.create(model="gpt-5.4", messages=HI, stream=True):
        pass

    async def call_async():
        async_client = fc.AsyncFoundry(config)
        r = await async_client.chat.completions.create(model="Kimi-K2.6", messages=HI)
        return r.id

    out["async_id"] = asyncio.run(call_async())
    # The caller's own traceparent wins over the current span.
    client.chat.completions.create(
        model="gpt-5.1-codex", messages=HI, extra_headers={"traceparent": sys.argv[3]}
    )

# No current span: the core's span is a root.
client.embeddings.create(model="text-embedding-3-small", input="hello")
out["flushed"] = fc.flush_telemetry()

# A forked child, calling through its parent's client, exports from its own pipeline.
pid = os.fork()
if pid == 0:
    with tracer.start_as_current_span("child-parent") as span:
        child = ids(span)
        client.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    child["flushed"] = fc.flush_telemetry()
    with open(sys.argv[2], "w") as f:
        json.dump(child, f)
    os._exit(0)
_, status = os.waitpid(pid, 0)
out["child_exit"] = os.waitstatus_to_exitcode(status)
print(json.dumps(out))
"""


def spans(got: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [s for s in got["spans"] if s["name"] == name]


def test_the_core_span_joins_the_python_trace(emulator: Emulator, tmp_path: Path) -> None:
    emulator.scenario("otel-py")
    emulator.control("DELETE", "_emulator/otlp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | {
        "OTEL_EXPORTER_OTLP_ENDPOINT": emulator.endpoint.rstrip("/"),
        # JSON here (the Rust test covers protobuf): the receiver decodes both.
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
        "OTEL_SERVICE_NAME": "python-otel-test",
    }
    child_file = tmp_path / "child.json"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(emulator.config("otel-py")), str(child_file), CALLER],
        env=env,
        cwd=tmp_path,  # the installed package, not the source tree
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["flushed"] is True
    assert out["child_exit"] == 0
    got = emulator.control("GET", "_emulator/otlp")
    assert got["requests"].get("json", 0) > 0, got["requests"]
    parent = out["parent"]

    for name in ("chat DeepSeek-V3.2", "chat gpt-5.4", "chat Kimi-K2.6"):
        [span] = [s for s in spans(got, name) if s["trace_id"] == parent["trace_id"]]
        assert span["parent_span_id"] == parent["span_id"], span
        assert span["kind"] == "client"
        assert span["resource"]["service.name"] == "python-otel-test"
        assert span["attributes"]["gen_ai.operation.name"] == "chat"
        assert span["attributes"]["gen_ai.provider.name"] == "azure.ai.openai"
        assert span["attributes"]["gen_ai.usage.output_tokens"] > 0
    [sync] = [s for s in spans(got, "chat DeepSeek-V3.2") if s["trace_id"] == parent["trace_id"]]
    assert sync["attributes"]["gen_ai.response.id"] == out["chat_id"]
    [async_span] = spans(got, "chat Kimi-K2.6")
    assert async_span["attributes"]["gen_ai.response.id"] == out["async_id"]

    [own] = spans(got, "chat gpt-5.1-codex")
    assert (own["trace_id"], own["parent_span_id"]) == ("1" * 32, "2" * 16)

    [root] = spans(got, "embeddings text-embedding-3-small")
    assert root["parent_span_id"] is None
    assert root["trace_id"] != parent["trace_id"]

    # The service saw each core span as its parent (the request's traceparent).
    sent = {r["headers"].get("traceparent") for r in emulator.requests("otel-py")}
    for span in got["spans"]:
        assert f"00-{span['trace_id']}-{span['span_id']}-01" in sent, span["name"]

    child = json.loads(child_file.read_text())
    assert child["flushed"] is True
    [forked] = [s for s in spans(got, "chat DeepSeek-V3.2") if s["trace_id"] == child["trace_id"]]
    assert forked["parent_span_id"] == child["span_id"]

    durations = [m for m in got["metrics"] if m["name"] == "gen_ai.client.operation.duration"]
    models = {p["attributes"]["gen_ai.request.model"] for m in durations for p in m["points"]}
    assert {"DeepSeek-V3.2", "gpt-5.4", "Kimi-K2.6", "text-embedding-3-small"} <= models


def test_without_a_span_or_opentelemetry_the_headers_are_untouched() -> None:
    from foundry_client import _telemetry

    request = {"model": "m", "extra_headers": {"x-a": "1"}}
    assert _telemetry.with_trace_context(request) == request
    assert _telemetry.with_trace_context({"model": "m"}) == {"model": "m"}


def test_the_span_fills_in_what_the_caller_did_not_set() -> None:
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState

    from foundry_client import _telemetry

    context = SpanContext(
        trace_id=0x1234,
        span_id=0x5678,
        is_remote=False,
        trace_flags=TraceFlags(1),
        trace_state=TraceState([("vendor", "theirs")]),
    )
    with trace.use_span(NonRecordingSpan(context)):
        sent = _telemetry.with_trace_context({"model": "m", "extra_headers": {"TraceState": "mine=1"}})
    assert sent["extra_headers"] == {
        "TraceState": "mine=1",
        "traceparent": "00-" + format(0x1234, "032x") + "-" + format(0x5678, "016x") + "-01",
    }
