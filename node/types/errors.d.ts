import type { ErrorKindName } from './generated/error-kinds';
import { type Attempt, type ContentFilterReport, type NormalizedError } from './normalized';
/**
 * Every error this package throws (openai-node's `APIError`). `kind` is the core's error kind
 * (`rate_limit`, `content_filter`, `cancelled`, ...), the same string in every language;
 * `code` is the service's own code (`429`, `DeploymentNotFound`, `content_filter`, ...).
 */
export declare class FoundryError extends Error {
    #private;
    /** The core's error kind (one of {@link ERROR_KIND_DOCS}, generated from the core), or
     * `internal` (a bug: see {@link InternalError}). */
    readonly kind: ErrorKindName | 'internal';
    /** The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...), as
     * openai-node's `code`; `null` when the service gave none. */
    readonly code: string | null;
    /** HTTP status, where the service answered. */
    readonly status: number | null;
    /** The deployment that failed (the last one tried). */
    readonly deployment: string | null;
    /** The service's request id, to quote to support. */
    readonly requestId: string | null;
    /** Whether the same request may succeed if sent again later. */
    readonly retryable: boolean;
    /** What to do about it. */
    readonly hint: string;
    /** Every attempt made before giving up. */
    readonly attempts: Attempt[];
    constructor(error: NormalizedError, message?: string);
    /** The core's error JSON (snake_case), identical in every language. */
    toJSON(): NormalizedError;
}
/** The catalog (file, environment or builder) is unusable. Also a bad constructor or
 * `withOptions` setting. */
export declare class ConfigError extends FoundryError {
}
/** The caller's request was refused before anything was sent. */
export declare class InvalidRequestError extends FoundryError {
}
/** 401: missing, invalid or expired key or token. */
export declare class AuthenticationError extends FoundryError {
}
/** 403: the identity lacks the "Cognitive Services User" role. */
export declare class PermissionDeniedError extends FoundryError {
}
/** 404: wrong deployment name, endpoint or api-version. */
export declare class NotFoundError extends FoundryError {
}
/** 429: quota or rate limit; carries the server's retry hint. */
export declare class RateLimitError extends FoundryError {
    /** The server's retry hint in seconds, when it gave one. */
    readonly retryAfter: number | null;
    constructor(error: NormalizedError, message?: string);
}
/** Any other 4xx the service refused. openai-node's `BadRequestError`, and the base of its
 * `ConflictError` (409) and `UnprocessableEntityError` (422). */
export declare class BadRequestError extends FoundryError {
}
/** 409 (openai-node's name): a `bad_request` error. */
export declare class ConflictError extends BadRequestError {
}
/** 422 (openai-node's name): a `bad_request` error. */
export declare class UnprocessableEntityError extends BadRequestError {
}
/** 400 `content_filter`, or a completion that ended in `content_filter`. A `BadRequestError`,
 * as the 400 is for openai-node. */
export declare class ContentFilterError extends BadRequestError {
    /** The categories that fired (`hate`, `violence`, `jailbreak`, ...). */
    readonly categories: string[];
    /** Every verdict the service reported. */
    readonly contentFilter: ContentFilterReport | null;
    constructor(error: NormalizedError, message?: string);
}
/** 400 `OperationNotSupported`: the deployment does not serve this API. A `BadRequestError`, as
 * the 400 is for openai-node. */
export declare class OperationUnsupportedError extends BadRequestError {
}
/** 5xx from the service. openai-node's `InternalServerError`. */
export declare class ServerError extends FoundryError {
}
/** The connection could not be made or broke before an answer. openai-node's
 * `APIConnectionError`. */
export declare class ConnectionError extends FoundryError {
}
/** The deadline or the per-attempt timeout passed (also 408). openai-node's
 * `APIConnectionTimeoutError`, an `APIConnectionError` there too. */
export declare class TimeoutError extends ConnectionError {
}
/** A stream broke or ended without its terminator. */
export declare class StreamError extends FoundryError {
}
/** A thinking model spent its whole `max_tokens` budget reasoning: no answer. Raise
 * `max_tokens`. */
export declare class ReasoningExhaustedError extends FoundryError {
}
/** The service answered something this client cannot read. */
export declare class InvalidResponseError extends FoundryError {
}
/** Credentials could not be obtained (Entra ID, managed identity, CLI). Also an
 * `azureADTokenProvider` that rejected: its rejection is the `cause`. */
export declare class CredentialError extends FoundryError {
}
/** The caller cancelled or closed the call (a stream, an aborted request) before its end. An
 * `AbortSignal` fired, or the stream was aborted or broken out of (openai-node's name): the
 * answer is incomplete. */
export declare class APIUserAbortError extends FoundryError {
}
/** A budget's hard cap would be passed: the call was refused before it was sent. The message
 * names the scope, its period, what it has spent or reserved and its cap. */
export declare class BudgetExceededError extends FoundryError {
}
/** The spend ledger could not be read or written: the call was refused unaccounted. */
export declare class LedgerError extends FoundryError {
}
/** A governance policy refused the call before it was sent (an unapproved deployment, a
 * prompt over the size limit, a missing correlation id). */
export declare class PolicyError extends FoundryError {
}
/** The scoped handle the call was made through was revoked. */
export declare class RevokedError extends FoundryError {
}
/** The fleet's shared store (Redis) did not answer: a call under a hard budget was refused
 * unsent rather than run unaccounted. (`governance.store.on_unreachable: fail_closed`, the
 * default.) Nothing was billed. Not retryable by the client: an outage usually outlasts a
 * retry's backoff. Send the call again once the store answers (a `store` event with
 * `state: 'reachable'` says so), or opt into `on_unreachable: local`. */
export declare class StoreUnavailableError extends FoundryError {
}
/** A bug in foundry-client (a Rust panic caught at the boundary): not retryable; please
 * report it with its message. A `FoundryError`, so `instanceof FoundryError` holds. */
export declare class InternalError extends FoundryError {
}
export { FoundryError as APIError, ConnectionError as APIConnectionError, TimeoutError as APIConnectionTimeoutError, ServerError as InternalServerError, APIUserAbortError as AbortError, FoundryError as OpenAIError, };
type ErrorClass = new (error: NormalizedError, message?: string) => FoundryError;
/** The one map from the core's error kinds to classes (`internal` is the boundary's own).
 * Typed over the kinds generated from `ErrorKind::ALL`: tsc fails when one has no class. */
export declare const CLASSES: Readonly<Record<ErrorKindName | 'internal', ErrorClass>>;
/** A request argument refused before it reaches the addon, worded as the core words its own
 * refusals (`invalid_request`, nothing sent). */
export declare function invalidRequest(message: string): InvalidRequestError;
/** The FoundryError for an error the addon threw; any other error is returned unchanged. */
export declare function fromNative(e: unknown): unknown;
