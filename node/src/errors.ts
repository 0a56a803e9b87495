// The error classes, built from the core's error JSON. `CLASSES` below is the one map from the
// core's error kinds to classes; a test walks the addon's `errorKinds()` (the core's
// `ErrorKind::ALL`) and proves each kind has a class of its own. The classes also answer to
// openai-node's names (`APIError`, `APIConnectionError`, `RateLimitError`, ...).

import type { ERROR_KIND_DOCS, ErrorKindName } from './generated/error-kinds';
import { attemptFrom, type Attempt, type ContentFilterReport, type NormalizedCause, type NormalizedError } from './normalized';

/** The addon's error JSON: the core's `to_json()` plus the full sentence. */
interface NativeErrorJSON extends NormalizedError {
  display: string;
}

/** The core's cause chain as JavaScript errors, each chained through its own `cause`. */
function causeError(cause: NormalizedCause | null | undefined): Error | undefined {
  if (cause == null) return undefined;
  const inner = causeError(cause.cause);
  return inner === undefined ? new Error(cause.message) : new Error(cause.message, { cause: inner });
}

/**
 * Every error this package throws (openai-node's `APIError`). `kind` is the core's error kind
 * (`rate_limit`, `content_filter`, `cancelled`, ...), the same string in every language;
 * `code` is the service's own code (`429`, `DeploymentNotFound`, `content_filter`, ...).
 */
export class FoundryError extends Error {
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
  /** The core's error JSON, as `toJSON()` returns it. */
  readonly #normalized: NormalizedError;

