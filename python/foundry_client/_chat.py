"""Chat results: they read like the ``openai`` SDK's (``choices[0].message.content``,
``usage.prompt_tokens``) and add the normalized fields every language shares (``text``,
``reasoning``, ``cost_usd``, ``deployment``, ``attempts``, ``request_id``, ``content_filter``).

Results hold the core's answer natively and convert a field only when it is first read, so a
caller that reads ``r.text`` never pays for converting the raw answer (python/README.md,
"Performance", has the measurement behind this).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from . import _native
from ._types import Attempt, ContentFilterReport, ToolCall, ToolCallDelta, Usage

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
]


def _completion_view(native: _native.ChatResult) -> dict[str, Any]:
    # Measured (python/README.md, "Performance"): for the whole OpenAI-shaped view, building
    # the objects from the parsed tree in Rust (pythonize) beats serializing to JSON bytes and
    # parsing them again with json.loads (2-7x slower) or orjson (a tie at 10 KB, 4x slower at
    # 100 KB).
    view: dict[str, Any] = native.view()
    return view


class ChatCompletionMessage:
    """``choices[i].message``: ``content``, ``reasoning_content``, ``tool_calls``, ``refusal``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.role: str = data.get("role") or "assistant"
        self.content: str | None = data.get("content")
        self.reasoning_content: str | None = data.get("reasoning_content")
        self.refusal: str | None = data.get("refusal")
        calls = data.get("tool_calls")
        self.tool_calls: list[ToolCall] | None = (
            None
            if not calls
            else [
                ToolCall(
                    c.get("id", ""), (c.get("function") or {}).get("name", ""), (c.get("function") or {}).get("arguments", "")
                )
                for c in calls
            ]
        )

    def __repr__(self) -> str:
        return f"ChatCompletionMessage(role={self.role!r}, content={self.content!r}, tool_calls={self.tool_calls!r})"


class Choice:
    """``choices[i]`` of a chat completion."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.index: int = data.get("index", 0)
        self.message = ChatCompletionMessage(data.get("message") or {})
        self.finish_reason: str | None = data.get("finish_reason")
        self.logprobs: Any = data.get("logprobs")
        self.content_filter_results: dict[str, Any] | None = data.get("content_filter_results")

    def __repr__(self) -> str:
        return f"Choice(index={self.index}, finish_reason={self.finish_reason!r}, message={self.message!r})"


class _Answer:
    """What chat completions and Responses results share: the normalized fields."""

    def __init__(self, native: _native.ChatResult) -> None:
        self._native = native

    @cached_property
    def text(self) -> str | None:
        """The answer's text (``None`` when the model only called tools)."""
        return self._native.text

    @cached_property
    def reasoning(self) -> str | None:
        """The model's reasoning (``reasoning_content``, Responses reasoning items, or an inline
        ``<think>`` block), when it shared any."""
        return self._native.reasoning

    @cached_property
    def tool_calls(self) -> list[ToolCall]:
        """The function calls the model asked for (empty when none)."""
        return [ToolCall(i, n, a) for (i, n, a) in self._native.tool_calls]

    @cached_property
    def finish_reason(self) -> str | None:
        """``stop``, ``length``, ``tool_calls`` or ``content_filter``."""
        return self._native.finish_reason

    @cached_property
    def usage(self) -> Usage:
        return Usage(*self._native.usage)

    @cached_property
    def cost_usd(self) -> float:
        """The call's cost from the catalog's pricing (0.0 without prices)."""
        return self._native.cost_usd

    @cached_property
    def deployment(self) -> str:
        """The deployment that answered."""
        return self._native.deployment

    @cached_property
    def api(self) -> str | None:
        """The API that carried the final attempt: ``chat`` or ``responses``."""
        return self._native.api

    @cached_property
    def attempts(self) -> int:
        """How many HTTP attempts the call took (retries and fallbacks included)."""
        return self._native.attempts

    @cached_property
    def tried(self) -> list[Attempt]:
        """Every attempt, in order."""
        return [Attempt(a) for a in self._native.tried()]

    @cached_property
    def request_id(self) -> str | None:
        """The service's request id of the answer."""
        return self._native.request_id

    @cached_property
    def content_filter(self) -> ContentFilterReport:
        """Azure's content-filter verdicts for the prompt and the completion."""
        return ContentFilterReport(self._native.content_filter())

    @cached_property
    def raw(self) -> dict[str, Any]:
        """The service's answer as received (for a translated call, the Responses body)."""
        raw: dict[str, Any] = self._native.raw()
        return raw

    def to_dict(self) -> dict[str, Any]:
        """The core's normalized result: ``text``, ``reasoning``, ``tool_calls``, ``usage``,
        ``cost_usd``, ``deployment``, ``attempts``, ``tried``, ``request_id``, ``raw``, ..."""
        data: dict[str, Any] = self._native.to_dict()
        return data


