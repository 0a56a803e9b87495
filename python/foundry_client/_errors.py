"""The exceptions every call can raise: one class per kind of the core's error taxonomy.

Classes carry the names ``openai`` users already catch where the meaning matches
(``RateLimitError``, ``AuthenticationError``, ``BadRequestError``, ``APITimeoutError``, ...), so
``except`` clauses port unchanged. Every error has the same attributes, filled from the core's
error: ``kind``, ``message``, ``status``, ``code``, ``deployment``, ``request_id``,
``retryable``, ``hint``, ``retry_after`` and ``attempts``; ``to_dict()`` gives the core's error
JSON. ``kind`` is the core's kind and ``code`` the service's own code. The failure an error came
from (the core's ``cause``: an IO or TLS error, a token provider's exception) is its
``__cause__``, an ``ErrorCause`` chain. Errors pickle with all their attributes
(multiprocessing, Celery).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


class ErrorCause(Exception):
    """The failure a ``FoundryError`` came from, as its message (the core keeps causes as
    text): a ``FoundryError``'s ``__cause__``, itself chained to its own cause."""

    def __init__(self, message: str, cause: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if cause is not None:
            self.__cause__ = ErrorCause(str(cause.get("message", "")), cause.get("cause"))

    def __reduce__(self) -> tuple[type[ErrorCause], tuple[str, dict[str, Any] | None]]:
        return (type(self), (self.message, _cause_json(self.__cause__)))


def _cause_json(cause: BaseException | None) -> dict[str, Any] | None:
    """A ``__cause__`` chain as the core's ``{"message", "cause"}``."""
    if cause is None:
        return None
    out: dict[str, Any] = {"message": str(cause)}
    inner = _cause_json(cause.__cause__)
    if inner is not None:
        out["cause"] = inner
    return out


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "APIUserAbortError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "ConfigError",
    "ContentFilterError",
    "CredentialError",
    "ErrorCause",
    "FoundryError",
    "InternalError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidResponseError",
    "LedgerError",
    "NotFoundError",
    "OperationUnsupportedError",
    "PermissionDeniedError",
    "PolicyError",
    "RateLimitError",
    "ReasoningExhaustedError",
    "RevokedError",
    "StoreUnavailableError",
    "StreamError",
]


class FoundryError(Exception):
    """Base of every error the client raises.

    Attributes:
        kind: the core's error kind (``"rate_limit"``, ``"not_found"``, ...).
        message: what happened, without the hint.
        status: the HTTP status, when the service answered (else ``None``).
        code: the service's own error code (``"content_filter"``, ``"DeploymentNotFound"``, ...).
        deployment: the deployment that failed, when known.
        request_id: the service's request id (``apim-request-id``), for support tickets.
        retryable: whether the same request may succeed later.
        hint: what to do about it.
        retry_after: the server's retry hint in seconds, when it sent one.
        attempts: every HTTP attempt made before giving up, as dicts.
    """

    _kind = "foundry"

    kind: str
    message: str
    status: int | None
    code: str | None
    deployment: str | None
    request_id: str | None
    retryable: bool
    hint: str
    retry_after: float | None
    attempts: list[dict[str, Any]]

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        fields: dict[str, Any] = dict(details) if details is not None else {}
        fields.setdefault("kind", self._kind)
        fields.setdefault("message", message)
        self._details = fields
        self.kind = str(fields["kind"])
        self.message = str(fields["message"])
        self.status = fields.get("status")
        self.code = fields.get("code")
        self.deployment = fields.get("deployment")
        self.request_id = fields.get("request_id")
        self.retryable = bool(fields.get("retryable", False))
        self.hint = str(fields.get("hint") or "")
        retry_after_ms = fields.get("retry_after_ms")
        self.retry_after = None if retry_after_ms is None else retry_after_ms / 1000.0
        self.attempts = list(fields.get("attempts") or [])
        cause = fields.get("cause")
        if cause is not None:
            self.__cause__ = ErrorCause(str(cause.get("message", "")), cause.get("cause"))

    @property
    def status_code(self) -> int | None:
        """The HTTP status, under the ``openai`` SDK's name."""
        return self.status

    def to_dict(self) -> dict[str, Any]:
        """The core's error as JSON-like data (what the conformance vectors compare)."""
        return copy.deepcopy(self._details)

    def __reduce__(self) -> tuple[type[FoundryError], tuple[str, dict[str, Any]]]:
        return (type(self), (str(self), self._details))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


APIError = FoundryError
"""The ``openai`` SDK's base-class name, so ``except openai.APIError`` ports."""


class ConfigError(FoundryError):
    """The catalog (file, dict, environment) is unusable; the message names the key and the fix."""

    _kind = "config"


class APIStatusError(FoundryError):
    """The service answered with an error status (or the client refused the request first)."""

    _kind = "bad_request"


class BadRequestError(APIStatusError):
    """The service refused the request (400 and other 4xx without a class of their own)."""

    _kind = "bad_request"


class InvalidRequestError(BadRequestError, ValueError):
    """The request's arguments were refused before anything was sent."""

    _kind = "invalid_request"


