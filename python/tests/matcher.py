"""The conformance vectors' subset matcher (tests/conformance/README.md), as every binding has
it: objects recurse, arrays match item by item, numbers within 1e-9, and the `$contains`,
`$gte`, `$lte`, `$absent`, `$len` operators."""

from __future__ import annotations

import json
from typing import Any


def mismatch(want: Any, actual: Any, path: str = "$") -> str | None:
    """None when `actual` satisfies `want`, else the first path that does not."""

    def fail() -> str:
        return f"{path}: want {json.dumps(want)}, got {json.dumps(actual)}"

    if isinstance(want, dict) and any(k.startswith("$") for k in want):
        for op, arg in want.items():
            if op == "$contains":
                ok = isinstance(actual, str) and isinstance(arg, str) and arg in actual
            elif op == "$gte":
                ok = _is_number(actual) and actual >= arg - 1e-9
            elif op == "$lte":
                ok = _is_number(actual) and actual <= arg + 1e-9
            elif op == "$absent":
                ok = actual is None
            elif op == "$len":
                ok = isinstance(actual, (list, str)) and len(actual) == arg
            else:
                return f"{path}: unknown matcher {op}"
            if not ok:
                return fail()
        return None
    if isinstance(want, dict):
        if not isinstance(actual, dict):
            actual_map: dict[str, Any] = {}
        else:
            actual_map = actual
        for key, sub in want.items():
            if key not in actual_map and not (sub is None or (isinstance(sub, dict) and "$absent" in sub)):
                return f"{path}.{key}: missing (want {json.dumps(sub)})"
            found = mismatch(sub, actual_map.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(actual, list):
            return fail()
        if len(want) != len(actual):
            return f"{path}: want {len(want)} items, got {len(actual)}: {json.dumps(actual)}"
        for i, (w, a) in enumerate(zip(want, actual)):
            found = mismatch(w, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if _is_number(want):
        return None if _is_number(actual) and abs(want - actual) <= 1e-9 else fail()
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return None if type(want) is type(actual) and want == actual else fail()
    return fail()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
