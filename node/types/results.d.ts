import { type Api, type Attempt, type ContentFilterReport, type NormalizedChatChunk, type NormalizedChatResult, type NormalizedEmbeddingsResult, type ToolCall, type ToolCallDelta } from './normalized';
import type { ChatCompletionChoice, ChatCompletionChunkChoice, CompletionUsage, EmbeddingData, PromptFilterResult, ResponseOutputItem, ResponseUsage } from './openai-types';
/** What the addon resolves with: the normalized result and, where it differs from
 * `result.raw`, the OpenAI-shaped view. */
export interface NativePayload<R> {
    result: R;
    view?: Record<string, unknown>;
}
/**
 * A chat completion: reads like the OpenAI SDK's `ChatCompletion`
 * (`choices[0].message.content`, `usage.prompt_tokens`, ...), whichever API carried the call,
 * plus the normalized extras.
 */
export declare class ChatCompletion {
    id: string;
    object: 'chat.completion';
    created: number;
    model: string;
    choices: ChatCompletionChoice[];
    usage: CompletionUsage;
    system_fingerprint?: string | null;
    /** Azure's verdicts on the prompt. */
    prompt_filter_results?: PromptFilterResult[];
    /** The answer's text (an inline `<think>` block split off), `null` when there is none. */
    text: string | null;
    /** The model's reasoning (`reasoning_content`, Responses reasoning, `<think>`), if any. */
    reasoning: string | null;
    /** The function calls the model asked for. */
    toolCalls: ToolCall[];
    /** `stop`, `length`, `tool_calls` or `content_filter`. */
    finishReason: string | null;
    /** What the call cost in USD, from the catalog's prices (0 without prices). */
    costUsd: number;
    /** The deployment that answered. */
    deployment: string;
    /** How many HTTP attempts the call took (retries and fallbacks included). */
    attempts: number;
    /** Every attempt, in order. */
    tried: Attempt[];
    /** The service's request id (`apim-request-id` / `x-request-id`). */
    requestId: string | null;
    /** Azure's content-filter outcome. */
    contentFilter: ContentFilterReport;
    /** The API that carried the final attempt (`responses` for a translated call). */
    api: Api | null;
    /** The core's normalized result (snake_case), identical in every language. */
    readonly normalized: NormalizedChatResult;
    /** Built by the client from the addon's answer. */
    constructor(payload: NativePayload<NormalizedChatResult>);
}
/** One streamed piece of a chat completion, like the OpenAI SDK's `ChatCompletionChunk`. */
export declare class ChatCompletionChunk {
    id: string;
    object: 'chat.completion.chunk';
    created: number;
    model: string;
    choices: ChatCompletionChunkChoice[];
    /** Set on the chunk that carries the totals (usually the last). */
    usage?: CompletionUsage | null;
    /** Text delta (an inline `<think>` block split off). */
    text: string | null;
    /** Reasoning delta. */
    reasoning: string | null;
    /** Tool-call fragments. */
    toolCalls: ToolCallDelta[];
    finishReason: string | null;
    deployment: string;
    /** Content-filter verdicts this chunk carried, if any. */
    contentFilter: ContentFilterReport | null;
    /** The core's normalized chunk (snake_case). */
    readonly normalized: NormalizedChatChunk;
    /** Built by the stream from the addon's answer. */
    constructor(payload: NativePayload<NormalizedChatChunk>);
}
/**
 * A Responses-API answer, like the OpenAI SDK's `Response` (`output`, `output_text`,
 * `usage.input_tokens`, ...), plus the normalized extras. `text` and `reasoning` are the
 * normalized answer and reasoning; the request's text and reasoning settings the service
 * echoes stay in `normalized.raw`.
 */
export declare class Response {
    id: string;
    object: 'response';
    created_at: number;
    model: string;
    status: string;
    output: ResponseOutputItem[];
    usage?: ResponseUsage;
    incomplete_details?: {
        reason?: string;
    } | null;
    /** The text of every output message, joined. */
    output_text: string;
    text: string | null;
    reasoning: string | null;
    toolCalls: ToolCall[];
    finishReason: string | null;
    costUsd: number;
    deployment: string;
    attempts: number;
    tried: Attempt[];
    requestId: string | null;
    contentFilter: ContentFilterReport;
    api: Api | null;
    readonly normalized: NormalizedChatResult;
    /** Built by the client from the addon's answer. */
    constructor(payload: NativePayload<NormalizedChatResult>);
}
/** One Responses-API stream event (`response.output_text.delta`, ...) as the service sent
 * it, plus the normalized delta. Events that carry nothing (`response.created`, ...) are not
 * yielded. */
export declare class ResponseStreamEvent {
    type: string;
    sequence_number?: number;
    [key: string]: unknown;
    text: string | null;
    reasoning: string | null;
    toolCalls: ToolCallDelta[];
    finishReason: string | null;
    deployment: string;
    contentFilter: ContentFilterReport | null;
    readonly normalized: NormalizedChatChunk;
    /** Built by the stream from the addon's answer. */
    constructor(payload: NativePayload<NormalizedChatChunk>);
}
/** An embeddings answer, like the OpenAI SDK's `CreateEmbeddingResponse`, plus extras. */
export declare class CreateEmbeddingResponse {
    object: 'list';
    data: EmbeddingData[];
    model: string;
    usage: {
        prompt_tokens: number;
        total_tokens: number;
    };
    costUsd: number;
    deployment: string;
    attempts: number;
    tried: Attempt[];
    requestId: string | null;
    readonly normalized: NormalizedEmbeddingsResult;
    /** Built by the client from the addon's answer. */
    constructor(payload: NativePayload<NormalizedEmbeddingsResult>);
}