class ContentFilterError(BadRequestError):
    """Azure's content filter blocked the prompt or the completion.

    Attributes:
        categories: the categories that fired (``["violence"]``).
        content_filter: the full report: ``filtered``, ``categories`` and every verdict.
    """

    _kind = "content_filter"
    categories: list[str]
    content_filter: dict[str, Any] | None

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, details)
        self.content_filter = self._details.get("content_filter")
        categories = self._details.get("categories")
        if categories is None and self.content_filter is not None:
            categories = self.content_filter.get("categories")
        self.categories = list(categories or [])


class OperationUnsupportedError(BadRequestError):
    """The deployment does not serve this API (a responses-only model called through chat)."""

    _kind = "operation_unsupported"


class AuthenticationError(APIStatusError):
    """401: the key or token was refused."""

    _kind = "authentication"


class CredentialError(AuthenticationError):
    """No Entra ID token could be obtained (managed identity, workload identity, CLI)."""

    _kind = "credential"


class PermissionDeniedError(APIStatusError):
    """403: the identity lacks a role on the resource."""

    _kind = "permission_denied"


class NotFoundError(APIStatusError):
    """404, or a deployment / route name the catalog does not know."""

    _kind = "not_found"


class RateLimitError(APIStatusError):
    """429: the deployment's quota is exhausted. ``retry_after`` holds the server's hint in
    seconds, when it sent one."""

    _kind = "rate_limit"


class InternalServerError(APIStatusError):
    """5xx from the service, after the retries."""

    _kind = "server"


class APIConnectionError(FoundryError):
    """The connection could not be made or broke before an answer."""

    _kind = "connection"


class APITimeoutError(APIConnectionError):
    """The per-attempt timeout or the call's deadline passed (also 408)."""

    _kind = "timeout"


class StreamError(FoundryError):
    """A stream broke, reported an error, or ended without its terminator."""

    _kind = "stream"


class ReasoningExhaustedError(FoundryError):
    """A thinking model spent its whole output budget reasoning and wrote no answer: raise
    ``max_tokens``. The call was billed."""

    _kind = "reasoning_exhausted"


class InvalidResponseError(FoundryError):
    """The service answered something the client cannot read."""

    _kind = "invalid_response"


class APIUserAbortError(FoundryError):
    """The caller cancelled or closed the call (a stream read after ``close()``) before its
    end, so the answer is incomplete. openai's name for the same case."""

    _kind = "cancelled"


class BudgetExceededError(FoundryError):
    """A budget's hard cap would be passed: the call was refused before it was sent. The
    message names the scope, its period, what it has spent or reserved and its cap."""

    _kind = "budget_exceeded"


class LedgerError(FoundryError):
    """The spend ledger could not be read or written: the call was refused unaccounted."""

    _kind = "ledger"


class PolicyError(FoundryError):
    """A governance policy refused the call before it was sent (an unapproved deployment, a
    prompt over the size limit, a missing correlation id)."""

    _kind = "policy"


class RevokedError(FoundryError):
    """The scoped handle the call was made through was revoked."""

    _kind = "revoked"


class StoreUnavailableError(FoundryError):
    """The fleet's shared store (Redis) did not answer: a call under a hard budget was
    refused unsent rather than run unaccounted. (``governance.store.on_unreachable`` is
    ``fail_closed``, the default.) Nothing was billed. Not retryable by the client: the
    outage usually outlasts a retry's backoff. Send the call again once the store answers (a
    ``store`` event with ``state: reachable`` says so), or opt into ``on_unreachable: local``
    to keep calling under local limits while it is down."""

    _kind = "store_unavailable"


class InternalError(FoundryError):
    """A bug in foundry-client (a Rust panic caught at the boundary): the message says where.
    Not retryable; please report it. A ``FoundryError``, so ``except FoundryError`` and
    ``except Exception`` catch it, where a bare panic would escape both."""

    _kind = "internal"


_CLASSES: dict[str, type[FoundryError]] = {
    "config": ConfigError,
    "invalid_request": InvalidRequestError,
    "authentication": AuthenticationError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "rate_limit": RateLimitError,
    "content_filter": ContentFilterError,
    "operation_unsupported": OperationUnsupportedError,
    "bad_request": BadRequestError,
    "server": InternalServerError,
    "timeout": APITimeoutError,
    "connection": APIConnectionError,
    "stream": StreamError,
    "reasoning_exhausted": ReasoningExhaustedError,
    "invalid_response": InvalidResponseError,
    "credential": CredentialError,
    "cancelled": APIUserAbortError,
    "budget_exceeded": BudgetExceededError,
    "ledger": LedgerError,
    "policy": PolicyError,
    "revoked": RevokedError,
    "store_unavailable": StoreUnavailableError,
}
"""The one table from the core's error kinds to classes. ``test_errors`` walks the core's
``ErrorKind::ALL`` (``_native.ERROR_KINDS``) through it: a kind without a class fails it."""


def _from_core(message: str, details: dict[str, Any]) -> FoundryError:
    """The exception for a core error (``details`` is its JSON); called by the native module."""
    return _CLASSES.get(str(details.get("kind")), FoundryError)(message, details)
