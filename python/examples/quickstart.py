"""A typed tour of the Python API; `mypy --strict` checks it in CI (scripts/test_python.sh).

Run it against the emulator:

    cargo run -p foundry-emulator -- --port 8089 &
    FOUNDRY_ENDPOINT=http://127.0.0.1:8089/ FOUNDRY_API_KEY=emulator-key-0000 python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from foundry_client import (
    AsyncFoundry,
    ChatCompletion,
    ChatCompletionChunk,
    ContentFilterError,
    CreateEmbeddingResponse,
    Foundry,
    FoundryError,
    RateLimitError,
    Response,
    Usage,
)

MESSAGES = [{"role": "user", "content": "Summarize the incident in one line"}]


def sync_tour(client: Foundry) -> None:
    r: ChatCompletion = client.chat.completions.create(model="DeepSeek-V3.2", messages=MESSAGES, max_tokens=200)
    content: str | None = r.choices[0].message.content
    usage: Usage = r.usage
    print(content, r.text, r.reasoning, usage.prompt_tokens, usage.completion_tokens, r.cost_usd, r.deployment)
    print(r.attempts, r.request_id, r.finish_reason, r.content_filter.categories, len(r.to_dict()))

    with client.chat.completions.create(model="Kimi-K2.6", messages=MESSAGES, max_tokens=500, stream=True) as stream:
        for chunk in stream:
            piece: ChatCompletionChunk = chunk
            for choice in piece.choices:
                print(choice.delta.content or "", end="")
        print()
        final: ChatCompletion = stream.get_final_completion()
        print(final.usage.total_tokens)

    answer: Response = client.responses.create(model="gpt-5.1-codex", input="Write a haiku", max_output_tokens=200)
    print(answer.output_text, answer.usage.output_tokens_details.reasoning_tokens)

    vectors: CreateEmbeddingResponse = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    first: list[float] = vectors.data[0].embedding
    print(len(first))

    try:
        client.chat.completions.create(model="DeepSeek-V3.2", messages=[{"role": "user", "content": "[[filter:violence]]"}])
    except ContentFilterError as e:
        print(e.categories, e.status, e.hint)
    except RateLimitError as e:
        print(e.retry_after)
    except FoundryError as e:
        print(e.kind, e.code, e.deployment, e.request_id, e.retryable)

    for d in client.deployments():
        print(d.name, d.shape, d.pricing.input)
    for s in client.smoke():
        print(s.deployment, s.ok, s.latency_ms)

    # Governance: a scoped handle with its own budget, models and rate limit.
    bot = client.scope(
        "bot",
        models=["gpt-5.4"],
        budget={"hard_usd": 25, "window": "month", "time_zone": "Europe/Berlin", "soft": [0.8]},
        rpm=60,
        tags={"team": "search"},
    )
    path: str | None = bot.scope_path
    bot.chat.completions.create(model="gpt-5.4", messages=MESSAGES, priority="low")
    for line in client.spend():
        print(path, line.scope, line.spent_usd, line.cap_usd)
    for limit in client.limits():
        print(limit.limits, limit.requests_available, limit.queued)
    bot.revoke()


async def async_tour(client: AsyncFoundry) -> None:
    r = await client.chat.completions.create(model="DeepSeek-V3.2", messages=MESSAGES)
    text: str | None = r.text
    print(text)
    async with await client.chat.completions.create(model="DeepSeek-V3.2", messages=MESSAGES, stream=True) as stream:
        async for chunk in stream:
            print(chunk.text or "", end="")
    print()
    many = await asyncio.gather(*(client.chat.completions.create(model="DeepSeek-V3.2", messages=MESSAGES) for _ in range(10)))
    print(sum(m.usage.total_tokens for m in many))


def main() -> None:
    events: list[dict[str, Any]] = []
    sync_tour(Foundry(on_event=events.append))
    asyncio.run(async_tour(AsyncFoundry()))
    print(f"{len(events)} events")


if __name__ == "__main__":
    main()
