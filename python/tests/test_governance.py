"""Governance through the Python API: scoped handles (budget, models, rate limits, revoke),
spend() and limits(), the priority parameter, and the governance events. The rules are the
core's (tests/conformance has their vectors); these tests pin what Python adds: the
signatures, the exception classes, the returned types and the fork recipe."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from conftest import Emulator, forked_child_exit_code

import foundry_client as fc

HI = [{"role": "user", "content": "hello there"}]


def client(emulator: Emulator, scenario: str, **options: Any) -> fc.Foundry:
    emulator.scenario(scenario)
    config = emulator.config(scenario)
    config["governance"] = {"scope": "acme", "ledger": "memory"}
    return fc.Foundry(config, **options)


def test_a_handle_is_a_client_with_a_scope_path(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-handle")
    assert c.scope_path == "acme"
    bot = c.scope("bot", tags={"team": "search"})
    assert isinstance(bot, fc.Foundry) and bot.scope_path == "acme/bot"
    assert bot.scope("nightly").scope_path == "acme/bot/nightly"
    assert bot.with_options(max_retries=0).scope_path == "acme/bot"
    assert bot.chat.completions.create(model="gpt-5.4", messages=HI).text == "gpt-5.4 heard: hello there"
    chunks = bot.chat.completions.create(model="gpt-5.4", messages=HI, stream=True)
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "gpt-5.4 heard: hello there"


def test_a_handles_budget_refuses_before_sending(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-budget")
    bot = c.scope("bot", budget={"hard_usd": 0.00001, "window": "month", "time_zone": "Europe/Berlin"})
    with pytest.raises(fc.BudgetExceededError) as info:
        bot.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=100)
    assert info.value.kind == "budget_exceeded" and "acme/bot" in info.value.message
    assert emulator.requests("py-gov-budget") == []
    # The parent has no cap of its own.
    assert c.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=100).text


def test_a_handles_models_refuse_the_others(emulator: Emulator) -> None:
    bot = client(emulator, "py-gov-models").scope("bot", models=["gpt-5.4"])
    assert bot.chat.completions.create(model="gpt-5.4", messages=HI).text
    with pytest.raises(fc.PolicyError) as info:
        bot.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    assert info.value.kind == "policy"
    assert len(emulator.requests("py-gov-models")) == 1


def test_revoke_fails_the_handle_and_its_children_not_the_parent(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-revoke")
    bot = c.scope("bot")
    nightly = bot.scope("nightly")
    same = bot.with_options(timeout=30)
    bot.revoke()
    for revoked in (bot, nightly, same):
        with pytest.raises(fc.RevokedError) as info:
            revoked.chat.completions.create(model="gpt-5.4", messages=HI)
        assert "acme/bot" in info.value.message
    assert c.chat.completions.create(model="gpt-5.4", messages=HI).text
    with pytest.raises(fc.InvalidRequestError, match="only a scoped handle can be revoked"):
        c.revoke()


def test_a_handles_rpm_fails_fast_past_the_timeout(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-rpm")
    bot = c.scope("bot", rpm=6)  # one request per 10 s window
    assert bot.chat.completions.create(model="gpt-5.4", messages=HI).text
    with pytest.raises(fc.RateLimitError) as info:
        bot.chat.completions.create(model="gpt-5.4", messages=HI, timeout=0.5)
    assert info.value.status is None, "a local limit: nothing was sent"
    assert info.value.retry_after is not None and info.value.retry_after > 5
    assert "scope 'acme/bot'" in info.value.message
    assert len(emulator.requests("py-gov-rpm")) == 1
    assert c.chat.completions.create(model="gpt-5.4", messages=HI).text, "the parent is not limited"
    # The parent lists its handles' limits too.
    (line,) = c.limits()
    assert isinstance(line, fc.LimitLine) and line.limits == "acme/bot"
    assert line.rpm == 6 and line.tpm is None and line.queued == 0 and line.requests_available == 0
    assert [x.to_dict() for x in bot.limits()] == [line.to_dict()]


def test_spend_reports_each_budget(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-spend")
    assert c.spend() == [] and c.limits() == []
    bot = c.scope("bot", budget={"hard_usd": 5, "window": "day", "soft": [0.5, 0.9]})
    bot.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=50)
    assert bot.settled() is None  # its books are complete (a Redis store settles in the background)
    (line,) = bot.spend()
    assert isinstance(line, fc.SpendLine)
    assert line.scope == "acme/bot" and line.cap_usd == 5 and line.soft == [0.5, 0.9]
    assert line.spent_usd > 0 and line.reserved_usd == 0 and line.period.startswith("day:")
    assert line.to_dict()["spent_usd"] == line.spent_usd


def test_an_async_client_awaits_its_settles(emulator: Emulator) -> None:
    emulator.scenario("py-gov-settled")
    config = emulator.config("py-gov-settled")
    config["governance"] = {"scope": "acme", "ledger": "memory", "budgets": [{"scope": "acme", "window": "day", "hard_usd": 5}]}

    async def call_then_settle() -> float:
        client = fc.AsyncFoundry(config)
        await client.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=50)
        assert await client.settled() is None
        (line,) = client.spend()
        return line.spent_usd

    assert asyncio.run(call_then_settle()) > 0


def test_a_bad_option_is_the_cores_config_error(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-bad")
    with pytest.raises(fc.ConfigError, match=r"^config: scope\('bot'\)\.budget\.window: "):
        c.scope("bot", budget={"hard_usd": 1, "window": "fortnight"})
    with pytest.raises(fc.ConfigError, match="scope name: 'a/b' is one name"):
        c.scope("a/b")
    with pytest.raises(fc.ConfigError, match=r"scope\('bot'\).models"):
        c.scope("bot", models=["no-such-model"])
    with pytest.raises(fc.ConfigError, match=r"scope\('bot'\): .*u64"):
        c.scope("bot", rpm=1.5)  # type: ignore[arg-type]


def test_priority_is_a_local_class_never_sent(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-priority")
    assert c.chat.completions.create(model="gpt-5.4", messages=HI, priority="high").text
    assert c.responses.create(model="gpt-5.1-codex", input="hi", priority="low").output_text
    assert all("priority" not in r["body"] for r in emulator.requests("py-gov-priority"))
    with pytest.raises(fc.InvalidRequestError, match="priority must be"):
        c.chat.completions.create(model="gpt-5.4", messages=HI, priority="urgent")  # type: ignore[arg-type]


def test_events_carry_the_scope_its_tags_and_the_spend(emulator: Emulator) -> None:
    events: list[dict[str, Any]] = []
    c = client(emulator, "py-gov-events", on_event=events.append)
    bot = c.scope("bot", budget={"hard_usd": 5}, tags={"team": "search"})
    bot.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=50)
    with pytest.raises(fc.PolicyError):
        c.scope("strict", models=["gpt-5.4"]).chat.completions.create(model="DeepSeek-V3.2", messages=HI)
    c.close()
    kinds = [e["type"] for e in events]
    spend = [e["action"] for e in events if e["type"] == "spend"]
    assert spend == ["reserved", "settled"], kinds
    attempt = next(e for e in events if e["type"] == "attempt")
    assert attempt["queued_ms"] == 0
    results = [(e["scope"], e.get("tags")) for e in events if e["type"] == "result"]
    assert results == [("acme/bot", {"team": "search"}), ("acme/strict", None)]
    policy = [e for e in events if e["type"] == "policy"]
    assert policy[-1]["allowed"] is False and policy[-1]["rule"] == "approved" and policy[-1]["scope"] == "acme/strict"


def test_a_soft_threshold_sends_a_budget_alert(emulator: Emulator) -> None:
    events: list[dict[str, Any]] = []
    bot = client(emulator, "py-gov-alert", on_event=events.append).scope("bot", budget={"hard_usd": 0.001, "soft": [0.01]})
    bot.chat.completions.create(model="gpt-5.4", messages=HI, max_tokens=20)
    bot.close()
    (alert,) = [e for e in events if e["type"] == "budget_alert"]
    assert alert["scope"] == "acme/bot" and alert["threshold"] == 0.01 and alert["cap_usd"] == 0.001


def test_the_async_client_scopes_too(emulator: Emulator) -> None:
    emulator.scenario("py-gov-async")
    config = emulator.config("py-gov-async")
    config["governance"] = {"scope": "acme", "ledger": "memory"}
    aio = fc.AsyncFoundry(config)
    bot = aio.scope("bot", models=["gpt-5.4"])
    assert isinstance(bot, fc.AsyncFoundry) and bot.scope_path == "acme/bot"

    async def calls() -> None:
        assert (await bot.chat.completions.create(model="gpt-5.4", messages=HI)).text
        with pytest.raises(fc.PolicyError):
            await bot.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
        bot.revoke()
        with pytest.raises(fc.RevokedError):
            await bot.responses.create(model="gpt-5.4", input="hi")

    asyncio.run(calls())


def test_a_forked_child_rebuilds_handles_over_their_parent_revoked_as_they_were(emulator: Emulator) -> None:
    c = client(emulator, "py-gov-fork")
    live = c.scope("live", models=["gpt-5.4"], rpm=600)
    gone = c.scope("gone")
    child_of_gone = gone.scope("child")
    assert live.chat.completions.create(model="gpt-5.4", messages=HI).text
    gone.revoke()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            ok = live.scope_path == "acme/live" and bool(live.chat.completions.create(model="gpt-5.4", messages=HI).text)
            # Rebuilt over the child's rebuild of its parent: they share the lanes (and ledger).
            ok = ok and [line.limits for line in c.limits()] == ["acme/live"]
            for refused, error in ((live, fc.PolicyError), (gone, fc.RevokedError), (child_of_gone, fc.RevokedError)):
                try:
                    refused.chat.completions.create(model="DeepSeek-V3.2", messages=HI)
                    ok = False
                except error:
                    pass
            code = 0 if ok else 2
        finally:
            os._exit(code)
    assert forked_child_exit_code(pid) == 0
