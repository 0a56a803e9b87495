"""``Foundry`` and ``AsyncFoundry``: the ``openai`` SDK's call shapes over the core client.

The typed signatures live in ``_client.pyi``; at run time every keyword argument is passed to
the core as an OpenAI parameter (``None`` meaning "not given"), so parameters newer than this
package still reach the service.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
from collections.abc import Awaitable, Mapping, Sequence
from types import TracebackType
from typing import Any, Callable, TypeVar, Union

from . import _native
from ._chat import ChatCompletion
from ._errors import InvalidRequestError
from ._governance import LimitLine, ScopeBudget, SpendLine
from ._results import CreateEmbeddingResponse, Deployment, Response, SmokeResult
from ._streaming import AsyncResponseStream, AsyncStream, ResponseStream, Stream
from ._telemetry import with_trace_context as _with_trace_context

__all__ = ["AsyncFoundry", "Foundry"]

Config = Union[str, "os.PathLike[str]", Mapping[str, Any]]
EventCallback = Callable[[dict[str, Any]], None]
TokenProvider = Callable[[], Union[str, Awaitable[str]]]


def _request(params: dict[str, Any]) -> dict[str, Any]:
    # The OpenAI SDKs' `None` means "not given": send nothing rather than a JSON null the
    # service may refuse (`tools: null`).
    return _with_trace_context({k: v for k, v in params.items() if v is not None})


def _split_stream(params: dict[str, Any]) -> bool:
    return bool(params.pop("stream", False))


class _Completions:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    def create(self, **params: Any) -> ChatCompletion | Stream:
        stream = _split_stream(params)
        request = _request(params)
        if stream:
            return Stream(self._native.chat_stream(request))
        return ChatCompletion(self._native.chat(request))


class _Chat:
    def __init__(self, native: _native.Client) -> None:
        self.completions = _Completions(native)


class _Responses:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    def create(self, **params: Any) -> Response | ResponseStream:
        stream = _split_stream(params)
        request = _request(params)
        if stream:
            return ResponseStream(self._native.responses_stream(request))
        return Response(self._native.responses(request))


class _Embeddings:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    def create(self, **params: Any) -> CreateEmbeddingResponse:
        return CreateEmbeddingResponse(self._native.embeddings(_request(params)))


class _AsyncCompletions:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    async def create(self, **params: Any) -> ChatCompletion | AsyncStream:
        stream = _split_stream(params)
        request = _request(params)
        if stream:
            return AsyncStream(await self._native.chat_stream_async(request))
        return ChatCompletion(await self._native.chat_async(request))


class _AsyncChat:
    def __init__(self, native: _native.Client) -> None:
        self.completions = _AsyncCompletions(native)


class _AsyncResponses:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    async def create(self, **params: Any) -> Response | AsyncResponseStream:
        stream = _split_stream(params)
        request = _request(params)
        if stream:
            return AsyncResponseStream(await self._native.responses_stream_async(request))
        return Response(await self._native.responses_async(request))


class _AsyncEmbeddings:
    def __init__(self, native: _native.Client) -> None:
        self._native = native

    async def create(self, **params: Any) -> CreateEmbeddingResponse:
        return CreateEmbeddingResponse(await self._native.embeddings_async(_request(params)))


_C = TypeVar("_C", bound="_ClientBase")


class _LoopThread:
    """One event loop on a daemon thread, where an async ``azure_ad_token_provider`` runs: the
    core asks for tokens from its own threads, and one loop for every call keeps the
    provider's sessions (``azure.identity.aio``) on the loop they were made on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def run(self, awaitable: Awaitable[Any]) -> Any:
        async def wait() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), self._running()).result()

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child has the loop object without its thread: start another.
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="foundry-token-provider", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop


def _token_provider(provider: TokenProvider | None) -> Callable[[], Any] | None:
    """``azure_ad_token_provider`` as the synchronous callable the native module calls (on a
    worker thread): a coroutine it returns is awaited on the provider's own loop thread."""
    if provider is None:
        return None
    loop = _LoopThread()

    def token() -> Any:
        got = provider()
        return loop.run(got) if inspect.isawaitable(got) else got

    return token


def _endpoint(azure_endpoint: str | None, endpoint: str | None) -> str | None:
    if azure_endpoint is not None and endpoint is not None and azure_endpoint != endpoint:
        raise InvalidRequestError(
            f"both azure_endpoint ({azure_endpoint!r}) and its alias endpoint ({endpoint!r}) were given: pass one",
            {"kind": "invalid_request", "hint": "pass azure_endpoint (openai's name) only", "retryable": False},
        )
    return azure_endpoint if azure_endpoint is not None else endpoint


