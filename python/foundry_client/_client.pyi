"""Typed signatures of ``Foundry`` and ``AsyncFoundry`` (the runtime passes every keyword
argument to the core as an OpenAI parameter; ``None`` means "not given").

``priority`` (chat completions and responses) is the call's class in the local rate-limit
queues (a handle's ``rpm`` / ``tpm``, a paced deployment's), never sent: ``high`` calls are
served first, ``low`` ones last, and a waiting call ages so no class starves."""

import os
from collections.abc import Awaitable, Mapping, Sequence
from types import TracebackType
from typing import Any, Callable, Literal, TypeVar, overload

from . import _native
from ._chat import ChatCompletion
from ._governance import LimitLine, ScopeBudget, SpendLine
from ._results import CreateEmbeddingResponse, Deployment, Response, SmokeResult
from ._streaming import AsyncResponseStream, AsyncStream, ResponseStream, Stream

__all__ = ["AsyncFoundry", "Foundry"]

Config = str | os.PathLike[str] | Mapping[str, Any]
EventCallback = Callable[[dict[str, Any]], None]
"""Receives each core event as a dict with a ``type``: ``attempt`` (with ``queued_ms``, the
wait in the local rate-limit queues), ``result`` (with the handle's ``scope`` and ``tags``),
``circuit``, ``retry_refused``, ``spend`` (``action``: reserved, settled, released, refused),
``budget_alert``, ``policy`` or ``store`` (a fleet's Redis store became ``unreachable`` or
``reachable``; while it is unreachable, a call under a hard budget raises
``StoreUnavailableError`` unless ``on_unreachable: local``); called on a client thread, so it must be quick and
thread-safe."""
TokenProvider = Callable[[], str | Awaitable[str]]
"""openai's ``azure_ad_token_provider``: returns (or, async, resolves to) an Entra ID bearer
token for every deployment whose auth is ``entra``; called on a worker thread, a coroutine on
the provider's own loop thread. An exception fails the call with ``CredentialError``, its
``__cause__`` the exception's message chain."""

_C = TypeVar("_C", bound="_ClientBase")

class _Completions:
    def __init__(self, native: _native.Client) -> None: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: Literal[False] = ...,
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> ChatCompletion: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: Literal[True],
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> Stream: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: bool,
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> ChatCompletion | Stream: ...

class _Chat:
    def __init__(self, native: _native.Client) -> None: ...
    completions: _Completions

class _Responses:
    def __init__(self, native: _native.Client) -> None: ...
    @overload
    def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: Literal[False] = ...,
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> Response: ...
    @overload
    def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: Literal[True],
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> ResponseStream: ...
    @overload
    def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: bool,
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> Response | ResponseStream: ...

class _Embeddings:
    def __init__(self, native: _native.Client) -> None: ...
    def create(
        self,
        *,
        model: str,
        input: str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]],
        dimensions: int | None = ...,
        encoding_format: Literal["float", "base64"] | None = ...,
        user: str | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
    ) -> CreateEmbeddingResponse: ...

class _AsyncCompletions:
    def __init__(self, native: _native.Client) -> None: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: Literal[False] = ...,
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> ChatCompletion: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: Literal[True],
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> AsyncStream: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: bool,
        frequency_penalty: float | None = ...,
        logit_bias: Mapping[str, int] | None = ...,
        logprobs: bool | None = ...,
        max_completion_tokens: int | None = ...,
        max_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        modalities: Sequence[str] | None = ...,
        n: int | None = ...,
        parallel_tool_calls: bool | None = ...,
        prediction: Mapping[str, Any] | None = ...,
        presence_penalty: float | None = ...,
        prompt_cache_key: str | None = ...,
        reasoning_effort: str | None = ...,
        response_format: Mapping[str, Any] | None = ...,
        safety_identifier: str | None = ...,
        seed: int | None = ...,
        service_tier: str | None = ...,
        stop: str | Sequence[str] | None = ...,
        store: bool | None = ...,
        stream_options: Mapping[str, Any] | None = ...,
        temperature: float | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_logprobs: int | None = ...,
        top_p: float | None = ...,
        user: str | None = ...,
        verbosity: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> ChatCompletion | AsyncStream: ...

class _AsyncChat:
    def __init__(self, native: _native.Client) -> None: ...
    completions: _AsyncCompletions

class _AsyncResponses:
    def __init__(self, native: _native.Client) -> None: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: Literal[False] = ...,
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> Response: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: Literal[True],
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> AsyncResponseStream: ...
    @overload
    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        stream: bool,
        instructions: str | None = ...,
        max_output_tokens: int | None = ...,
        metadata: Mapping[str, str] | None = ...,
        parallel_tool_calls: bool | None = ...,
        previous_response_id: str | None = ...,
        reasoning: Mapping[str, Any] | None = ...,
        store: bool | None = ...,
        temperature: float | None = ...,
        text: Mapping[str, Any] | None = ...,
        tool_choice: str | Mapping[str, Any] | None = ...,
        tools: Sequence[Mapping[str, Any]] | None = ...,
        top_p: float | None = ...,
        truncation: str | None = ...,
        user: str | None = ...,
        priority: Literal["high", "normal", "low"] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
        stream_timeout: float | None = ...,
    ) -> Response | AsyncResponseStream: ...