  constructor(error: NormalizedError, message?: string) {
    const cause = causeError(error.cause);
    super(message ?? `${error.kind}: ${error.message}`, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.kind = error.kind;
    this.code = error.code;
    this.status = error.status;
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

/** The catalog (file, environment or builder) is unusable. Also a bad constructor or
 * `withOptions` setting. */
export class ConfigError extends FoundryError {}
/** The caller's request was refused before anything was sent. */
export class InvalidRequestError extends FoundryError {}
/** 401: missing, invalid or expired key or token. */
export class AuthenticationError extends FoundryError {}
/** 403: the identity lacks the "Cognitive Services User" role. */
export class PermissionDeniedError extends FoundryError {}
/** 404: wrong deployment name, endpoint or api-version. */
export class NotFoundError extends FoundryError {}

/** 429: quota or rate limit; carries the server's retry hint. */
export class RateLimitError extends FoundryError {
  /** The server's retry hint in seconds, when it gave one. */
  readonly retryAfter: number | null;

  constructor(error: NormalizedError, message?: string) {
    super(error, message);
    this.retryAfter = error.retry_after_ms == null ? null : error.retry_after_ms / 1000;
  }
}

/** Any other 4xx the service refused. openai-node's `BadRequestError`, and the base of its
 * `ConflictError` (409) and `UnprocessableEntityError` (422). */
export class BadRequestError extends FoundryError {}
/** 409 (openai-node's name): a `bad_request` error. */
export class ConflictError extends BadRequestError {}
/** 422 (openai-node's name): a `bad_request` error. */
export class UnprocessableEntityError extends BadRequestError {}

/** 400 `content_filter`, or a completion that ended in `content_filter`. A `BadRequestError`,
 * as the 400 is for openai-node. */
export class ContentFilterError extends BadRequestError {
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

/** 400 `OperationNotSupported`: the deployment does not serve this API. A `BadRequestError`, as
 * the 400 is for openai-node. */
export class OperationUnsupportedError extends BadRequestError {}
/** 5xx from the service. openai-node's `InternalServerError`. */
export class ServerError extends FoundryError {}
/** The connection could not be made or broke before an answer. openai-node's
 * `APIConnectionError`. */
export class ConnectionError extends FoundryError {}
/** The deadline or the per-attempt timeout passed (also 408). openai-node's
 * `APIConnectionTimeoutError`, an `APIConnectionError` there too. */
export class TimeoutError extends ConnectionError {}
/** A stream broke or ended without its terminator. */
export class StreamError extends FoundryError {}
/** A thinking model spent its whole `max_tokens` budget reasoning: no answer. Raise
 * `max_tokens`. */
export class ReasoningExhaustedError extends FoundryError {}
/** The service answered something this client cannot read. */
export class InvalidResponseError extends FoundryError {}
/** Credentials could not be obtained (Entra ID, managed identity, CLI). Also an
 * `azureADTokenProvider` that rejected: its rejection is the `cause`. */
export class CredentialError extends FoundryError {}
/** The caller cancelled or closed the call (a stream, an aborted request) before its end. An
 * `AbortSignal` fired, or the stream was aborted or broken out of (openai-node's name): the
 * answer is incomplete. */
export class APIUserAbortError extends FoundryError {}
/** A budget's hard cap would be passed: the call was refused before it was sent. The message
 * names the scope, its period, what it has spent or reserved and its cap. */
export class BudgetExceededError extends FoundryError {}
/** The spend ledger could not be read or written: the call was refused unaccounted. */
export class LedgerError extends FoundryError {}
/** A governance policy refused the call before it was sent (an unapproved deployment, a
 * prompt over the size limit, a missing correlation id). */
export class PolicyError extends FoundryError {}
/** The scoped handle the call was made through was revoked. */
export class RevokedError extends FoundryError {}
/** The fleet's shared store (Redis) did not answer: a call under a hard budget was refused
 * unsent rather than run unaccounted. (`governance.store.on_unreachable: fail_closed`, the
 * default.) Nothing was billed. Not retryable by the client: an outage usually outlasts a
 * retry's backoff. Send the call again once the store answers (a `store` event with
 * `state: 'reachable'` says so), or opt into `on_unreachable: local`. */
export class StoreUnavailableError extends FoundryError {}
/** A bug in foundry-client (a Rust panic caught at the boundary): not retryable; please
 * report it with its message. A `FoundryError`, so `instanceof FoundryError` holds. */
export class InternalError extends FoundryError {}

// openai-node's names for the same classes: `instanceof` works with either.
export {
  FoundryError as APIError,
  ConnectionError as APIConnectionError,
  TimeoutError as APIConnectionTimeoutError,
  ServerError as InternalServerError,
  APIUserAbortError as AbortError,
  FoundryError as OpenAIError,
};

type ErrorClass = new (error: NormalizedError, message?: string) => FoundryError;

/** The one map from the core's error kinds to classes (`internal` is the boundary's own).
 * Typed over the kinds generated from `ErrorKind::ALL`: tsc fails when one has no class. */
export const CLASSES: Readonly<Record<ErrorKindName | 'internal', ErrorClass>> = {
  config: ConfigError,
  invalid_request: InvalidRequestError,
  authentication: AuthenticationError,
  permission_denied: PermissionDeniedError,
  not_found: NotFoundError,
  rate_limit: RateLimitError,
  content_filter: ContentFilterError,
  operation_unsupported: OperationUnsupportedError,
  bad_request: BadRequestError,
  server: ServerError,
  timeout: TimeoutError,
  connection: ConnectionError,
  stream: StreamError,
  reasoning_exhausted: ReasoningExhaustedError,
  invalid_response: InvalidResponseError,
  credential: CredentialError,
  cancelled: APIUserAbortError,
  budget_exceeded: BudgetExceededError,
  ledger: LedgerError,
  policy: PolicyError,
  revoked: RevokedError,
  store_unavailable: StoreUnavailableError,
  internal: InternalError,
};

const BY_STATUS: Readonly<Record<number, ErrorClass>> = { 409: ConflictError, 422: UnprocessableEntityError };

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

/** The FoundryError for an error the addon threw; any other error is returned unchanged. */
export function fromNative(e: unknown): unknown {
  if (!(e instanceof Error) || !e.message.startsWith('{')) return e;
  let parsed: NativeErrorJSON;
  try {
    parsed = JSON.parse(e.message) as NativeErrorJSON;
  } catch {
    return e;
  }
  const { display, ...normalized } = parsed;
  let Class = (CLASSES as Readonly<Record<string, ErrorClass | undefined>>)[normalized.kind] ?? FoundryError;
  // openai-node's status classes, where the core's kind is the general `bad_request`.
  if (Class === BadRequestError) Class = BY_STATUS[normalized.status ?? 0] ?? Class;
  return new Class(normalized, display);
}