class _ClientBase:
    _native: _native.Client

    def __init__(
        self,
        config: Config | None = None,
        *,
        azure_endpoint: str | None = None,
        endpoint: str | None = None,
        api_key: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        azure_ad_token_provider: TokenProvider | None = None,
        default_headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        on_event: EventCallback | None = None,
        ca_pem: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if config is not None and not isinstance(config, (str, Mapping)):
            config = os.fspath(config)
        self._native = _native.Client(
            config=config,
            endpoint=_endpoint(azure_endpoint, endpoint),
            api_key=api_key,
            api_version=api_version,
            deployment=azure_deployment,
            token_provider=_token_provider(azure_ad_token_provider),
            default_headers=None if default_headers is None else dict(default_headers),
            timeout=timeout,
            max_retries=max_retries,
            on_event=on_event,
            ca_pem=ca_pem,
            env=None if env is None else dict(env),
        )
        self._bind()

    def _bind(self) -> None:
        """Sets the resource attributes (``chat``, ``responses``, ...) over ``self._native``."""

    def with_options(
        self: _C,
        *,
        default_headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> _C:
        """A client sharing this one's auth, budget, breakers and event thread, with these
        call settings changed (openai's ``with_options``). ``default_headers`` join the
        current ones. No IO."""
        return self._derived(
            self._native.with_options(
                default_headers=None if default_headers is None else dict(default_headers),
                timeout=timeout,
                max_retries=max_retries,
            )
        )

    def _derived(self: _C, native: _native.Client) -> _C:
        derived = object.__new__(type(self))
        derived._native = native
        derived._bind()
        return derived

    def scope(
        self: _C,
        name: str,
        *,
        models: Sequence[str] | None = None,
        budget: ScopeBudget | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> _C:
        """A scoped handle: a client with this one's full API whose calls count for ``name``
        inside this client's scope (``acme/search`` gives ``acme/search/bot``), checked against
        its own ``budget``, approved ``models`` and ``rpm`` / ``tpm`` and every enclosing
        scope's; ``tags`` join its result events. It shares this client's connections,
        tokens, ledger and event thread. Opens the ledger at most; no network IO."""
        # Only converted: the core reads the options (`None` is "not given") and words errors.
        options = {
            "models": None if models is None else list(models),
            "budget": None if budget is None else dict(budget),
            "rpm": rpm,
            "tpm": tpm,
            "tags": None if tags is None else dict(tags),
        }
        return self._derived(self._native.scope(name, options))

    def revoke(self) -> None:
        """Revokes this scoped handle: its later calls, and those of handles derived from it,
        raise ``RevokedError`` before anything is sent; calls in flight finish. A client that
        is not a handle raises ``InvalidRequestError``. No IO."""
        self._native.revoke()

    @property
    def scope_path(self) -> str | None:
        """The scope path this client's calls count for (``acme/search/bot``), if any."""
        return self._native.scope_path

    def spend(self) -> list[SpendLine]:
        """Each budget's spend in its current period (empty without budgets). Reads the
        ledger (a local file for the sqlite ledger); no network IO."""
        return [SpendLine(line) for line in self._native.spend()]

    def limits(self) -> list[LimitLine]:
        """Each local rate limit as it stands: every limited scope's and paced deployment's
        (empty when nothing is limited). No IO."""
        return [LimitLine(line) for line in self._native.limits()]

    @classmethod
    def from_config(cls: type[_C], config: Config, **options: Any) -> _C:
        """A client over a catalog file (YAML or JSON, native or LiteLLM format) or a dict in
        the same format. Reads the file; no network IO."""
        return cls(config, **options)

    @property
    def origin(self) -> str:
        """Where the catalog came from."""
        return self._native.origin

    def deployments(self) -> list[Deployment]:
        """The catalog's deployments, with what the client learned applied. No IO."""
        return [Deployment(d) for d in self._native.deployments()]

    @property
    def dropped_events(self) -> int:
        """Events ``on_event`` never received because it fell 1024 events behind the calls
        (each drop is also logged on ``foundry_client.events``)."""
        return self._native.dropped_events

    def __repr__(self) -> str:
        return f"{type(self).__name__}(origin={self.origin!r})"


class Foundry(_ClientBase):
    """The synchronous client. Calls block with the GIL released, so other threads run
    meanwhile; one client is safe to share across threads."""

    def _bind(self) -> None:
        self.chat = _Chat(self._native)
        self.responses = _Responses(self._native)
        self.embeddings = _Embeddings(self._native)

    def info(self, model: str) -> dict[str, Any]:
        """The model-inference endpoint's ``/info`` for a deployment. Network IO."""
        info: dict[str, Any] = self._native.info(model)
        return info

    def smoke(self) -> list[SmokeResult]:
        """Pings every deployment of the catalog concurrently with a tiny chat call; one
        outcome per deployment, never an exception for a failing one. Network IO."""
        return [SmokeResult(r) for r in self._native.smoke()]

    def settled(self) -> None:
        """Waits until every settle this client started has reached the spend ledger. With a
        fleet's Redis store (``governance.store``) settles run in the background, so a process
        about to exit calls this for its books to be complete. Network IO with Redis only."""
        self._native.settled()

    def close(self) -> None:
        """Delivers the events already queued for ``on_event``, then stops its thread (later
        events are not delivered). Pooled connections close when the client is collected."""
        self._native.close()

    def __enter__(self) -> Foundry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncFoundry(_ClientBase):
    """The asyncio client: every call is an awaitable of the running loop (no thread per
    call); cancelling the awaiting task aborts the HTTP request. One client is safe to share
    across tasks and threads."""

    def _bind(self) -> None:
        self.chat = _AsyncChat(self._native)
        self.responses = _AsyncResponses(self._native)
        self.embeddings = _AsyncEmbeddings(self._native)

    async def info(self, model: str) -> dict[str, Any]:
        info: dict[str, Any] = await self._native.info_async(model)
        return info

    async def smoke(self) -> list[SmokeResult]:
        return [SmokeResult(r) for r in await self._native.smoke_async()]

    async def settled(self) -> None:
        """Waits (on the loop, no thread) until every settle this client started has reached
        the spend ledger; see ``Foundry.settled``."""
        await self._native.settled_async()

    async def close(self) -> None:
        """Delivers the events already queued for ``on_event`` (waiting in a worker thread,
        not on the loop), then stops its thread. Pooled connections close when the client
        is collected."""
        await asyncio.get_running_loop().run_in_executor(None, self._native.close)

    async def __aenter__(self) -> AsyncFoundry:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
