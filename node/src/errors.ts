// The error classes, built from the core's error JSON. The kind → class map is the addon's
// (bindings/node/src/errors.rs); this file holds the classes and their attributes.

import { attemptFrom, type Attempt, type ContentFilterReport, type NormalizedError } from './normalized';

/** The addon's error JSON: the core's `to_json()` plus the class to build and the message. */
interface NativeErrorJSON extends NormalizedError {
  class: string;
  display: string;
}

/**
 * Every error this package throws. `code` is the core's error kind (`rate_limit`,
 * `content_filter`, `not_found`, ...), the same string in every language.
 */
export class FoundryError extends Error {
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
  /** The core's error JSON, as `toJSON()` returns it. */
  readonly #normalized: NormalizedError;

  constructor(error: NormalizedError, message?: string) {
    super(message ?? `${error.kind}: ${error.message}`);
    this.name = new.target.name;
    this.code = error.kind;
    this.status = error.status;
    this.serviceCode = error.code;
    this.deployment = error.deployment;
    this.requestId = error.request_id;
    this.retryable = error.retryable;
    this.hint = error.hint;
    this.attempts = (error.attempts ?? []).map(attemptFrom);
    this.#normalized = error;
  }

  /** The core's error JSON (snake_case), identical in every language. */
  toJSON(): NormalizedError {
    return this.#normalized;
  }
}

/** The catalog (file, object or environment) is unusable. */
export class ConfigError extends FoundryError {}
/** The request was refused before anything was sent. */
export class InvalidRequestError extends FoundryError {}
/** 401: missing, invalid or expired key or token. */
export class AuthenticationError extends FoundryError {}
/** 403: the identity lacks the "Cognitive Services User" role. */
export class PermissionDeniedError extends FoundryError {}
/** 404: wrong deployment name, endpoint or api-version. */
export class NotFoundError extends FoundryError {}

/** 429: quota or rate limit. */
export class RateLimitError extends FoundryError {
  /** The server's retry hint in seconds, when it gave one. */
  readonly retryAfter: number | null;

  constructor(error: NormalizedError, message?: string) {
    super(error, message);
    this.retryAfter = error.retry_after_ms == null ? null : error.retry_after_ms / 1000;
  }
}

/** Azure's content filter refused the prompt or cut the completion. */
export class ContentFilterError extends FoundryError {
  /** The categories that fired (`hate`, `violence`, `jailbreak`, ...). */
  readonly categories: string[];
  /** Every verdict the service reported. */
  readonly contentFilter: ContentFilterReport | null;

  constructor(error: NormalizedError, message?: string) {
    super(error, message);
    this.categories = error.categories ?? error.content_filter?.categories ?? [];
    this.contentFilter = error.content_filter;
  }
}

/** 400 `OperationNotSupported`: the deployment does not serve this API. */
export class OperationUnsupportedError extends FoundryError {}
/** Any other 4xx the service refused. */
export class BadRequestError extends FoundryError {}
/** 5xx from the service. */
export class ServerError extends FoundryError {}
/** The deadline or the per-attempt timeout passed (also 408). */
export class TimeoutError extends FoundryError {}
/** The connection could not be made or broke before an answer. */
export class ConnectionError extends FoundryError {}
/** A stream broke or ended without its terminator. */
export class StreamError extends FoundryError {}
/** A thinking model spent its whole token budget reasoning: no answer. Raise `max_tokens`. */
export class ReasoningExhaustedError extends FoundryError {}
/** The service answered something this client cannot read. */
export class InvalidResponseError extends FoundryError {}
/** Credentials could not be obtained (Entra ID, managed identity, Azure CLI). */
export class CredentialError extends FoundryError {}

/** A request argument refused before it reaches the addon, worded as the core words its own
 * refusals (`invalid_request`, nothing sent). */
export function invalidRequest(message: string): InvalidRequestError {
  const hint = "fix the request's arguments; nothing was sent";
  return new InvalidRequestError(
    {
      kind: 'invalid_request',
      message,
      status: null,
      code: null,
      deployment: null,
      request_id: null,
      retryable: false,
      hint,
      retry_after_ms: null,
      content_filter: null,
      attempts: [],
    },
    `invalid_request: ${message}. Hint: ${hint}`,
  );
}

/** A bug in foundry-client (a Rust panic caught at the boundary): not retryable; please
 * report it with its message. A `FoundryError`, so `instanceof FoundryError` holds. */
export class InternalError extends FoundryError {}

/** The call's `AbortSignal` fired (or the stream was closed): the HTTP request was aborted. */
export class AbortError extends FoundryError {
  constructor(reason?: unknown) {
    super(
      {
        kind: 'aborted',
        message: 'the call was aborted',
        status: null,
        code: null,
        deployment: null,
        request_id: null,
        retryable: false,
        hint: 'the caller aborted the call',
        retry_after_ms: null,
        content_filter: null,
        attempts: [],
      },
      'Request was aborted.',
    );
    if (reason !== undefined) this.cause = reason;
  }
}

const CLASSES: Record<string, new (error: NormalizedError, message?: string) => FoundryError> = {
  FoundryError,
  ConfigError,
  InvalidRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  ContentFilterError,
  OperationUnsupportedError,
  BadRequestError,
  ServerError,
  TimeoutError,
  ConnectionError,
  StreamError,
  ReasoningExhaustedError,
  InvalidResponseError,
  CredentialError,
  InternalError,
};

/** The FoundryError for an error the addon threw; any other error is returned unchanged. */
export function fromNative(e: unknown): unknown {
  if (!(e instanceof Error) || !e.message.startsWith('{')) return e;
  let parsed: NativeErrorJSON;
  try {
    parsed = JSON.parse(e.message) as NativeErrorJSON;
  } catch {
    return e;
  }
  const { class: className, display, ...normalized } = parsed;
  const Class = CLASSES[className] ?? FoundryError;
  return new Class(normalized, display);
}