class ChatCompletion(_Answer):
    """A chat completion, shaped like the ``openai`` SDK's, with the normalized fields added."""

    object = "chat.completion"

    @cached_property
    def _view(self) -> dict[str, Any]:
        return _completion_view(self._native)

    @cached_property
    def id(self) -> str:
        return self._native.id

    @cached_property
    def model(self) -> str:
        """The model the service reports (not the deployment name)."""
        return self._native.model

    @cached_property
    def created(self) -> int:
        created: int = self._view.get("created", 0)
        return created

    @cached_property
    def choices(self) -> list[Choice]:
        return [Choice(c) for c in self._view.get("choices") or []]

    @cached_property
    def system_fingerprint(self) -> str | None:
        return self._view.get("system_fingerprint")

    @cached_property
    def prompt_filter_results(self) -> list[dict[str, Any]] | None:
        """Azure's prompt verdicts, as the service sent them."""
        return self._view.get("prompt_filter_results")

    def model_dump(self) -> dict[str, Any]:
        """The ``chat.completion`` object as a dict (the ``openai`` SDK's method name)."""
        return _completion_view(self._native)

    def __repr__(self) -> str:
        return (
            f"ChatCompletion(deployment={self.deployment!r}, text={self.text!r}, "
            f"finish_reason={self.finish_reason!r}, usage={self.usage!r}, cost_usd={self.cost_usd})"
        )


class ChoiceDelta:
    """``choices[i].delta`` of a streamed chunk."""

    __slots__ = ("role", "content", "reasoning_content", "refusal", "tool_calls")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.role: str | None = data.get("role")
        self.content: str | None = data.get("content")
        self.reasoning_content: str | None = data.get("reasoning_content")
        self.refusal: str | None = data.get("refusal")
        calls = data.get("tool_calls")
        self.tool_calls: list[ToolCallDelta] | None = (
            None
            if not calls
            else [
                ToolCallDelta(
                    c.get("index", 0),
                    c.get("id"),
                    (c.get("function") or {}).get("name"),
                    (c.get("function") or {}).get("arguments"),
                )
                for c in calls
            ]
        )

    def __repr__(self) -> str:
        return f"ChoiceDelta(content={self.content!r}, reasoning_content={self.reasoning_content!r})"


class ChunkChoice:
    """``choices[i]`` of a streamed chunk."""

    __slots__ = ("index", "delta", "finish_reason", "logprobs")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.index: int = data.get("index", 0)
        self.delta = ChoiceDelta(data.get("delta") or {})
        self.finish_reason: str | None = data.get("finish_reason")
        self.logprobs: Any = data.get("logprobs")


class ChatCompletionChunk:
    """One streamed piece, the same class for chat and Responses streams: ``choices[0].delta``
    as in the ``openai`` SDK, and the normalized ``text`` / ``reasoning`` / ``tool_calls``
    deltas. The chunk that carries the totals has ``usage``."""

    object = "chat.completion.chunk"

    def __init__(self, native: _native.ChatChunk) -> None:
        self._native = native

    @cached_property
    def _view(self) -> dict[str, Any]:
        view: dict[str, Any] = self._native.view()
        return view

    @cached_property
    def id(self) -> str:
        return self._native.id

    @cached_property
    def model(self) -> str:
        return self._native.model

    @cached_property
    def deployment(self) -> str:
        return self._native.deployment

    @cached_property
    def created(self) -> int:
        created: int = self._view.get("created", 0)
        return created

    @cached_property
    def text(self) -> str | None:
        """The text delta."""
        return self._native.text

    @cached_property
    def reasoning(self) -> str | None:
        """The reasoning delta."""
        return self._native.reasoning

    @cached_property
    def finish_reason(self) -> str | None:
        return self._native.finish_reason

    @cached_property
    def tool_calls(self) -> list[ToolCallDelta]:
        return [ToolCallDelta(*c) for c in self._native.tool_calls]

    @cached_property
    def usage(self) -> Usage | None:
        usage = self._native.usage
        return None if usage is None else Usage(*usage)

    @cached_property
    def content_filter(self) -> ContentFilterReport | None:
        report = self._native.content_filter()
        return None if report is None else ContentFilterReport(report)

    @cached_property
    def choices(self) -> list[ChunkChoice]:
        return [ChunkChoice(c) for c in self._view.get("choices") or []]

    @cached_property
    def raw(self) -> Any:
        """The service's event as received."""
        return self._native.raw()

    def to_dict(self) -> dict[str, Any]:
        """The core's normalized chunk."""
        data: dict[str, Any] = self._native.to_dict()
        return data

    def model_dump(self) -> dict[str, Any]:
        """The ``chat.completion.chunk`` object as a dict."""
        view: dict[str, Any] = self._native.view()
        return view

    def __repr__(self) -> str:
        return f"ChatCompletionChunk(text={self.text!r}, reasoning={self.reasoning!r}, finish_reason={self.finish_reason!r})"
