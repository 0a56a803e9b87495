"""Issue 10 on the Python side: numbers that cannot panic or wrap (point 6), a panic reaching
Python as a FoundryError (point 6), and the on_event callback on a thread of its own, so a
slow callback never stalls a call (point 8)."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import Emulator, forked_child_exit_code

import foundry_client as fc
from foundry_client import _native

HI = [{"role": "user", "content": "hello there"}]

BAD_SECONDS = [-1, 0, 0.0, float("nan"), float("inf"), -float("inf"), 1e300, 10**400]


def client(emulator: Emulator, scenario: str, **options: Any) -> fc.Foundry:
    emulator.scenario(scenario)
    return fc.Foundry(emulator.config(scenario), **options)


# --- point 6: durations and counts -------------------------------------------------------


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
def test_a_constructor_timeout_out_of_range_is_refused_naming_it(emulator: Emulator, value: float) -> None:
    # The core's ClientSettings check, the same words in every language.
    with pytest.raises(fc.ConfigError) as e:
        fc.Foundry(emulator.config("py-numbers"), timeout=value)
    message = e.value.message
    assert "timeout must be a positive number of seconds, at most 604800" in message, message
    assert ", got " in message


@pytest.mark.parametrize("value", ["60", True, [1]], ids=repr)
def test_a_constructor_timeout_that_is_not_a_number_is_refused(emulator: Emulator, value: Any) -> None:
    with pytest.raises(fc.InvalidRequestError) as e:
        fc.Foundry(emulator.config("py-numbers"), timeout=value)
    assert e.value.message == f"timeout must be a number of seconds, got {value!r}"


@pytest.mark.parametrize("value", [-1, 11, 2**32], ids=repr)
def test_max_retries_out_of_range_is_refused_naming_it(emulator: Emulator, value: Any) -> None:
    # The core's ClientSettings check: the range, and the hint that each retry is billed.
    with pytest.raises(fc.ConfigError) as e:
        fc.Foundry(emulator.config("py-numbers"), max_retries=value)
    assert f"max_retries must be between 0 and 10, got {value}" in e.value.message
    assert "billed" in e.value.hint


@pytest.mark.parametrize("value", [2**70, 1.5, True], ids=repr)
def test_max_retries_that_is_no_int64_is_refused_naming_it(emulator: Emulator, value: Any) -> None:
    with pytest.raises(fc.InvalidRequestError) as e:
        fc.Foundry(emulator.config("py-numbers"), max_retries=value)
    assert e.value.message == f"max_retries must be a whole number (a 64-bit int), got {value!r}"


def test_valid_constructor_numbers_are_accepted(emulator: Emulator) -> None:
    c = client(emulator, "py-numbers-ok", timeout=30, max_retries=0)
    assert c.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
def test_a_request_timeout_out_of_range_is_refused_before_sending(emulator: Emulator, value: float) -> None:
    c = client(emulator, "py-numbers-request")
    with pytest.raises(fc.InvalidRequestError) as e:
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, timeout=value)
    assert e.value.message.startswith("timeout must be a positive number of seconds, at most 604800")

    async def main() -> None:
        a = fc.AsyncFoundry(emulator.config("py-numbers-request"))
        with pytest.raises(fc.InvalidRequestError) as e:
            await a.chat.completions.create(model="DeepSeek-V3.2", messages=HI, timeout=value)
        assert e.value.message.startswith("timeout must be a positive number of seconds")

    asyncio.run(main())
    assert emulator.requests("py-numbers-request") == []


@pytest.mark.parametrize("name", ["max_tokens", "n", "top_logprobs", "seed"])
def test_an_int_too_large_for_json_is_refused_naming_the_argument(emulator: Emulator, name: str) -> None:
    c = client(emulator, "py-numbers-int")
    with pytest.raises(fc.InvalidRequestError) as e:
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, **{name: 2**70})
    assert e.value.message == f"{name} must be an integer from {-(2**63)} to {2**64 - 1}, got {2**70}"
    assert emulator.requests("py-numbers-int") == []


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=repr)
def test_a_float_that_is_not_finite_is_refused_rather_than_sent_as_null(emulator: Emulator, value: float) -> None:
    c = client(emulator, "py-numbers-float")
    with pytest.raises(fc.InvalidRequestError) as e:
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, temperature=value)
    assert e.value.message == f"temperature must be a finite number, got {value!r}"
    with pytest.raises(fc.InvalidRequestError) as e:
        c.embeddings.create(model="text-embedding-3-small", input="x", dimensions=value)
    assert e.value.message == f"dimensions must be a finite number, got {value!r}"
    assert emulator.requests("py-numbers-float") == []


def test_a_negative_max_tokens_is_refused_by_the_core_naming_it(emulator: Emulator) -> None:
    c = client(emulator, "py-numbers-negative")
    with pytest.raises(fc.InvalidRequestError) as e:
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, max_tokens=-1)
    assert e.value.message == "max_tokens must be a positive integer, got -1"
    assert emulator.requests("py-numbers-negative") == []


def test_a_large_count_that_json_holds_reaches_the_service_unwrapped(emulator: Emulator) -> None:
    # The service judges how large max_tokens may be; the binding only refuses what it cannot
    # represent, and never wraps a value (2**40 as a u32 would be 0).
    c = client(emulator, "py-numbers-sent")
    try:
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, max_tokens=2**40)
    except fc.BadRequestError:
        pass
    (sent,) = emulator.requests("py-numbers-sent")
    assert sent["body"]["max_tokens"] == 2**40


# --- point 6: a panic is a FoundryError ----------------------------------------------------


def test_a_panic_in_a_blocking_call_is_an_internal_foundry_error() -> None:
    try:
        _native._debug_panic(True)
    except fc.FoundryError as e:
        assert isinstance(e, fc.InternalError) and e.kind == "internal" and not e.retryable
        assert e.message == "internal error in foundry-client: _debug_panic(sync=True); please report it"
        assert "report" in e.hint
    else:
        pytest.fail("the panic was not raised")


def test_a_panic_in_an_awaited_call_is_an_internal_foundry_error() -> None:
    async def main() -> None:
        awaitable = _native._debug_panic(False)
        assert awaitable is not None
        await awaitable

    with pytest.raises(fc.FoundryError) as e:
        asyncio.run(main())
    assert isinstance(e.value, fc.InternalError)
    assert e.value.message == "internal error in foundry-client: _debug_panic(sync=False); please report it"


def test_the_runtime_still_serves_calls_after_a_panic(emulator: Emulator) -> None:
    for _ in range(3):
        with pytest.raises(Exception):  # noqa: B017 - `except Exception` must catch it
            _native._debug_panic(True)
    assert client(emulator, "py-after-panic").chat.completions.create(model="DeepSeek-V3.2", messages=HI).text


# --- point 8: on_event never stalls a call ------------------------------------------------


def native_thread_name() -> str:
    """The OS name of the calling thread (Linux truncates it to 15 bytes): the core's workers
    are `foundry-client`, the event thread `foundry-client-events` (`foundry-client-`)."""
    with open(f"/proc/self/task/{threading.get_native_id()}/comm") as comm:
        return comm.read().strip()


def test_a_blocked_event_callback_does_not_stall_other_calls(emulator: Emulator) -> None:
    release = threading.Event()
    seen: list[str] = []
    callback_threads: set[int] = set()
    names: set[str] = set()

    def slow(event: dict[str, Any]) -> None:
        callback_threads.add(threading.get_ident())
        names.add(native_thread_name())
        # Held until every call below has returned: with the callback on a core worker, the
        # calls would wait for it and the `result(timeout=...)` below would expire.
        release.wait(timeout=120)
        seen.append(event["type"])

    c = client(emulator, "py-events-slow", on_event=slow)
    with ThreadPoolExecutor(8) as pool:
        calls = [pool.submit(c.chat.completions.create, model="DeepSeek-V3.2", messages=HI) for _ in range(20)]
        texts = [f.result(timeout=60).text for f in calls]
    assert texts == ["DeepSeek-V3.2 heard: hello there"] * 20
    assert not release.is_set() and len(seen) == 0
    release.set()
    c.close()
    assert seen.count("result") == 20 and seen.count("attempt") == 20
    assert len(callback_threads) == 1 and threading.get_ident() not in callback_threads
    assert names == {"foundry-client-"}, names
    assert c.dropped_events == 0


def test_an_async_client_delivers_events_off_the_loop(emulator: Emulator) -> None:
    seen: list[str] = []
    loop_thread = threading.get_ident()
    threads: set[int] = set()
    names: set[str] = set()

    def record(event: dict[str, Any]) -> None:
        threads.add(threading.get_ident())
        names.add(native_thread_name())
        seen.append(event["type"])

    async def main() -> None:
        emulator.scenario("py-events-async")
        async with fc.AsyncFoundry(emulator.config("py-events-async"), on_event=record) as a:
            await asyncio.gather(*(a.chat.completions.create(model="DeepSeek-V3.2", messages=HI) for _ in range(5)))

    asyncio.run(main())
    assert seen.count("result") == 5 and loop_thread not in threads
    assert len(threads) == 1 and names == {"foundry-client-"}, names


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_each_clients_event_thread_ends_with_the_client(emulator: Emulator) -> None:
    emulator.scenario("py-events-leak")
    config = emulator.config("py-events-leak")
    before = native_threads()
    for _ in range(100):
        c = fc.Foundry(config, on_event=lambda _e: None)
        del c
    gc.collect()
    # The threads end asynchronously once their queue's sender is gone: wait for it, within a
    # generous bound (a correctness bound, not a benchmark).
    deadline = time.monotonic() + 30
    while native_threads() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert native_threads() <= before, f"{native_threads() - before} event threads outlived their clients"


def test_close_delivers_what_was_queued_and_then_stops(emulator: Emulator) -> None:
    seen: list[str] = []
    c = client(emulator, "py-events-close", on_event=lambda e: seen.append(e["type"]))
    c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    c.close()
    assert seen == ["attempt", "result"]
    c.close()  # idempotent
    assert c.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text
    assert seen == ["attempt", "result"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_gets_its_own_event_thread(emulator: Emulator) -> None:
    seen: list[str] = []
    c = client(emulator, "py-events-fork", on_event=lambda e: seen.append(e["type"]))
    c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            seen.clear()
            # The parent's event thread does not exist here: close() must not wait for it.
            c.close()
            c.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
            c.close()
            code = 0 if seen == ["attempt", "result"] else 3
        finally:
            os._exit(code)
    assert forked_child_exit_code(pid) == 0
    c.close()
    assert seen == ["attempt", "result"]
