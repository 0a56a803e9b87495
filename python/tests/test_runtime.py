"""What is specific to running Rust under Python: the GIL is released during sync calls,
cancellation (break, close, task cancel, Ctrl-C) aborts the HTTP request, hundreds of
concurrent awaitables share one runtime, and the runtime survives os.fork()."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import Emulator, forked_child_exit_code

import foundry_client as fc

HI = [{"role": "user", "content": "hello there"}]
LONG = [{"role": "user", "content": " ".join(f"w{i}" for i in range(40))}]


def fault(spec: str) -> dict[str, Any]:
    return {"x-emulator-fault": spec}


def sync_client(emulator: Emulator, scenario: str) -> fc.Foundry:
    emulator.scenario(scenario)
    return fc.Foundry(emulator.config(scenario))


def wait_for_abort(emulator: Emulator, scenario: str, timeout: float = 5.0) -> dict[str, Any]:
    """The scenario's only request once the emulator has seen the client go away."""
    deadline = time.monotonic() + timeout
    log: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        log = emulator.requests(scenario)
        if log and log[-1]["aborted"]:
            return log[-1]
        time.sleep(0.05)
    raise AssertionError(f"the emulator never saw the request aborted: {log}")


# -- the GIL -------------------------------------------------------------------------------


def test_sync_calls_release_the_gil(emulator: Emulator) -> None:
    c = sync_client(emulator, "py-gil")
    stop = threading.Event()
    ticks = [0]

    def spin() -> None:
        while not stop.is_set():
            ticks[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.2)
        before = ticks[0]
        started = time.monotonic()
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, extra_headers=fault("delay-ms=800"))
        elapsed = time.monotonic() - started
        during = ticks[0] - before
    finally:
        stop.set()
        spinner.join()
    assert elapsed >= 0.8
    # A call that held the GIL for 0.8 s would let the spinner run a few switch intervals at most.
    assert during > 200_000, f"only {during} iterations ran beside a {elapsed:.2f}s call"


def test_sync_calls_from_threads_overlap(emulator: Emulator) -> None:
    c = sync_client(emulator, "py-gil-threads")

    def call(_: int) -> str | None:
        return c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, extra_headers=fault("delay-ms=500")).text

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        texts = list(pool.map(call, range(8)))
    elapsed = time.monotonic() - started
    assert texts == ["DeepSeek-V3.2 heard: hello there"] * 8
    assert elapsed < 2.5, f"8 concurrent 0.5 s calls took {elapsed:.2f}s: they ran one after another"


# -- cancellation ----------------------------------------------------------------------------


def test_break_and_close_abort_a_sync_stream(emulator: Emulator) -> None:
    c = sync_client(emulator, "py-cancel-sync")
    with c.chat.completions.create(
        model="DeepSeek-V3.2", messages=LONG, stream=True, extra_headers=fault("chunk-delay-ms=100")
    ) as s:
        for _ in s:
            break
    assert wait_for_abort(emulator, "py-cancel-sync")["status"] == 200

    emulator.scenario("py-cancel-gc")
    c = fc.Foundry(emulator.config("py-cancel-gc"))
    for _ in c.chat.completions.create(
        model="DeepSeek-V3.2", messages=LONG, stream=True, extra_headers=fault("chunk-delay-ms=100")
    ):
        break  # the abandoned stream is collected: no close() needed
    wait_for_abort(emulator, "py-cancel-gc")


def test_cancelling_the_task_aborts_the_stream(emulator: Emulator) -> None:
    emulator.scenario("py-cancel-task")

    async def main() -> None:
        c = fc.AsyncFoundry(emulator.config("py-cancel-task"))
        got_one = asyncio.Event()

        async def read() -> None:
            stream = await c.chat.completions.create(
                model="DeepSeek-V3.2", messages=LONG, stream=True, extra_headers=fault("chunk-delay-ms=100")
            )
            async for _ in stream:
                got_one.set()

        task = asyncio.create_task(read())
        await asyncio.wait_for(got_one.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    wait_for_abort(emulator, "py-cancel-task")


def test_cancelling_an_awaited_call_aborts_the_request(emulator: Emulator) -> None:
    emulator.scenario("py-cancel-await")

    async def main() -> None:
        c = fc.AsyncFoundry(emulator.config("py-cancel-await"))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, extra_headers=fault("delay-ms=5000")), 0.3
            )

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 2
    assert wait_for_abort(emulator, "py-cancel-await")["status"] == 0


