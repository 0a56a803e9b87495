"""Value types every result shares: usage, tool calls, content-filter verdicts, attempts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "Attempt",
    "CategoryResult",
    "ContentFilterReport",
    "Function",
    "TokensDetails",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
]


class TokensDetails:
    """``prompt_tokens_details`` / ``completion_tokens_details`` and their Responses-API twins."""

    __slots__ = ("cached_tokens", "reasoning_tokens")

    def __init__(self, cached_tokens: int = 0, reasoning_tokens: int = 0) -> None:
        self.cached_tokens = cached_tokens
        self.reasoning_tokens = reasoning_tokens

    def __repr__(self) -> str:
        return f"TokensDetails(cached_tokens={self.cached_tokens}, reasoning_tokens={self.reasoning_tokens})"


class Usage:
    """Token counts, whatever the API called them: the normalized names (``input_tokens``,
    ``output_tokens``, ...) and the chat-completions names (``prompt_tokens``,
    ``completion_tokens``, ``*_details``) both work."""

    __slots__ = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "total_tokens")

    def __init__(
        self,
        input_tokens: int = 0,
        cached_input_tokens: int = 0,
        output_tokens: int = 0,
        reasoning_tokens: int = 0,
        total_tokens: int = 0,
    ) -> None:
        self.input_tokens = input_tokens
        self.cached_input_tokens = cached_input_tokens
        self.output_tokens = output_tokens
        self.reasoning_tokens = reasoning_tokens
        self.total_tokens = total_tokens

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens

    @property
    def completion_tokens(self) -> int:
        return self.output_tokens

    @property
    def prompt_tokens_details(self) -> TokensDetails:
        return TokensDetails(cached_tokens=self.cached_input_tokens)

    @property
    def completion_tokens_details(self) -> TokensDetails:
        return TokensDetails(reasoning_tokens=self.reasoning_tokens)

    @property
    def input_tokens_details(self) -> TokensDetails:
        return TokensDetails(cached_tokens=self.cached_input_tokens)

    @property
    def output_tokens_details(self) -> TokensDetails:
        return TokensDetails(reasoning_tokens=self.reasoning_tokens)

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Usage) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in self.to_dict().items())
        return f"Usage({fields})"


class Function:
    """A tool call's function: its ``name`` and its ``arguments`` as JSON text."""

    __slots__ = ("name", "arguments")

    def __init__(self, name: str | None, arguments: str | None) -> None:
        self.name = name
        self.arguments = arguments

    def __repr__(self) -> str:
        return f"Function(name={self.name!r}, arguments={self.arguments!r})"


class ToolCall:
    """A function call the model asked for. ``name``/``arguments`` directly, or as in the
    ``openai`` SDK through ``function.name``/``function.arguments``."""

    __slots__ = ("id", "name", "arguments")
    type = "function"

    def __init__(self, id: str, name: str, arguments: str) -> None:
        self.id = id
        self.name = name
        self.arguments = arguments

    @property
    def function(self) -> Function:
        return Function(self.name, self.arguments)

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON."""
        return json.loads(self.arguments)

    def __repr__(self) -> str:
        return f"ToolCall(id={self.id!r}, name={self.name!r}, arguments={self.arguments!r})"


class ToolCallDelta:
    """A fragment of a streamed tool call: ``id`` and ``name`` arrive first, then argument text."""

    __slots__ = ("index", "id", "name", "arguments")

    def __init__(self, index: int, id: str | None, name: str | None, arguments: str | None) -> None:
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments

    @property
    def type(self) -> str | None:
        return "function" if self.id is not None else None

    @property
    def function(self) -> Function:
        return Function(self.name, self.arguments)

    def __repr__(self) -> str:
        return f"ToolCallDelta(index={self.index}, id={self.id!r}, name={self.name!r}, arguments={self.arguments!r})"


class CategoryResult:
    """One category's verdict from Azure's content filter."""

    __slots__ = ("source", "index", "category", "filtered", "severity", "detected")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.source: str = data.get("source", "")
        self.index: int = data.get("index", 0)
        self.category: str = data.get("category", "")
        self.filtered: bool = bool(data.get("filtered", False))
        self.severity: str | None = data.get("severity")
        self.detected: bool | None = data.get("detected")

    def __repr__(self) -> str:
        return f"CategoryResult(source={self.source!r}, category={self.category!r}, filtered={self.filtered})"


class ContentFilterReport:
    """Azure's content-safety outcome: whether anything was filtered, which categories fired,
    and every verdict reported."""

    __slots__ = ("filtered", "categories", "results")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.filtered: bool = bool(data.get("filtered", False))
        self.categories: list[str] = list(data.get("categories") or [])
        self.results: list[CategoryResult] = [CategoryResult(r) for r in data.get("results") or []]

    def __bool__(self) -> bool:
        return self.filtered

    def __repr__(self) -> str:
        return f"ContentFilterReport(filtered={self.filtered}, categories={self.categories!r})"


class Attempt:
    """One HTTP attempt of a call (retries and fallbacks included)."""

    __slots__ = ("deployment", "api", "status", "error", "latency_ms", "fallback")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.deployment: str = data.get("deployment", "")
        self.api: str = data.get("api", "")
        self.status: int | None = data.get("status")
        self.error: str | None = data.get("error")
        self.latency_ms: int = data.get("latency_ms", 0)
        self.fallback: bool = bool(data.get("fallback", False))

    def __repr__(self) -> str:
        return f"Attempt(deployment={self.deployment!r}, status={self.status!r}, error={self.error!r})"
