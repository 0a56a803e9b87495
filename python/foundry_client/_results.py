"""The other results: Responses-API answers, embeddings, deployments and smoke outcomes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from . import _native
from ._chat import _Answer
from ._types import Attempt, Usage

__all__ = ["CreateEmbeddingResponse", "Deployment", "Embedding", "Pricing", "Response", "SmokeResult"]


class _Item:
    """A Responses-API output item with attribute access to its JSON fields (``item.type``,
    ``item.content[0].text``); ``item["key"]`` works too."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self._data[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Item({dict(self._data)!r})"


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return _Item(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class Response(_Answer):
    """A Responses-API answer: ``output_text``, ``output``, ``status`` and ``usage`` as in the
    ``openai`` SDK, with the normalized fields added."""

    object = "response"

    @cached_property
    def id(self) -> str:
        return self._native.id

    @cached_property
    def model(self) -> str:
        return self._native.model

    @cached_property
    def output_text(self) -> str:
        """The answer's text ("" when the model only called tools)."""
        return self._native.text or ""

    @cached_property
    def output(self) -> list[Any]:
        """The output items (reasoning, message, function_call) as the service sent them."""
        items = self.raw.get("output")
        return [_wrap(i) for i in items] if isinstance(items, list) else []

    @cached_property
    def status(self) -> str | None:
        """``completed`` or ``incomplete``."""
        return self.raw.get("status")

    @cached_property
    def created_at(self) -> float | None:
        return self.raw.get("created_at")

    @cached_property
    def incomplete_details(self) -> dict[str, Any] | None:
        return self.raw.get("incomplete_details")

    def __repr__(self) -> str:
        return f"Response(deployment={self.deployment!r}, output_text={self.output_text!r}, usage={self.usage!r})"


class Embedding:
    """One vector: floats, or base64 text when ``encoding_format="base64"`` was asked."""

    __slots__ = ("index", "embedding")
    object = "embedding"

    def __init__(self, index: int, embedding: Any) -> None:
        self.index = index
        self.embedding = embedding

    def __repr__(self) -> str:
        size = len(self.embedding) if isinstance(self.embedding, (list, str)) else "?"
        return f"Embedding(index={self.index}, len={size})"


class CreateEmbeddingResponse:
    """An embeddings answer, shaped like the ``openai`` SDK's, with the normalized fields."""

    object = "list"

    def __init__(self, native: _native.EmbeddingsResult) -> None:
        self._native = native

    @cached_property
    def data(self) -> list[Embedding]:
        return [Embedding(i, e) for (i, e) in self._native.data()]

    @cached_property
    def model(self) -> str:
        return self._native.model

    @cached_property
    def deployment(self) -> str:
        return self._native.deployment

    @cached_property
    def usage(self) -> Usage:
        return Usage(*self._native.usage)

    @cached_property
    def cost_usd(self) -> float:
        return self._native.cost_usd

    @cached_property
    def attempts(self) -> int:
        return self._native.attempts

    @cached_property
    def tried(self) -> list[Attempt]:
        return [Attempt(a) for a in self._native.tried()]

    @cached_property
    def request_id(self) -> str | None:
        return self._native.request_id

    @cached_property
    def raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = self._native.raw()
        return raw

    def to_dict(self) -> dict[str, Any]:
        """The core's normalized result."""
        data: dict[str, Any] = self._native.to_dict()
        return data

    def __iter__(self) -> Iterator[Embedding]:
        return iter(self.data)

    def __repr__(self) -> str:
        return f"CreateEmbeddingResponse(deployment={self.deployment!r}, vectors={len(self.data)}, usage={self.usage!r})"


class Pricing:
    """USD per 1M tokens: a view over the ``pricing`` object of the core's deployment JSON."""

    __slots__ = ("input", "cached_input", "output")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.input: float = data["input"]
        self.cached_input: float | None = data.get("cached_input")
        self.output: float = data["output"]

    def __repr__(self) -> str:
        return f"Pricing(input={self.input}, cached_input={self.cached_input}, output={self.output})"


class Deployment:
    """One deployment of the catalog as the client uses it (what it learned applied): a typed
    view over the core's ``Deployment::to_json``, which defines every field. Never holds a
    credential: ``auth`` names its kind (``api_key``, ``entra``, ``none``) and ``credential``
    the Entra credential kind."""

    name: str
    deployment: str
    model: str | None
    endpoint: str
    shape: str
    api_version: str
    responses_api_version: str
    auth: str
    credential: str | None
    thinking: bool
    responses_only: bool
    max_tokens_param: str
    min_max_tokens: int | None
    extra_parameters: str | None
    pricing: Pricing
    tpm: int | None
    rpm: int | None
    tags: dict[str, str]

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)
        for key, value in self._data.items():
            setattr(self, key, Pricing(value) if key == "pricing" else value)

    def to_dict(self) -> dict[str, Any]:
        """The core's deployment JSON."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Deployment(name={self.name!r}, shape={self.shape!r}, endpoint={self.endpoint!r})"


class SmokeResult:
    """One deployment's answer to the smoke ping."""

    __slots__ = ("_data", "deployment", "ok", "status", "api", "latency_ms", "usage", "cost_usd", "error", "hint")

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.deployment: str = data.get("deployment", "")
        self.ok: bool = bool(data.get("ok", False))
        self.status: int | None = data.get("status")
        self.api: str | None = data.get("api")
        self.latency_ms: int = data.get("latency_ms", 0)
        u = data.get("usage") or {}
        self.usage = Usage(
            u.get("input_tokens", 0),
            u.get("cached_input_tokens", 0),
            u.get("output_tokens", 0),
            u.get("reasoning_tokens", 0),
            u.get("total_tokens", 0),
        )
        self.cost_usd: float = data.get("cost_usd", 0.0)
        self.error: str | None = data.get("error")
        self.hint: str | None = data.get("hint")

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"SmokeResult(deployment={self.deployment!r}, ok={self.ok}, status={self.status!r}, error={self.error!r})"
