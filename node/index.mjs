// The ES module entry point. It re-exports the CommonJS build, so `import` and `require`
// share one module instance: `instanceof FoundryError` holds whichever way an error's
// class was loaded.
import cjs from './dist/index.js';

export const {
  Foundry,
  Chat,
  Completions,
  Responses,
  Embeddings,
  ChatCompletion,
  ChatCompletionChunk,
  Response,
  ResponseStreamEvent,
  CreateEmbeddingResponse,
  Stream,
  DeploymentInfo,
  SmokeResult,
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
  AbortError,
} = cjs;

export default cjs;