def test_async_with_and_break_abort_the_stream(emulator: Emulator) -> None:
    emulator.scenario("py-cancel-async-with")

    async def main() -> None:
        c = fc.AsyncFoundry(emulator.config("py-cancel-async-with"))
        async with await c.chat.completions.create(
            model="DeepSeek-V3.2", messages=LONG, stream=True, extra_headers=fault("chunk-delay-ms=100")
        ) as s:
            async for _ in s:
                break

    asyncio.run(main())
    wait_for_abort(emulator, "py-cancel-async-with")


def test_ctrl_c_interrupts_a_sync_call_and_aborts_it(emulator: Emulator) -> None:
    c = sync_client(emulator, "py-cancel-sigint")
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        c.chat.completions.create(model="DeepSeek-V3.2", messages=HI, extra_headers=fault("delay-ms=5000"))
    assert time.monotonic() - started < 2
    wait_for_abort(emulator, "py-cancel-sigint")


# -- concurrency -------------------------------------------------------------------------------


def os_threads() -> int:
    for line in open("/proc/self/status").read().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return threading.active_count()


def test_500_concurrent_async_calls(emulator: Emulator) -> None:
    emulator.scenario("py-500")

    async def main() -> list[str | None]:
        c = fc.AsyncFoundry(emulator.config("py-500"))
        calls = [
            c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": f"n{i}"}]) for i in range(500)
        ]
        return [r.text for r in await asyncio.gather(*calls)]

    started = time.monotonic()
    texts = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert texts == [f"DeepSeek-V3.2 heard: n{i}" for i in range(500)]
    assert len(emulator.requests("py-500")) == 500
    # No thread per call: the runtime's workers hand results to asyncio themselves.
    assert os_threads() < 100, f"{os_threads()} threads after 500 concurrent calls"
    print(f"500 concurrent calls in {elapsed:.2f}s, {os_threads()} OS threads")


def test_the_same_async_client_on_two_loops_and_threads(emulator: Emulator) -> None:
    emulator.scenario("py-loops")
    c = fc.AsyncFoundry(emulator.config("py-loops"))

    async def one(i: int) -> str | None:
        return (await c.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": f"t{i}"}])).text

    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda i: asyncio.run(one(i)), range(8)))
    assert texts == [f"DeepSeek-V3.2 heard: t{i}" for i in range(8)]


# -- fork ----------------------------------------------------------------------------------------

SHARED: fc.Foundry | None = None


def _child_call(i: int) -> str | None:
    assert SHARED is not None
    return SHARED.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": f"c{i}"}]).text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_calls_with_the_parents_clients(emulator: Emulator) -> None:
    emulator.scenario("py-fork")
    sync = fc.Foundry(emulator.config("py-fork"))
    aio = fc.AsyncFoundry(emulator.config("py-fork"))
    # The parent's runtime, pool and connections are live before the fork.
    assert sync.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            ok = sync.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text == "DeepSeek-V3.2 heard: hello there"

            async def child_async() -> str | None:
                return (await aio.chat.completions.create(model="DeepSeek-V3.2", messages=HI)).text

            ok = ok and asyncio.run(child_async()) == "DeepSeek-V3.2 heard: hello there"
            code = 0 if ok else 2
        finally:
            os._exit(code)
    assert forked_child_exit_code(pid) == 0
    # ... and the parent goes on working.
    assert sync.chat.completions.create(model="DeepSeek-V3.2", messages=HI).text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_multiprocessing_fork_pool(emulator: Emulator) -> None:
    global SHARED
    emulator.scenario("py-fork-pool")
    SHARED = fc.Foundry(emulator.config("py-fork-pool"))
    assert _child_call(-1) == "DeepSeek-V3.2 heard: c-1"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        texts = pool.map(_child_call, range(6))
    assert texts == [f"DeepSeek-V3.2 heard: c{i}" for i in range(6)]
    SHARED = None