class _AsyncEmbeddings:
    def __init__(self, native: _native.Client) -> None: ...
    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]],
        dimensions: int | None = ...,
        encoding_format: Literal["float", "base64"] | None = ...,
        user: str | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: float | None = ...,
    ) -> CreateEmbeddingResponse: ...

class _ClientBase:
    """Built from the core's ``ClientSettings``: ``config`` (a file path, catalog text or a
    dict) or, without it, the environment catalog described by ``azure_endpoint`` (alias
    ``endpoint``), ``api_key`` and ``api_version``; giving both is a ``ConfigError``.
    ``azure_deployment`` pins every call to one deployment or route; ``default_headers`` join
    the catalog's; ``timeout`` (seconds) and ``max_retries`` replace its defaults and are checked
    here (``ConfigError``); ``env`` replaces the process environment."""

    def __init__(
        self,
        config: Config | None = ...,
        *,
        azure_endpoint: str | None = ...,
        endpoint: str | None = ...,
        api_key: str | None = ...,
        api_version: str | None = ...,
        azure_deployment: str | None = ...,
        azure_ad_token_provider: TokenProvider | None = ...,
        default_headers: Mapping[str, str] | None = ...,
        timeout: float | None = ...,
        max_retries: int | None = ...,
        on_event: EventCallback | None = ...,
        ca_pem: str | None = ...,
        env: Mapping[str, str] | None = ...,
    ) -> None: ...
    @classmethod
    def from_config(
        cls: type[_C],
        config: Config,
        *,
        azure_endpoint: str | None = ...,
        endpoint: str | None = ...,
        api_key: str | None = ...,
        api_version: str | None = ...,
        azure_deployment: str | None = ...,
        azure_ad_token_provider: TokenProvider | None = ...,
        default_headers: Mapping[str, str] | None = ...,
        timeout: float | None = ...,
        max_retries: int | None = ...,
        on_event: EventCallback | None = ...,
        ca_pem: str | None = ...,
        env: Mapping[str, str] | None = ...,
    ) -> _C: ...
    def with_options(
        self: _C,
        *,
        default_headers: Mapping[str, str] | None = ...,
        timeout: float | None = ...,
        max_retries: int | None = ...,
    ) -> _C:
        """A client sharing this one's auth, budget, breakers and event thread, with these call
        settings changed (openai's ``with_options``). No IO."""
    def scope(
        self: _C,
        name: str,
        *,
        models: Sequence[str] | None = ...,
        budget: ScopeBudget | None = ...,
        rpm: int | None = ...,
        tpm: int | None = ...,
        tags: Mapping[str, str] | None = ...,
    ) -> _C:
        """A scoped handle: a client with this one's full API whose calls count for ``name``
        inside this client's scope, checked against its own ``budget`` (``BudgetExceededError``),
        approved ``models`` (``PolicyError``) and ``rpm`` / ``tpm`` (a queue; ``RateLimitError``
        with ``retry_after`` when the wait would pass the call's timeout) and every enclosing
        scope's; ``tags`` join its result events. A bad option is a ``ConfigError`` naming it
        (``scope('bot').budget.window: ...``). Opens the ledger at most; no network IO."""
    def revoke(self) -> None:
        """Revokes this scoped handle: its later calls, and those of handles derived from it,
        raise ``RevokedError``; calls in flight finish. On a client that is not a handle:
        ``InvalidRequestError``. No IO."""
    @property
    def scope_path(self) -> str | None:
        """The scope path this client's calls count for (``acme/search/bot``), if any."""
    def spend(self) -> list[SpendLine]:
        """Each budget's spend in its current period (empty without budgets). Reads the
        ledger; no network IO."""
    def limits(self) -> list[LimitLine]:
        """Each local rate limit as it stands (empty when nothing is limited). No IO."""
    @property
    def origin(self) -> str: ...
    @property
    def dropped_events(self) -> int: ...
    def deployments(self) -> list[Deployment]: ...

class Foundry(_ClientBase):
    """The synchronous client: calls block with the GIL released; share one across threads."""

    chat: _Chat
    responses: _Responses
    embeddings: _Embeddings
    def info(self, model: str) -> dict[str, Any]: ...
    def smoke(self) -> list[SmokeResult]: ...
    def settled(self) -> None:
        """Waits until every settle this client started has reached the spend ledger. With a
        fleet's Redis store (``governance.store``) settles run in the background, so a process
        about to exit calls this for its books to be complete. Network IO with Redis only."""
    def close(self) -> None: ...
    def __enter__(self) -> Foundry: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

class AsyncFoundry(_ClientBase):
    """The asyncio client: real awaitables of the running loop; share one across tasks."""

    chat: _AsyncChat
    responses: _AsyncResponses
    embeddings: _AsyncEmbeddings
    async def info(self, model: str) -> dict[str, Any]: ...
    async def smoke(self) -> list[SmokeResult]: ...
    async def settled(self) -> None:
        """Waits (on the loop, no thread) until every settle this client started has reached
        the spend ledger; see ``Foundry.settled``."""
    async def close(self) -> None: ...
    async def __aenter__(self) -> AsyncFoundry: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
