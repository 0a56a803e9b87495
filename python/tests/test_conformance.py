"""Every vector of tests/conformance/ through the public Python API, against one emulator.

Each vector runs twice: through `AsyncFoundry` (all non-serial vectors concurrently on one
asyncio loop, then the serial ones one at a time) and through `Foundry` (one by one). The format
is tests/conformance/README.md; the Rust runner is core/tests/conformance.rs.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, Emulator
from matcher import mismatch

from foundry_client import AsyncFoundry, Foundry, FoundryError

# The vectors and their placeholders are shared with the C runner (tests/conformance/vectors.py).
sys.path.insert(0, str(REPO / "tests/conformance"))
from vectors import client_settings, load, vector_paths

VECTORS = vector_paths()
Outcome = tuple[bool, Any]  # (True, result JSON) or (False, error JSON)


def test_the_vectors_are_there() -> None:
    assert len(VECTORS) >= 60, f"expected the shared vectors, found {len(VECTORS)}"
    assert any(p.name.startswith("construction_") for p in VECTORS), "the constructor vectors are not read"


# `client` keys (tests/conformance/README.md) under their Python names: openai's AzureOpenAI.
PYTHON_NAMES = {
    "catalog": "config",
    "endpoint": "azure_endpoint",
    "deployment": "azure_deployment",
}


def token_provider(spec: Any, is_async: bool) -> Any:
    """`client.token_provider`: a token, or `{"error": text}` for a provider that raises."""

    def outcome() -> str:
        if isinstance(spec, str):
            return spec
        raise RuntimeError(spec["error"])

    if not is_async:
        return outcome

    async def provider() -> str:
        await asyncio.sleep(0)
        return outcome()

    return provider


def client_options(vector: dict[str, Any], fx: Emulator, is_async: bool = False) -> dict[str, Any]:
    """The constructor arguments: the shared settings (tests/conformance/vectors.py) under
    their Python names, the emulator's CA, and the token provider as a callable."""
    options = {PYTHON_NAMES.get(k, k): v for k, v in client_settings(vector).items()}
    options["ca_pem"] = fx.ca_pem
    spec = (vector.get("client") or {}).get("token_provider")
    if spec is not None:
        options["azure_ad_token_provider"] = token_provider(spec, is_async)
    return options


def with_options(client: Any, vector: dict[str, Any]) -> Any:
    """`call.with_options`: the client derived as openai's `with_options`."""
    overrides = vector["call"].get("with_options")
    return client if overrides is None else client.with_options(**overrides)


def cause_chain(error: BaseException | None) -> dict[str, Any] | None:
    """`__cause__` as the vectors' `{"message", "cause"}`."""
    if error is None:
        return None
    chain: dict[str, Any] = {"message": str(error)}
    inner = cause_chain(error.__cause__)
    if inner is not None:
        chain["cause"] = inner
    return chain


def error_json(e: FoundryError) -> dict[str, Any]:
    """The error compared: its JSON with `cause` rebuilt from the exception's `__cause__`."""
    found = e.to_dict()
    found.pop("cause", None)
    cause = cause_chain(e.__cause__)
    if cause is not None:
        found["cause"] = cause
    return found


def request_of(vector: dict[str, Any]) -> dict[str, Any]:
    request = dict(vector["call"].get("request") or {})
    request.pop("stream", None)
    return request


def run_sync(vector: dict[str, Any], fx: Emulator) -> Outcome:
    op = vector["call"]["op"]
    request = request_of(vector)
    try:
        client = with_options(Foundry(**client_options(vector, fx)), vector)
        if op == "chat":
            return True, client.chat.completions.create(**request).to_dict()
        if op == "chat_stream":
            with client.chat.completions.create(**request, stream=True) as stream:
                count = sum(1 for _ in stream)
                result = stream.get_final_completion().to_dict()
            return True, {**result, "chunk_count": count}
        if op == "responses":
            return True, client.responses.create(**request).to_dict()
        if op == "responses_stream":
            with client.responses.create(**request, stream=True) as rstream:
                count = sum(1 for _ in rstream)
                result = rstream.get_final_response().to_dict()
            return True, {**result, "chunk_count": count}
        if op == "embeddings":
            return True, client.embeddings.create(**request).to_dict()
        if op == "info":
            return True, client.info(request["model"])
        if op == "smoke":
            return True, {"deployments": [s.to_dict() for s in client.smoke()]}
        if op == "load_catalog":
            return True, {"deployments": [d.name for d in client.deployments()]}
        raise AssertionError(f"unknown op {op}")
    except FoundryError as e:
        return False, error_json(e)


