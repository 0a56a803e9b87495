import { type Attempt, type ContentFilterReport, type NormalizedError } from './normalized';
/**
 * Every error this package throws. `code` is the core's error kind (`rate_limit`,
 * `content_filter`, `not_found`, ...), the same string in every language.
 */
export declare class FoundryError extends Error {
    #private;
    /** The error kind: `config`, `invalid_request`, `authentication`, `permission_denied`,
     * `not_found`, `rate_limit`, `content_filter`, `operation_unsupported`, `bad_request`,
     * `server`, `timeout`, `connection`, `stream`, `reasoning_exhausted`, `invalid_response`,
     * `credential`, `internal` (a bug: see {@link InternalError}), or `aborted`. */
    readonly code: string;
    /** HTTP status, where the service answered. */
    readonly status: number | null;
    /** The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...). */
    readonly serviceCode: string | null;
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
/** The catalog (file, object or environment) is unusable. */
export declare class ConfigError extends FoundryError {
}
/** The request was refused before anything was sent. */
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
/** 429: quota or rate limit. */
export declare class RateLimitError extends FoundryError {
    /** The server's retry hint in seconds, when it gave one. */
    readonly retryAfter: number | null;
    constructor(error: NormalizedError, message?: string);
}
/** Azure's content filter refused the prompt or cut the completion. */
export declare class ContentFilterError extends FoundryError {
    /** The categories that fired (`hate`, `violence`, `jailbreak`, ...). */
    readonly categories: string[];
    /** Every verdict the service reported. */
    readonly contentFilter: ContentFilterReport | null;
    constructor(error: NormalizedError, message?: string);
}
/** 400 `OperationNotSupported`: the deployment does not serve this API. */
export declare class OperationUnsupportedError extends FoundryError {
}
/** Any other 4xx the service refused. */
export declare class BadRequestError extends FoundryError {
}
/** 5xx from the service. */
export declare class ServerError extends FoundryError {
}
/** The deadline or the per-attempt timeout passed (also 408). */
export declare class TimeoutError extends FoundryError {
}
/** The connection could not be made or broke before an answer. */
export declare class ConnectionError extends FoundryError {
}
/** A stream broke or ended without its terminator. */
export declare class StreamError extends FoundryError {
}
/** A thinking model spent its whole token budget reasoning: no answer. Raise `max_tokens`. */
export declare class ReasoningExhaustedError extends FoundryError {
}
/** The service answered something this client cannot read. */
export declare class InvalidResponseError extends FoundryError {
}
/** Credentials could not be obtained (Entra ID, managed identity, Azure CLI). */
export declare class CredentialError extends FoundryError {
}
/** A request argument refused before it reaches the addon, worded as the core words its own
 * refusals (`invalid_request`, nothing sent). */
export declare function invalidRequest(message: string): InvalidRequestError;
/** A bug in foundry-client (a Rust panic caught at the boundary): not retryable; please
 * report it with its message. A `FoundryError`, so `instanceof FoundryError` holds. */
export declare class InternalError extends FoundryError {
}
/** The call's `AbortSignal` fired (or the stream was closed): the HTTP request was aborted. */
export declare class AbortError extends FoundryError {
    constructor(reason?: unknown);
}
/** The FoundryError for an error the addon threw; any other error is returned unchanged. */
export declare function fromNative(e: unknown): unknown;
