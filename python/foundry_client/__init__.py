"""foundry-client: one client for Azure AI Foundry deployments, with the ``openai`` SDK's call
shapes.

>>> from foundry_client import Foundry
>>> client = Foundry.from_config("foundry.yaml")          # Foundry() alone reads the environment
>>> r = client.chat.completions.create(model="gpt-5.4", messages=[{"role": "user", "content": "Hi"}])
>>> r.choices[0].message.content, r.text, r.usage.prompt_tokens, r.cost_usd, r.deployment

The core (routing, auth, retries, cost, normalization) is Rust, shared with the Node, Kotlin and
C bindings; the library logs through the ``foundry_client`` logger of ``logging``.
"""

from __future__ import annotations

from . import _native
from ._chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    Choice,
    ChoiceDelta,
    ChunkChoice,
)
from ._client import AsyncFoundry, Foundry
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    APIUserAbortError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    ConfigError,
    ContentFilterError,
    CredentialError,
    ErrorCause,
    FoundryError,
    InternalError,
    InternalServerError,
    InvalidRequestError,
    InvalidResponseError,
    LedgerError,
    NotFoundError,
    OperationUnsupportedError,
    PermissionDeniedError,
    PolicyError,
    RateLimitError,
    ReasoningExhaustedError,
    RevokedError,
    StoreUnavailableError,
    StreamError,
)
from ._governance import LimitLine, ScopeBudget, SpendLine
from ._results import CreateEmbeddingResponse, Deployment, Embedding, Pricing, Response, SmokeResult
from ._streaming import AsyncResponseStream, AsyncStream, ResponseStream, Stream
from ._telemetry import flush_telemetry
from ._types import (
    Attempt,
    CategoryResult,
    ContentFilterReport,
    Function,
    TokensDetails,
    ToolCall,
    ToolCallDelta,
    Usage,
)

__version__: str = _native.__version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "APIUserAbortError",
    "AsyncFoundry",
    "AsyncResponseStream",
    "AsyncStream",
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "CategoryResult",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
    "ConfigError",
    "ContentFilterError",
    "ContentFilterReport",
    "CreateEmbeddingResponse",
    "CredentialError",
    "Deployment",
    "Embedding",
    "ErrorCause",
    "Foundry",
    "FoundryError",
    "Function",
    "InternalError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidResponseError",
    "LedgerError",
    "LimitLine",
    "NotFoundError",
    "OperationUnsupportedError",
    "PermissionDeniedError",
    "PolicyError",
    "Pricing",
    "RateLimitError",
    "ReasoningExhaustedError",
    "Response",
    "ResponseStream",
    "RevokedError",
    "ScopeBudget",
    "SmokeResult",
    "SpendLine",
    "StoreUnavailableError",
    "Stream",
    "StreamError",
    "TokensDetails",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "flush_telemetry",
]