async def run_async(vector: dict[str, Any], fx: Emulator) -> Outcome:
    op = vector["call"]["op"]
    request = request_of(vector)
    try:
        client = with_options(AsyncFoundry(**client_options(vector, fx, is_async=True)), vector)
        if op == "chat":
            return True, (await client.chat.completions.create(**request)).to_dict()
        if op == "chat_stream":
            async with await client.chat.completions.create(**request, stream=True) as stream:
                count = 0
                async for _ in stream:
                    count += 1
                result = (await stream.get_final_completion()).to_dict()
            return True, {**result, "chunk_count": count}
        if op == "responses":
            return True, (await client.responses.create(**request)).to_dict()
        if op == "responses_stream":
            async with await client.responses.create(**request, stream=True) as rstream:
                count = 0
                async for _ in rstream:
                    count += 1
                result = (await rstream.get_final_response()).to_dict()
            return True, {**result, "chunk_count": count}
        if op == "embeddings":
            return True, (await client.embeddings.create(**request)).to_dict()
        if op == "info":
            return True, await client.info(request["model"])
        if op == "smoke":
            return True, {"deployments": [s.to_dict() for s in await client.smoke()]}
        if op == "load_catalog":
            return True, {"deployments": [d.name for d in client.deployments()]}
        raise AssertionError(f"unknown op {op}")
    except FoundryError as e:
        return False, error_json(e)


def verdict(vector: dict[str, Any], outcome: Outcome, log: Any, took_ms: float) -> list[str]:
    """What is wrong with `outcome` (the request log, the time the call took), or nothing."""
    ok, actual = outcome
    expect = vector["expect"]
    problems: list[str] = []
    # A correctness bound (the call ended by its deadline), not a benchmark.
    if "within_ms" in vector and took_ms > vector["within_ms"]:
        problems.append(f"the call took {took_ms:.0f} ms, more than within_ms {vector['within_ms']}")
    if ok and "result" in expect:
        found = mismatch(expect["result"], actual)
        if found:
            problems.append(f"result mismatch at {found}\nactual: {json.dumps(actual, indent=1)[:4000]}")
    elif not ok and "error" in expect:
        found = mismatch(expect["error"], actual)
        if found:
            problems.append(f"error mismatch at {found}\nactual: {json.dumps(actual, indent=1)[:4000]}")
    elif ok:
        problems.append(f"expected an error, got a result: {json.dumps(actual)[:2000]}")
    else:
        problems.append(f"expected a result, got an error: {json.dumps(actual)[:2000]}")
    if "expect_requests" in vector and not problems:
        found = mismatch(vector["expect_requests"], log)
        if found:
            problems.append(f"requests mismatch at {found}\nlog: {json.dumps(log, indent=1)[:4000]}")
    return problems


async def run_one_async(path: Path, fx: Emulator) -> list[str]:
    vector = load(path, fx)
    name = vector["name"]
    await asyncio.to_thread(fx.scenario, name, vector.get("scenario"))
    started = time.monotonic()
    outcome = await run_async(vector, fx)
    took_ms = (time.monotonic() - started) * 1000
    log = await asyncio.to_thread(fx.requests, name) if "expect_requests" in vector else None
    return verdict(vector, outcome, log, took_ms)


def is_serial(path: Path) -> bool:
    return bool(json.loads(path.read_text()).get("serial"))


@pytest.fixture(scope="module")
def async_outcomes(emulator: Emulator) -> dict[str, list[str]]:
    """Every vector through AsyncFoundry: the concurrent batch, then the serial ones."""

    async def run_all() -> dict[str, list[str]]:
        concurrent = [p for p in VECTORS if not is_serial(p)]
        serial = [p for p in VECTORS if is_serial(p)]
        gathered = await asyncio.gather(*(run_one_async(p, emulator) for p in concurrent), return_exceptions=True)
        outcomes: dict[str, list[str]] = {}
        for path, found in zip(concurrent, gathered):
            outcomes[path.name] = [repr(found)] if isinstance(found, BaseException) else found
        for path in serial:
            outcomes[path.name] = await run_one_async(path, emulator)
        return outcomes

    return asyncio.run(run_all())


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector_async(path: Path, async_outcomes: dict[str, list[str]]) -> None:
    problems = async_outcomes[path.name]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector_sync(path: Path, emulator: Emulator) -> None:
    vector = load(path, emulator)
    name = vector["name"]
    emulator.scenario(name, vector.get("scenario"))
    started = time.monotonic()
    outcome = run_sync(vector, emulator)
    took_ms = (time.monotonic() - started) * 1000
    log = emulator.requests(name) if "expect_requests" in vector else None
    problems = verdict(vector, outcome, log, took_ms)
    assert not problems, "\n\n".join(problems)
