"""The benchmark hooks of issue 6 cell 4 (tests/bench/python/bench.py times them): no-op calls
into Rust, sync, through the blocking bridge, and as awaitables made like every async call's.
Checked for what they return, never for how fast."""

from __future__ import annotations

import asyncio

import pytest

from foundry_client import _native


def test_the_sync_noops_return_none() -> None:
    assert _native._bench_noop() is None
    assert _native._bench_noop_blocking() is None


def test_the_async_noops_resolve_to_none() -> None:
    async def main() -> None:
        assert await _native._bench_noop_async() is None
        assert await _native._bench_noop_async_spawned() is None

    asyncio.run(main())


def test_many_async_noops_resolve_concurrently() -> None:
    async def main() -> list[None]:
        inline = (_native._bench_noop_async() for _ in range(100))
        spawned = (_native._bench_noop_async_spawned() for _ in range(100))
        return await asyncio.gather(*inline, *spawned)

    assert asyncio.run(main()) == [None] * 200


def test_the_async_noop_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        _native._bench_noop_async()
