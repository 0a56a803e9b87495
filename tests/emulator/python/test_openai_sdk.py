"""The official `openai` SDK's AzureOpenAI client, unmodified, against the emulator binary.

Run: FOUNDRY_EMULATOR_BIN=target/debug/foundry-emulator python -m pytest tests/emulator/python
(the default binary path is target/debug/foundry-emulator under the repo root).
"""

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import openai
import pytest
from openai import AzureOpenAI

REPO_ROOT = Path(__file__).resolve().parents[3]
API_KEY = "emulator-key-0000"
API_VERSION = "2024-10-21"


@pytest.fixture(scope="module")
def emulator():
    binary = Path(os.environ.get("FOUNDRY_EMULATOR_BIN", REPO_ROOT / "target/debug/foundry-emulator"))
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.exists():
        pytest.fail(f"{binary} not found: build it with `cargo build -p foundry-emulator`")
    proc = subprocess.Popen([str(binary), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        yield info
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def client(emulator, **kw):
    return AzureOpenAI(azure_endpoint=emulator["endpoint"], api_key=API_KEY, api_version=API_VERSION, **kw)


def control(emulator, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(emulator["endpoint"] + path, data=data, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def test_chat(emulator):
    r = client(emulator).chat.completions.create(
        model="gpt-5.4", messages=[{"role": "user", "content": "hello there"}], max_completion_tokens=100
    )
    assert r.choices[0].message.content == "gpt-5.4 heard: hello there"
    assert r.choices[0].finish_reason == "stop"
    assert r.model == "gpt-5.4"
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (2, 4, 6)
    assert r.usage.completion_tokens_details.reasoning_tokens == 0
    # Azure's annotations survive as extra fields.
    assert r.prompt_filter_results[0]["content_filter_results"]["hate"]["severity"] == "safe"


def test_chat_stream_reassembles(emulator):
    stream = client(emulator).chat.completions.create(
        model="DeepSeek-V3.2",
        messages=[{"role": "user", "content": "one  two three"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == "DeepSeek-V3.2 heard: one  two three"
    assert finish == "stop"
    assert usage.completion_tokens == 5


def test_thinking_stream_carries_reasoning(emulator):
    stream = client(emulator).chat.completions.create(
        model="Kimi-K2.6", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    reasoning, text = "", ""
    for chunk in stream:
        for choice in chunk.choices:
            reasoning += (choice.delta.model_extra or {}).get("reasoning_content") or ""
            text += choice.delta.content or ""
    assert len(reasoning.split()) == 64
    assert text == "Kimi-K2.6 heard: hi"


def test_tool_calls(emulator):
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    r = client(emulator).chat.completions.create(
        model="gpt-5.4", messages=[{"role": "user", "content": "Oslo"}], tools=tools
    )
    call = r.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == ("call_emu_1", "weather", {"city": "Oslo"})


def test_responses(emulator):
    r = client(emulator).responses.create(model="gpt-5.1-codex", input="hi", instructions="be brief")
    assert r.output_text == "gpt-5.1-codex heard: hi"
    assert r.status == "completed"
    assert (r.usage.input_tokens, r.usage.output_tokens) == (3, 3)


def test_responses_stream(emulator):
    stream = client(emulator).responses.create(model="gpt-5.4", input="stream me", stream=True)
    deltas, final = [], None
    for event in stream:
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
        if event.type == "response.completed":
            final = event.response
    assert "".join(deltas) == "gpt-5.4 heard: stream me"
    assert final.output_text == "gpt-5.4 heard: stream me"


def test_embeddings(emulator):
    # The SDK asks for base64 by default and decodes it.
    r = client(emulator).embeddings.create(model="gpt-5.4", input=["alpha beta", "gamma"])
    assert [d.index for d in r.data] == [0, 1]
    assert len(r.data[0].embedding) == 8
    assert abs(sum(x * x for x in r.data[0].embedding) - 1.0) < 1e-4
    floats = client(emulator).embeddings.create(model="gpt-5.4", input="alpha beta", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(r.data[0].embedding, abs=1e-6)
    assert r.usage.prompt_tokens == 3


def test_rate_limit_error(emulator):
    with pytest.raises(openai.RateLimitError) as err:
        client(emulator, max_retries=0).chat.completions.create(
            model="gpt-5.4",
            messages=[{"role": "user", "content": "x"}],
            extra_headers={"x-emulator-fault": "status=429;retry-after-ms=10"},
        )
    assert err.value.status_code == 429
    assert err.value.response.headers["retry-after-ms"] == "10"


def test_sdk_retries_on_retry_after_ms(emulator):
    control(emulator, "POST", "_emulator/scenarios/sdk-retry", {"deployments": {"gpt-5.4": ["status=429;retry-after-ms=10", "status=503"]}})
    r = client(emulator, max_retries=2).chat.completions.create(
        model="gpt-5.4",
        messages=[{"role": "user", "content": "again"}],
        extra_headers={"x-emulator-scenario": "sdk-retry"},
    )
    assert r.choices[0].message.content == "gpt-5.4 heard: again"
    log = control(emulator, "GET", "_emulator/scenarios/sdk-retry/requests")
    assert [e["status"] for e in log] == [429, 503, 200]


def test_content_filter(emulator):
    with pytest.raises(openai.BadRequestError) as err:
        client(emulator).chat.completions.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "[[filter:self_harm]]"}]
        )
    assert err.value.code == "content_filter"
    assert err.value.body["innererror"]["content_filter_result"]["self_harm"] == {"filtered": True, "severity": "medium"}


def test_responses_only_deployment(emulator):
    with pytest.raises(openai.BadRequestError) as err:
        client(emulator).chat.completions.create(model="gpt-5.1-codex", messages=[{"role": "user", "content": "x"}])
    assert err.value.code == "OperationNotSupported"


def test_managed_identity_token(emulator):
    req = urllib.request.Request(
        emulator["endpoint"] + "msi/token?api-version=2019-08-01&resource=https://cognitiveservices.azure.com",
        headers={"X-IDENTITY-HEADER": "local", "Metadata": "true"},
    )
    with urllib.request.urlopen(req) as resp:
        token = json.loads(resp.read())["access_token"]
    c = AzureOpenAI(azure_endpoint=emulator["endpoint"], azure_ad_token_provider=lambda: token, api_version=API_VERSION)
    r = c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": "token"}])
    assert r.choices[0].message.content == "DeepSeek-V3.2 heard: token"
    assert control(emulator, "GET", "_emulator/stats")["token_requests"] >= 1


def test_https_with_the_ca(emulator):
    import ssl

    http = openai.DefaultHttpxClient(verify=ssl.create_default_context(cafile=emulator["ca_file"]))
    c = AzureOpenAI(azure_endpoint=emulator["https_endpoint"], api_key=API_KEY, api_version=API_VERSION, http_client=http)
    r = c.chat.completions.create(model="gpt-5.4", messages=[{"role": "user", "content": "tls"}])
    assert r.choices[0].message.content == "gpt-5.4 heard: tls"
