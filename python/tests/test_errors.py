"""Exceptions: the class per kind of the core's taxonomy, their attributes, the openai names,
pickling, and streams that fail mid-way."""

from __future__ import annotations

import pickle
from typing import Any, Callable

import pytest
from conftest import API_KEY, Emulator

import foundry_client as fc

HI = [{"role": "user", "content": "hello there"}]


def raised(cls: type[fc.FoundryError], call: Callable[[], Any]) -> fc.FoundryError:
    with pytest.raises(cls) as info:
        call()
    e = info.value
    assert type(e)._kind == e.kind, f"{type(e).__name__} raised for kind {e.kind}"
    assert e.hint and e.message and str(e).startswith(e.kind)
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is type(e) and copy.to_dict() == e.to_dict() and str(copy) == str(e)
    assert copy.status == e.status and copy.retry_after == e.retry_after
    return e


def faulty(emulator: Emulator, scenario: str, **deployment: Any) -> fc.Foundry:
    emulator.scenario(scenario)
    return fc.Foundry(emulator.config(scenario, **deployment))


def fault(spec: str) -> dict[str, Any]:
    return {"x-emulator-fault": spec}


def test_every_core_kind_maps_to_its_own_class() -> None:
    from foundry_client import _errors, _native

    kinds = _native.ERROR_KINDS  # the core's ErrorKind::ALL
    assert len(kinds) >= 17 and "cancelled" in kinds
    assert sorted(kinds) == sorted(_errors._CLASSES), "the kind -> class table is not the core's kinds"
    classes = [_errors._CLASSES[k] for k in kinds]
    assert len(set(classes)) == len(classes), "two kinds share a class"
    for kind in kinds:
        error = _errors._from_core(f"{kind}: x", {"kind": kind, "message": "x"})
        assert type(error) is _errors._CLASSES[kind] and error.kind == kind
        assert getattr(fc, type(error).__name__) is type(error), f"{type(error).__name__} is not exported"


def test_kind_is_the_core_kind_and_code_the_service_code() -> None:
    e = fc._errors._from_core("rate_limit: slow", {"kind": "rate_limit", "message": "slow", "code": "429", "status": 429})
    assert (e.kind, e.code, e.status) == ("rate_limit", "429", 429)


def test_the_core_cause_is_a_real_cause_chain() -> None:
    details = {"kind": "credential", "message": "m", "cause": {"message": "outer", "cause": {"message": "inner"}}}
    e = fc._errors._from_core("credential: m", details)
    assert isinstance(e.__cause__, fc.ErrorCause) and str(e.__cause__) == "outer"
    assert isinstance(e.__cause__.__cause__, fc.ErrorCause) and str(e.__cause__.__cause__) == "inner"
    assert e.__cause__.__cause__.__cause__ is None
    again = pickle.loads(pickle.dumps(e))
    assert str(again.__cause__) == "outer" and str(again.__cause__.__cause__) == "inner"
    assert fc.RateLimitError("no cause").__cause__ is None


def test_openai_names_and_hierarchy() -> None:
    assert issubclass(fc.APITimeoutError, fc.APIConnectionError)
    for cls in (fc.ContentFilterError, fc.InvalidRequestError, fc.OperationUnsupportedError):
        assert issubclass(cls, fc.BadRequestError)
    for cls in (
        fc.RateLimitError,
        fc.AuthenticationError,
        fc.PermissionDeniedError,
        fc.NotFoundError,
        fc.BadRequestError,
        fc.InternalServerError,
    ):
        assert issubclass(cls, fc.APIStatusError) and issubclass(cls, fc.FoundryError)
    assert issubclass(fc.CredentialError, fc.AuthenticationError)
    assert issubclass(fc.InvalidRequestError, ValueError)
    assert fc.APIError is fc.FoundryError


