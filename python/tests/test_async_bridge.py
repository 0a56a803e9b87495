"""The asyncio bridge (bindings/python/src/loop_channel.rs): each running loop gets one channel
that the runtime's threads hand finished calls to. Checked here: many calls in flight on one
loop, loops in several threads at once, a new loop after a closed one, a call that finishes after
its loop closed, errors and cancellation through the channel, and no file descriptors left
behind by loops that are gone."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from typing import Any

import pytest
from conftest import Emulator

import foundry_client as fc


def delayed(ms: int) -> dict[str, Any]:
    return {"extra_headers": {"x-emulator-fault": f"delay-ms={ms}"}}


def say(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_many_calls_in_flight_on_one_loop_resolve_each_to_its_own_answer(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-many")

    async def main() -> list[str | None]:
        c = fc.AsyncFoundry(emulator.config("py-bridge-many"))
        # Uneven delays: calls finish out of order, in batches and one by one.
        calls = [
            c.chat.completions.create(model="DeepSeek-V3.2", messages=say(f"m{i}"), **delayed(i % 7 * 20)) for i in range(200)
        ]
        return [r.text for r in await asyncio.gather(*calls)]

    assert asyncio.run(main()) == [f"DeepSeek-V3.2 heard: m{i}" for i in range(200)]


def test_loops_in_two_threads_at_once(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-threads")
    c = fc.AsyncFoundry(emulator.config("py-bridge-threads"))
    results: dict[str, list[str | None]] = {}
    both_running = threading.Barrier(2)

    def run(name: str) -> None:
        async def main() -> list[str | None]:
            both_running.wait(5)
            calls = [
                c.chat.completions.create(model="DeepSeek-V3.2", messages=say(f"{name}{i}"), **delayed(50)) for i in range(20)
            ]
            return [r.text for r in await asyncio.gather(*calls)]

        results[name] = asyncio.run(main())

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for name in ("a", "b"):
        assert results[name] == [f"DeepSeek-V3.2 heard: {name}{i}" for i in range(20)]


def test_a_new_loop_after_a_closed_one(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-new-loop")
    c = fc.AsyncFoundry(emulator.config("py-bridge-new-loop"))

    async def one(i: int) -> str | None:
        return (await c.chat.completions.create(model="DeepSeek-V3.2", messages=say(f"n{i}"), **delayed(10))).text

    for i in range(3):
        assert asyncio.run(one(i)) == f"DeepSeek-V3.2 heard: n{i}"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_call_finishing_after_its_loop_closed_is_dropped(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-late")
    c = fc.AsyncFoundry(emulator.config("py-bridge-late"))
    loop = asyncio.new_event_loop()

    async def start() -> asyncio.Task[Any]:
        task = asyncio.ensure_future(c.chat.completions.create(model="DeepSeek-V3.2", messages=say("late"), **delayed(300)))
        await asyncio.sleep(0.05)  # the call is in flight
        return task

    task = loop.run_until_complete(start())
    loop.close()  # neither awaited nor cancelled
    deadline = time.monotonic() + 5
    while len(emulator.requests("py-bridge-late")) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the answer reaches the closed loop's channel, which nobody drains
    assert not task.done()
    del task

    async def again() -> str | None:
        return (await c.chat.completions.create(model="DeepSeek-V3.2", messages=say("again"))).text

    assert asyncio.run(again()) == "DeepSeek-V3.2 heard: again"


def test_an_error_through_the_channel_is_the_mapped_exception(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-error")

    async def main() -> None:
        c = fc.AsyncFoundry(emulator.config("py-bridge-error"))
        with pytest.raises(fc.PermissionDeniedError) as raised:
            await c.chat.completions.create(
                model="DeepSeek-V3.2", messages=say("x"), extra_headers={"x-emulator-fault": "status=403"}
            )
        assert raised.value.status == 403

    asyncio.run(main())


def test_cancelling_some_gathered_calls_leaves_the_others(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-cancel-some")

    async def main() -> list[str | None]:
        c = fc.AsyncFoundry(emulator.config("py-bridge-cancel-some"))
        slow = [
            asyncio.ensure_future(c.chat.completions.create(model="DeepSeek-V3.2", messages=say(f"s{i}"), **delayed(5000)))
            for i in range(5)
        ]
        fast = [c.chat.completions.create(model="DeepSeek-V3.2", messages=say(f"f{i}"), **delayed(50)) for i in range(5)]
        await asyncio.sleep(0.05)
        for task in slow:
            task.cancel()
        texts = [r.text for r in await asyncio.gather(*fast)]
        for task in slow:
            with pytest.raises(asyncio.CancelledError):
                await task
        return texts

    assert asyncio.run(main()) == [f"DeepSeek-V3.2 heard: f{i}" for i in range(5)]
    deadline = time.monotonic() + 5
    aborted: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        aborted = [r for r in emulator.requests("py-bridge-cancel-some") if r["aborted"]]
        if len(aborted) == 5:
            break
        time.sleep(0.05)
    assert len(aborted) == 5, f"the emulator saw {len(aborted)} of the 5 cancelled calls aborted"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_loops_that_are_gone_leave_no_file_descriptors(emulator: Emulator) -> None:
    emulator.scenario("py-bridge-fds")
    c = fc.AsyncFoundry(emulator.config("py-bridge-fds"))

    async def one() -> str | None:
        return (await c.chat.completions.create(model="DeepSeek-V3.2", messages=say("fd"), **delayed(5))).text

    asyncio.run(one())  # the pooled connection is open from here on
    gc.collect()
    before = open_fds()
    for _ in range(30):
        assert asyncio.run(one()) == "DeepSeek-V3.2 heard: fd"
    gc.collect()
    # Each loop's channel holds two descriptors: 30 loops kept alive would hold 60.
    assert open_fds() - before < 10
