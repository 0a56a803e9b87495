import type * as core from './generated/shapes';
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
export type NormalizedError = Omit<core.ErrorDetails, 'kind'> & {
    kind: core.ErrorKind | 'internal';
    categories?: string[];
};
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
export declare function attemptFrom(a: NormalizedAttempt): Attempt;
export declare function usageFrom(u: NormalizedUsage): Usage;