def test_rate_limit(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-429")
    e = raised(
        fc.RateLimitError,
        lambda: c.chat.completions.create(
            model="DeepSeek-V3.2", messages=HI, extra_headers=fault("status=429;retry-after-ms=20")
        ),
    )
    assert isinstance(e, fc.RateLimitError)
    assert (e.status, e.status_code, e.code, e.retryable) == (429, 429, "429", True)
    assert e.retry_after == pytest.approx(0.02) and e.deployment == "DeepSeek-V3.2"
    assert e.request_id == "req-py-err-429-3" and len(e.attempts) == 3
    assert e.to_dict()["retry_after_ms"] == 20 and e.to_dict()["kind"] == "rate_limit"


def test_status_errors(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-status")

    def call(spec: str) -> Callable[[], Any]:
        return lambda: c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, extra_headers=fault(spec))

    assert raised(fc.PermissionDeniedError, call("status=403")).status == 403
    assert raised(fc.BadRequestError, call("status=400")).retryable is False
    server = raised(fc.InternalServerError, call("status=500"))
    assert server.status == 500 and server.retryable and len(server.attempts) == 3
    assert raised(fc.InvalidResponseError, call("malformed")).retryable is False

    wrong_key = fc.Foundry(
        {
            **emulator.config("py-err-status"),
            "defaults": {**emulator.config("py-err-status")["defaults"], "auth": {"type": "api_key", "key": "wrong-key"}},
        }
    )
    auth = raised(fc.AuthenticationError, lambda: wrong_key.chat.completions.create(model="DeepSeek-V3.2", messages=HI))
    assert auth.status == 401 and "wrong-key" not in str(auth) and "Key Vault" in auth.hint

    missing = faulty(emulator, "py-err-404")
    cfg = emulator.config("py-err-404")
    cfg["deployments"].append({"name": "gpt-9"})
    nf = raised(fc.NotFoundError, lambda: fc.Foundry(cfg).chat.completions.create(model="gpt-9", messages=HI))
    assert nf.status == 404 and nf.code == "DeploymentNotFound" and nf.deployment == "gpt-9"
    del missing


def test_content_filter(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-filter")
    e = raised(
        fc.ContentFilterError,
        lambda: c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": "x [[filter:violence]]"}]),
    )
    assert isinstance(e, fc.ContentFilterError) and isinstance(e, fc.BadRequestError)
    assert e.categories == ["violence"] and e.status == 400 and e.code == "content_filter"
    assert e.content_filter is not None and e.content_filter["filtered"] is True


def test_client_side_errors(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-client")
    bad = raised(fc.InvalidRequestError, lambda: c.chat.completions.create(model="DeepSeek-V3.2", messages=[]))
    assert isinstance(bad, ValueError) and bad.status is None and "nothing was sent" in bad.hint
    not_json = raised(
        fc.InvalidRequestError, lambda: c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, user=object())
    )
    assert "not JSON" in not_json.message
    with pytest.raises(fc.ConfigError) as cfg:
        fc.Foundry({"deployments": [{"name": "x"}]})
    assert "no endpoint for 'x'" in cfg.value.message and cfg.value.status is None and cfg.value.to_dict()["kind"] == "config"
    assert emulator.requests("py-err-client") == []


def test_timeouts_and_connections(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-timeout")
    t = raised(
        fc.APITimeoutError,
        lambda: c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, timeout=0.3, extra_headers=fault("delay-ms=3000")),
    )
    assert isinstance(t, fc.APIConnectionError) and t.retryable
    down = fc.Foundry(
        {
            "defaults": {
                "endpoint": "http://127.0.0.1:9/",
                "auth": {"type": "api_key", "key": API_KEY},
                "retry": {"max_retries": 0},
            },
            "deployments": [{"name": "x"}],
        }
    )
    conn = raised(fc.APIConnectionError, lambda: down.chat.completions.create(model="x", messages=HI))
    assert conn.kind == "connection" and conn.status is None


def test_reasoning_exhausted(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-reasoning")
    e = raised(fc.ReasoningExhaustedError, lambda: c.chat.completions.create(model="Kimi-K2.6", messages=HI, max_tokens=10))
    assert e.status == 200 and "max_tokens" in e.hint


def test_streams_fail_mid_way(emulator: Emulator) -> None:
    c = faulty(emulator, "py-err-stream")
    stream = c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, stream=True, extra_headers=fault("truncate"))
    seen = []
    with pytest.raises(fc.StreamError) as e:
        for chunk in stream:
            seen.append(chunk)
    assert seen and "[DONE]" in e.value.message and e.value.retryable
    server = c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, stream=True, extra_headers=fault("stream-error"))
    with pytest.raises(fc.FoundryError) as in_band:
        list(server)
    assert "The server had an error" in in_band.value.message


def test_errors_raised_by_awaitables(emulator: Emulator) -> None:
    import asyncio

    emulator.scenario("py-err-async")

    async def main() -> fc.FoundryError:
        c = fc.AsyncFoundry(emulator.config("py-err-async"))
        try:
            await c.chat.completions.create(
                model="DeepSeek-V3.2", messages=HI, extra_headers=fault("status=429;retry-after-ms=5")
            )
        except fc.RateLimitError as e:
            return e
        raise AssertionError("no error")

    e = asyncio.run(main())
    assert e.status == 429 and e.retry_after == pytest.approx(0.005)


def test_user_built_errors_behave() -> None:
    e = fc.RateLimitError("slow down")
    assert (e.kind, e.message, e.status, e.retry_after, e.attempts) == ("rate_limit", "slow down", None, None, [])
    assert pickle.loads(pickle.dumps(e)).message == "slow down"
