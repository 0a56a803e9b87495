"""The Python surface: the openai-shaped results and their normalized extras, the constructors,
streams, events and logging. (Behaviour shared with every language is in the conformance
vectors; this file covers what is Python's own.)"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, Emulator

import foundry_client as fc

HI = [{"role": "user", "content": "hello there"}]
WEATHER = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def client(emulator: Emulator, scenario: str, **options: Any) -> fc.Foundry:
    emulator.scenario(scenario)
    return fc.Foundry(emulator.config(scenario), **options)


def test_chat_reads_like_openai_and_adds_the_extras(emulator: Emulator) -> None:
    r = client(emulator, "py-chat").chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=50)
    assert isinstance(r, fc.ChatCompletion)
    assert r.choices[0].message.content == "gpt-5.4 heard: hello there"
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.tool_calls is None
    assert r.object == "chat.completion" and r.id.startswith("chatcmpl-") and r.model == "gpt-5.4"
    assert r.created > 1_600_000_000
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (2, 4, 6)
    assert r.usage.prompt_tokens_details.cached_tokens == 0
    assert r.usage.completion_tokens_details.reasoning_tokens == 0
    assert r.text == "gpt-5.4 heard: hello there" and r.reasoning is None
    assert r.finish_reason == "stop" and r.deployment == "gpt-5.4" and r.attempts == 1
    assert r.cost_usd == pytest.approx((2 * 1.25 + 4 * 10) / 1e6)
    assert r.request_id == "req-py-chat-1"
    assert r.api == "chat"
    assert not r.content_filter.filtered and r.content_filter.results
    assert r.prompt_filter_results is not None and r.prompt_filter_results[0]["prompt_index"] == 0
    assert [a.status for a in r.tried] == [200]
    d = r.to_dict()
    assert d["text"] == r.text and d["usage"]["input_tokens"] == 2 and d["raw"]["object"] == "chat.completion"
    assert r.model_dump()["choices"][0]["message"]["content"] == r.text
    assert "gpt-5.4" in repr(r)


def test_reasoning_content_and_tool_calls(emulator: Emulator) -> None:
    c = client(emulator, "py-reasoning")
    r = c.chat.completions.create(model="Kimi-K2.6", messages=HI, max_tokens=500)
    assert r.reasoning and r.choices[0].message.reasoning_content == r.reasoning
    assert r.usage.reasoning_tokens == 64
    t = c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": "Paris"}], tools=WEATHER)
    assert t.finish_reason == "tool_calls" and t.text is None
    call = t.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.id, call.type, call.function.name) == ("call_emu_1", "function", "get_weather")
    assert json.loads(call.function.arguments or "") == {"city": "Paris"}
    assert t.tool_calls[0].name == "get_weather" and t.tool_calls[0].parsed_arguments() == {"city": "Paris"}


def test_none_means_not_given_and_extra_body_merges(emulator: Emulator) -> None:
    c = client(emulator, "py-none")
    c.chat.completions.create(
        model="DeepSeek-V3.2", messages=HI, tools=None, temperature=None, extra_body={"seed": 7}, extra_headers={"x-trace": "t1"}
    )
    (logged,) = emulator.requests("py-none")
    assert "tools" not in logged["body"] and "temperature" not in logged["body"]
    assert logged["body"]["seed"] == 7 and logged["headers"]["x-trace"] == "t1"


def test_responses_and_embeddings(emulator: Emulator) -> None:
    c = client(emulator, "py-responses")
    r = c.responses.create(model="gpt-5.1-codex", input="write tests", max_output_tokens=200)
    assert isinstance(r, fc.Response)
    assert r.output_text == "gpt-5.1-codex heard: write tests" and r.status == "completed"
    assert r.output[-1].type == "message" and r.output[-1].content[0].text == r.output_text
    assert r.usage.input_tokens == 2 and r.usage.output_tokens_details.reasoning_tokens == 0
    assert r.to_dict()["api"] == "responses"
    e = c.embeddings.create(model="text-embedding-3-small", input=["a", "b"], dimensions=4)
    assert [v.index for v in e.data] == [0, 1] and len(e.data[0].embedding) == 4
    assert e.usage.prompt_tokens == 2 and e.usage.total_tokens == 2 and e.deployment == "text-embedding-3-small"
    assert e.to_dict()["data"][1]["index"] == 1


def test_streams_iterate_like_openai_and_fold_the_result(emulator: Emulator) -> None:
    c = client(emulator, "py-stream")
    text = ""
    with c.chat.completions.create(model="Kimi-K2.6", messages=HI, max_tokens=500, stream=True) as stream:
        assert stream.deployment == "Kimi-K2.6"
        reasoning = ""
        for chunk in stream:
            assert isinstance(chunk, fc.ChatCompletionChunk)
            for choice in chunk.choices:
                text += choice.delta.content or ""
                reasoning += choice.delta.reasoning_content or ""
        final = stream.get_final_completion()
    assert text == "Kimi-K2.6 heard: hello there" == final.text
    assert reasoning == final.reasoning
    assert chunk.usage is not None and chunk.usage.completion_tokens == final.usage.output_tokens
    assert final.choices[0].message.content == text

    rs = c.responses.create(model="gpt-5.1-codex", input="hi", stream=True)
    assert isinstance(rs, fc.ResponseStream)
    assert "".join(ch.text or "" for ch in rs) == "gpt-5.1-codex heard: hi"
    assert rs.get_final_response().output_text == "gpt-5.1-codex heard: hi"

    tools = c.chat.completions.create(
        model="DeepSeek-V3.2", messages=[{"role": "user", "content": "Oslo"}], tools=WEATHER, stream=True
    )
    fragments = [d for ch in tools for d in ch.tool_calls]
    assert fragments[0].name == "get_weather" and fragments[0].function.name == "get_weather"
    assert "".join(f.arguments or "" for f in fragments) == '{"city":"Oslo"}'


def test_async_client(emulator: Emulator) -> None:
    emulator.scenario("py-async")

    async def main() -> None:
        async with fc.AsyncFoundry(emulator.config("py-async")) as c:
            r = await c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
            assert r.text == "DeepSeek-V3.2 heard: hello there"
            async with await c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, stream=True) as s:
                assert "".join([ch.text or "" async for ch in s]) == r.text
            assert (await c.responses.create(model="gpt-5.1-codex", input="x")).output_text
            assert (await c.embeddings.create(model="text-embedding-3-small", input="x")).data
            assert [s.ok for s in await c.smoke()] == [True] * 5
            rs = await c.responses.create(model="gpt-5.1-codex", input="y", stream=True)
            assert (await rs.get_final_response()).output_text == "gpt-5.1-codex heard: y"

    asyncio.run(main())


def test_constructors(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.scenario("py-ctor")
    path = tmp_path / "foundry.yaml"
    path.write_text(
        f"defaults:\n  endpoint: {emulator.endpoint}\n  auth: {{type: api_key, env: EMU_KEY}}\n"
        "deployments:\n  - name: DeepSeek-V3.2\n    pricing: {input: 1, output: 2}\n"
    )
    from_file = fc.Foundry.from_config(path, env={"EMU_KEY": API_KEY})
    assert [d.name for d in from_file.deployments()] == ["DeepSeek-V3.2"]
    d = from_file.deployments()[0]
    assert (d.shape, d.auth, d.pricing.input, d.pricing.output) == ("azure", "api_key", 1, 2)
    assert from_file.chat.completions.create(model="DeepSeek-V3.2", messages=HI).cost_usd > 0

    monkeypatch.setenv("EMU_KEY", API_KEY)
    assert fc.Foundry(str(path)).origin.endswith("foundry.yaml")

    explicit = fc.Foundry(endpoint=emulator.endpoint, api_key=API_KEY, default_headers={"x-emulator-scenario": "py-ctor"})
    assert explicit.chat.completions.create(model="gpt-4o-mini", messages=HI).text == "gpt-4o-mini heard: hello there"

    monkeypatch.setenv("FOUNDRY_ENDPOINT", emulator.endpoint)
    monkeypatch.setenv("FOUNDRY_API_KEY", API_KEY)
    r = fc.Foundry().chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    assert r.text == "DeepSeek-V3.2 heard: hello there"

    with pytest.raises(fc.ConfigError) as bad:
        fc.Foundry({"deployments": [{"name": "x", "shape": "grpc", "endpoint": emulator.endpoint}]})
    assert bad.value.kind == "config" and "grpc" in bad.value.message
    with pytest.raises(fc.ConfigError):
        fc.Foundry(env={})


def test_unknown_deployment_is_a_not_found_error_before_sending(emulator: Emulator) -> None:
    c = client(emulator, "py-unknown")
    with pytest.raises(fc.NotFoundError) as e:
        c.chat.completions.create(model="GPT-5.4", messages=HI)
    assert "did you mean 'gpt-5.4'" in e.value.hint
    assert emulator.requests("py-unknown") == []


def test_on_event_receives_the_core_events(emulator: Emulator) -> None:
    events: list[dict[str, Any]] = []
    c = client(emulator, "py-events", on_event=events.append)
    emulator.scenario("py-events", {"deployments": {"DeepSeek-V3.2": ["status=503", "ok"]}})
    r = c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    assert r.attempts == 2
    # Events reach the callback on the client's event thread, after the fact: close() waits
    # until every queued event was delivered.
    c.close()
    assert [e["type"] for e in events] == ["attempt", "attempt", "result"]
    assert events[0]["status"] == 503 and events[0]["error"] == "server" and events[0]["retry_in_ms"] is not None
    assert events[2]["usage"]["total_tokens"] == 6 and events[2]["deployment"] == "DeepSeek-V3.2"


def test_a_failing_event_callback_never_fails_the_call(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")

    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))
    c = client(emulator, "py-events-broken", on_event=broken)
    assert c.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text
    c.close()
    assert len(reported) == 2 and all(str(e) == "observer bug" for e in reported)


def test_the_library_logs_through_logging(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="foundry_client")
    c = client(emulator, "py-logging")
    c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    records = [r for r in caplog.records if r.name.startswith("foundry_client")]
    assert any(r.levelno == logging.INFO and "result" in r.getMessage() for r in records), records
    assert any(r.levelno == logging.DEBUG and "attempt" in r.getMessage() for r in records), records
    assert all(API_KEY not in r.getMessage() for r in caplog.records)


def test_one_client_shared_by_threads(emulator: Emulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    c = client(emulator, "py-threads")

    def call(i: int) -> str:
        r = c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": f"n{i}"}])
        return r.text or ""

    with ThreadPoolExecutor(16) as pool:
        texts = list(pool.map(call, range(64)))
    assert texts == [f"DeepSeek-V3.2 heard: n{i}" for i in range(64)]


def test_a_stream_read_after_close_is_cancelled_and_a_clean_end_stays_ended(emulator: Emulator) -> None:
    c = client(emulator, "py-stream-rules")
    stream = c.chat.completions.create(model="gpt-5.4", messages=HI, stream=True)
    next(stream)
    stream.close()
    stream.close()  # idempotent
    with pytest.raises(fc.APIUserAbortError) as caught:
        next(stream)
    assert caught.value.kind == "cancelled"  # a cut-off answer never looks complete
    ended = c.chat.completions.create(model="gpt-5.4", messages=HI, stream=True)
    assert "".join(chunk.text or "" for chunk in ended) == "gpt-5.4 heard: hello there"
    assert list(ended) == []  # the clean end again, not an error
    ended.close()  # nothing to cancel after the end
    assert list(ended) == []
