// foundry-client: one client for Azure AI Foundry deployments, with the OpenAI Node SDK's
// shape. The Rust core does routing, auth, retries, cost and normalization; this package
// converts types and never blocks the event loop.

export { Foundry, Chat, Completions, Responses, Embeddings } from './client';
export type { FoundryOptions, ClientOptions, CallOptions } from './client';
export {
  ChatCompletion,
  ChatCompletionChunk,
  Response,
  ResponseStreamEvent,
  CreateEmbeddingResponse,
} from './results';
export type { NativePayload } from './results';
export { Stream } from './stream';
export { flushTelemetry } from './telemetry';
export { DeploymentInfo, SmokeResult } from './catalog';
export type { NormalizedDeployment, NormalizedSmokeResult } from './catalog';
export {
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
  APIUserAbortError,
  BudgetExceededError,
  LedgerError,
  PolicyError,
  RevokedError,
  StoreUnavailableError,
  InternalError,
  ConflictError,
  UnprocessableEntityError,
  APIError,
  APIConnectionError,
  APIConnectionTimeoutError,
  InternalServerError,
  AbortError,
  OpenAIError,
  CLASSES,
} from './errors';
/** The core's error kinds (`ErrorKind::ALL`): each has its class in `CLASSES`. */
export { errorKinds } from './native';
export { ERROR_KIND_DOCS } from './generated/error-kinds';
export type { ErrorKindName } from './generated/error-kinds';
export type {
  FoundryEvent,
  AttemptEvent,
  ResultEvent,
  CircuitEvent,
  RetryRefusedEvent,
  SpendEvent,
  BudgetAlertEvent,
  PolicyEvent,
  StoreEvent,
} from './events';
export type { ScopeOptions, ScopeBudget, Priority, SpendLine, LimitLine } from './governance';
export type * from './normalized';
export type * from './openai-types';
