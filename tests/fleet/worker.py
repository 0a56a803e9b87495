"""One Python process of the mixed-language fleet test (bindings/cli/tests/fleet_mixed.rs).

Makes ``calls`` chat calls at once through the catalog at ``config`` (the fleet's Redis store
in it), waits until every settle has reached the store, and prints one JSON line: calls
answered, calls refused with the typed ``BudgetExceededError``, and every other failure by
kind. Run with the interpreter the Python suite installed the built wheel into.

Usage: worker.py CONFIG MODEL CALLS
"""

import asyncio
import json
import sys
from collections import Counter

import foundry_client as fc


async def main(config: str, model: str, calls: int) -> None:
    client = fc.AsyncFoundry(config, env={})
    answered = 0
    refused = 0
    errors: Counter[str] = Counter()
    first_error = None

    async def one() -> None:
        nonlocal answered, refused, first_error
        try:
            await client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "Status report please"}],
                max_tokens=1,
            )
            answered += 1
        except fc.BudgetExceededError:
            refused += 1
        except Exception as e:  # noqa: BLE001 (every other failure is counted and reported, by kind)
            errors[getattr(e, "kind", type(e).__name__)] += 1
            first_error = first_error or str(e)

    await asyncio.gather(*(one() for _ in range(calls)))
    await client.settled()
    summary = {
        "language": "python",
        "answered": answered,
        "refused": refused,
        "errors": errors,
        "first_error": first_error,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
