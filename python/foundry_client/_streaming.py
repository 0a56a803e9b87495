"""Streams: an iterator (``Foundry``) or an async iterator (``AsyncFoundry``) of
``ChatCompletionChunk`` over the core's ``StreamHandle``, which decides every case: a clean end
stops the iteration, a failure raises its error on every later read too, and a read after
``close()`` raises ``APIUserAbortError`` (the answer is incomplete). Leaving the loop with
``break`` and closing the stream (``with``, ``close()``), or cancelling the task that reads it,
aborts the HTTP request."""

from __future__ import annotations

from types import TracebackType

from . import _native
from ._chat import ChatCompletion, ChatCompletionChunk
from ._results import Response

__all__ = ["AsyncResponseStream", "AsyncStream", "ResponseStream", "Stream"]


def _final(native: _native.ChatStream) -> _native.ChatResult:
    # Only reached after a read returned the clean end, where the handle always has the result.
    result = native.result()
    assert result is not None, "StreamHandle: a clean end has its result"
    return result


class Stream:
    """A streamed chat completion (``create(..., stream=True)``): iterate it for chunks.

    ``with client.chat.completions.create(..., stream=True) as stream:`` closes the connection
    however the block ends. Each ``next()`` blocks with the GIL released.
    """

    def __init__(self, native: _native.ChatStream) -> None:
        self._native = native

    @property
    def deployment(self) -> str:
        """The deployment streaming the answer."""
        return self._native.deployment

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> ChatCompletionChunk:
        chunk = self._native.next_chunk()
        if chunk is None:
            raise StopIteration
        return ChatCompletionChunk(chunk)

    def close(self) -> None:
        """Cancels the stream and closes its HTTP connection (idempotent); later reads raise
        ``APIUserAbortError``."""
        self._native.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _drain(self) -> _native.ChatResult:
        while self._native.next_chunk() is not None:
            pass
        return _final(self._native)

    def get_final_completion(self) -> ChatCompletion:
        """Reads the rest of the stream and returns the whole answer, with usage and cost."""
        return ChatCompletion(self._drain())


class ResponseStream(Stream):
    """A streamed Responses-API call; its chunks are the same ``ChatCompletionChunk``."""

    def __enter__(self) -> ResponseStream:
        return self

    def __iter__(self) -> ResponseStream:
        return self

    def get_final_response(self) -> Response:
        """Reads the rest of the stream and returns the whole answer, with usage and cost."""
        return Response(self._drain())


class AsyncStream:
    """A streamed chat completion of ``AsyncFoundry``: ``async for chunk in stream``.

    ``async with`` closes the connection however the block ends; cancelling the task that reads
    the stream aborts the request.
    """

    def __init__(self, native: _native.ChatStream) -> None:
        self._native = native

    @property
    def deployment(self) -> str:
        return self._native.deployment

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        # A cancelled read cancels the stream (natively), which closes the connection.
        chunk = await self._native.next_chunk_async()
        if chunk is None:
            raise StopAsyncIteration
        return ChatCompletionChunk(chunk)

    async def close(self) -> None:
        """Cancels the stream and closes its HTTP connection (idempotent; never waits); later
        reads raise ``APIUserAbortError``."""
        self._native.close()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._native.close()

    async def _drain(self) -> _native.ChatResult:
        while await self._native.next_chunk_async() is not None:
            pass
        return _final(self._native)

    async def get_final_completion(self) -> ChatCompletion:
        """Reads the rest of the stream and returns the whole answer, with usage and cost."""
        return ChatCompletion(await self._drain())


class AsyncResponseStream(AsyncStream):
    """A streamed Responses-API call of ``AsyncFoundry``."""

    def __aiter__(self) -> AsyncResponseStream:
        return self

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def get_final_response(self) -> Response:
        return Response(await self._drain())
