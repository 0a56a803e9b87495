/** Which service API carried a call. */
export type Api = 'chat' | 'responses' | 'embeddings' | 'info';
/** Token counts as the core normalizes them, whatever the API called them. */
export interface NormalizedUsage {
    input_tokens: number;
    /** Prompt tokens served from the cache (billed at the cached-input price). */
    cached_input_tokens: number;
    /** Completion tokens, reasoning included. */
    output_tokens: number;
    reasoning_tokens: number;
    total_tokens: number;
}
/** One category's verdict from Azure's content filter. */
export interface CategoryResult {
    /** `prompt` or `completion`. */
    source: string;
    index: number;
    /** `hate`, `violence`, `sexual`, `self_harm`, `jailbreak`, `protected_material_text`, ... */
    category: string;
    filtered: boolean;
    severity?: string;
    detected?: boolean;
}
/** Azure's content-safety outcome for a call. */
export interface ContentFilterReport {
    /** True when any category filtered the prompt or the completion. */
    filtered: boolean;
    /** Names of the categories that filtered (sorted, unique). */
    categories: string[];
    /** Every verdict the service reported. */
    results: CategoryResult[];
}
/** A function call the model asked for. */
export interface ToolCall {
    id: string;
    name: string;
    /** JSON text, exactly as the model wrote it. */
    arguments: string;
}
/** A fragment of a streamed tool call: `id` and `name` arrive first, then argument text. */
export interface ToolCallDelta {
    index: number;
    id: string | null;
    name: string | null;
    arguments: string | null;
}
/** One HTTP attempt, as the core reports it. */
export interface NormalizedAttempt {
    deployment: string;
    api: Api;
    status: number | null;
    /** The error kind this attempt ended in, if it failed. */
    error: string | null;
    latency_ms: number;
    /** True when this attempt went to a fallback deployment of the route. */
    fallback: boolean;
}
/** One HTTP attempt made for a call (retries and fallbacks included). */
export interface Attempt {
    deployment: string;
    api: Api;
    status: number | null;
    error: string | null;
    latencyMs: number;
    fallback: boolean;
}
/** The core's normalized answer of a chat or Responses call. */
export interface NormalizedChatResult {
    id: string;
    model: string;
    deployment: string;
    api: Api | null;
    text: string | null;
    reasoning: string | null;
    tool_calls: ToolCall[];
    finish_reason: string | null;
    usage: NormalizedUsage;
    content_filter: ContentFilterReport;
    cost_usd: number;
    attempts: number;
    tried: NormalizedAttempt[];
    request_id: string | null;
    /** The service's answer as received (for a translated call, the Responses body). */
    raw: unknown;
}
/** The core's normalized streamed chunk. */
export interface NormalizedChatChunk {
    id: string;
    model: string;
    deployment: string;
    text: string | null;
    reasoning: string | null;
    tool_calls: ToolCallDelta[];
    finish_reason: string | null;
    usage: NormalizedUsage | null;
    content_filter: ContentFilterReport | null;
    /** The service's event as received. */
    raw: unknown;
}
/** One vector of an embeddings answer. */
export interface NormalizedEmbedding {
    index: number;
    /** Floats, or base64 text when `encoding_format: "base64"` was asked. */
    embedding: number[] | string;
}
/** The core's normalized embeddings answer. */
export interface NormalizedEmbeddingsResult {
    model: string;
    deployment: string;
    data: NormalizedEmbedding[];
    usage: NormalizedUsage;
    cost_usd: number;
    attempts: number;
    tried: NormalizedAttempt[];
    request_id: string | null;
    raw: unknown;
}
/** The core's error JSON (what `FoundryError.toJSON()` returns). */
export interface NormalizedError {
    kind: string;
    message: string;
    status: number | null;
    /** The service's own code (`content_filter`, `DeploymentNotFound`, `429`, ...). */
    code: string | null;
    deployment: string | null;
    request_id: string | null;
    retryable: boolean;
    hint: string;
    retry_after_ms: number | null;
    /** Content-filter errors: the categories that fired. */
    categories?: string[];
    content_filter: ContentFilterReport | null;
    attempts: NormalizedAttempt[];
    /** The failure the error came from, as a chain (`FoundryError.cause` in JavaScript). */
    cause?: NormalizedCause;
}
/** One link of an error's cause chain. */
export interface NormalizedCause {
    message: string;
    cause?: NormalizedCause;
}
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
