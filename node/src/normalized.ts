// The core's normalized JSON (snake_case, as every language's conformance runner compares it)
// and the camelCase forms the results expose.

import type * as core from './generated/shapes';

// The core's result shapes, generated from its Rust types (node/src/generated/shapes.ts),
// under the names this package has always exported.
export type Api = core.Api;
export type NormalizedUsage = core.Usage;
export type CategoryResult = core.CategoryResult;
export type ContentFilterReport = core.ContentFilterReport;
export type ToolCall = core.ToolCall;
export type ToolCallDelta = core.ToolCallDelta;
export type NormalizedAttempt = core.Attempt;
export type NormalizedChatResult = core.ChatResult;
export type NormalizedChatChunk = core.ChatChunk;
export type NormalizedEmbedding = core.Embedding;
export type NormalizedEmbeddingsResult = core.EmbeddingsResult;
export type JsonValue = core.JsonValue;

/** One HTTP attempt made for a call (retries and fallbacks included), in camelCase. */
export interface Attempt {
  deployment: string;
  api: Api;
  status: number | null;
  error: string | null;
  latencyMs: number;
  fallback: boolean;
}

/** The core's error JSON (what `FoundryError.toJSON()` returns): its `ErrorDetails` plus the
 * content-filter `categories` that `to_json` adds; `internal` is the addon's own kind (a panic). */
export type NormalizedError = Omit<core.ErrorDetails, 'kind'> & { kind: core.ErrorKind | 'internal'; categories?: string[] };
/** One link of an error's cause chain (`FoundryError.cause` in JavaScript). */
export type NormalizedCause = core.NormalizedCause;

/** Token counts in camelCase (events, smoke results). */
export interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  totalTokens: number;
}

export function attemptFrom(a: NormalizedAttempt): Attempt {
  return {
    deployment: a.deployment,
    api: a.api,
    status: a.status,
    error: a.error,
    latencyMs: a.latency_ms,
    fallback: a.fallback,
  };
}

export function usageFrom(u: NormalizedUsage): Usage {
  return {
    inputTokens: u.input_tokens,
    cachedInputTokens: u.cached_input_tokens,
    outputTokens: u.output_tokens,
    reasoningTokens: u.reasoning_tokens,
    totalTokens: u.total_tokens,
  };
}
