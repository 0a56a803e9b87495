// Results shaped like the OpenAI SDK's (the service's JSON as the SDK returns it), plus the
// core's normalized extras in camelCase, plus `normalized`: the core's JSON as is.

import {
  attemptFrom,
  type Api,
  type Attempt,
  type ContentFilterReport,
  type NormalizedChatChunk,
  type NormalizedChatResult,
  type NormalizedEmbeddingsResult,
  type NormalizedUsage,
  type ToolCall,
  type ToolCallDelta,
} from './normalized';
import type {
  ChatCompletionChoice,
  ChatCompletionChunkChoice,
  CompletionUsage,
  EmbeddingData,
  PromptFilterResult,
  ResponseOutputItem,
  ResponseUsage,
} from './openai-types';

/** What the addon resolves with: the normalized result and, where it differs from
 * `result.raw`, the OpenAI-shaped view. */
export interface NativePayload<R> {
  result: R;
  view?: Record<string, unknown>;
}

/** Attaches the normalized JSON without making it part of the object's own JSON. */
function attachNormalized(target: object, normalized: unknown): void {
  Object.defineProperty(target, 'normalized', { value: normalized, enumerable: false });
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function completionUsage(u: NormalizedUsage): CompletionUsage {
  return {
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_input_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
  };
}

/**
 * A chat completion: reads like the OpenAI SDK's `ChatCompletion`
 * (`choices[0].message.content`, `usage.prompt_tokens`, ...), whichever API carried the call,
 * plus the normalized extras.
 */
export class ChatCompletion {
  declare id: string;
  declare object: 'chat.completion';
  declare created: number;
  declare model: string;
  declare choices: ChatCompletionChoice[];
  declare usage: CompletionUsage;
  declare system_fingerprint?: string | null;
  /** Azure's verdicts on the prompt. */
  declare prompt_filter_results?: PromptFilterResult[];

  /** The answer's text (an inline `<think>` block split off), `null` when there is none. */
  declare text: string | null;
  /** The model's reasoning (`reasoning_content`, Responses reasoning, `<think>`), if any. */
  declare reasoning: string | null;
  /** The function calls the model asked for. */
  declare toolCalls: ToolCall[];
  /** `stop`, `length`, `tool_calls` or `content_filter`. */
  declare finishReason: string | null;
  /** What the call cost in USD, from the catalog's prices (0 without prices). */
  declare costUsd: number;
  /** The deployment that answered. */
  declare deployment: string;
  /** How many HTTP attempts the call took (retries and fallbacks included). */
  declare attempts: number;
  /** Every attempt, in order. */
  declare tried: Attempt[];
  /** The service's request id (`apim-request-id` / `x-request-id`). */
  declare requestId: string | null;
  /** Azure's content-filter outcome. */
  declare contentFilter: ContentFilterReport;
  /** The API that carried the final attempt (`responses` for a translated call). */
  declare api: Api | null;
  /** The core's normalized result (snake_case), identical in every language. */
  declare readonly normalized: NormalizedChatResult;

  /** Built by the client from the addon's answer. */
  constructor(payload: NativePayload<NormalizedChatResult>) {
    const r = payload.result;
    Object.assign(this, payload.view ?? objectOrEmpty(r.raw));
    if (this.usage == null) this.usage = completionUsage(r.usage);
    this.text = r.text;
    this.reasoning = r.reasoning;
    this.toolCalls = r.tool_calls;
    this.finishReason = r.finish_reason;
    this.costUsd = r.cost_usd;
    this.deployment = r.deployment;
    this.attempts = r.attempts;
    this.tried = r.tried.map(attemptFrom);
    this.requestId = r.request_id;
    this.contentFilter = r.content_filter;
    this.api = r.api;
    attachNormalized(this, r);
  }
}

/** One streamed piece of a chat completion, like the OpenAI SDK's `ChatCompletionChunk`. */
export class ChatCompletionChunk {
  declare id: string;
  declare object: 'chat.completion.chunk';
  declare created: number;
  declare model: string;
  declare choices: ChatCompletionChunkChoice[];
  /** Set on the chunk that carries the totals (usually the last). */
  declare usage?: CompletionUsage | null;

  /** Text delta (an inline `<think>` block split off). */
  declare text: string | null;
  /** Reasoning delta. */
  declare reasoning: string | null;
  /** Tool-call fragments. */
  declare toolCalls: ToolCallDelta[];
  declare finishReason: string | null;
  declare deployment: string;
  /** Content-filter verdicts this chunk carried, if any. */
  declare contentFilter: ContentFilterReport | null;
  /** The core's normalized chunk (snake_case). */
  declare readonly normalized: NormalizedChatChunk;

  /** Built by the stream from the addon's answer. */
  constructor(payload: NativePayload<NormalizedChatChunk>) {
    const c = payload.result;
    Object.assign(this, payload.view ?? objectOrEmpty(c.raw));
    this.text = c.text;
    this.reasoning = c.reasoning;
    this.toolCalls = c.tool_calls;
    this.finishReason = c.finish_reason;
    this.deployment = c.deployment;
    this.contentFilter = c.content_filter;
    attachNormalized(this, c);
  }
}

/**
 * A Responses-API answer, like the OpenAI SDK's `Response` (`output`, `output_text`,
 * `usage.input_tokens`, ...), plus the normalized extras. `text` and `reasoning` are the
 * normalized answer and reasoning; the request's text and reasoning settings the service
 * echoes stay in `normalized.raw`.
 */
export class Response {
  declare id: string;
  declare object: 'response';
  declare created_at: number;
  declare model: string;
  declare status: string;
  declare output: ResponseOutputItem[];
  declare usage?: ResponseUsage;
  declare incomplete_details?: { reason?: string } | null;
  /** The text of every output message, joined. */
  declare output_text: string;

  declare text: string | null;
  declare reasoning: string | null;
  declare toolCalls: ToolCall[];
  declare finishReason: string | null;
  declare costUsd: number;
  declare deployment: string;
  declare attempts: number;
  declare tried: Attempt[];
  declare requestId: string | null;
  declare contentFilter: ContentFilterReport;
  declare api: Api | null;
  declare readonly normalized: NormalizedChatResult;

  /** Built by the client from the addon's answer. */
  constructor(payload: NativePayload<NormalizedChatResult>) {
    const r = payload.result;
    Object.assign(this, payload.view ?? objectOrEmpty(r.raw));
    this.output_text = r.text ?? '';
    this.text = r.text;
    this.reasoning = r.reasoning;
    this.toolCalls = r.tool_calls;
    this.finishReason = r.finish_reason;
    this.costUsd = r.cost_usd;
    this.deployment = r.deployment;
    this.attempts = r.attempts;
    this.tried = r.tried.map(attemptFrom);
    this.requestId = r.request_id;
    this.contentFilter = r.content_filter;
    this.api = r.api;
    attachNormalized(this, r);
  }
}

/** One Responses-API stream event (`response.output_text.delta`, ...) as the service sent
 * it, plus the normalized delta. Events that carry nothing (`response.created`, ...) are not
 * yielded. */
export class ResponseStreamEvent {
  declare type: string;
  declare sequence_number?: number;
  [key: string]: unknown;

  declare text: string | null;
  declare reasoning: string | null;
  declare toolCalls: ToolCallDelta[];
  declare finishReason: string | null;
  declare deployment: string;
  declare contentFilter: ContentFilterReport | null;
  declare readonly normalized: NormalizedChatChunk;

  /** Built by the stream from the addon's answer. */
  constructor(payload: NativePayload<NormalizedChatChunk>) {
    const c = payload.result;
    Object.assign(this, payload.view ?? objectOrEmpty(c.raw));
    this.text = c.text;
    this.reasoning = c.reasoning;
    this.toolCalls = c.tool_calls;
    this.finishReason = c.finish_reason;
    this.deployment = c.deployment;
    this.contentFilter = c.content_filter;
    attachNormalized(this, c);
  }
}

/** An embeddings answer, like the OpenAI SDK's `CreateEmbeddingResponse`, plus extras. */
export class CreateEmbeddingResponse {
  declare object: 'list';
  declare data: EmbeddingData[];
  declare model: string;
  declare usage: { prompt_tokens: number; total_tokens: number };

  declare costUsd: number;
  declare deployment: string;
  declare attempts: number;
  declare tried: Attempt[];
  declare requestId: string | null;
  declare readonly normalized: NormalizedEmbeddingsResult;

  /** Built by the client from the addon's answer. */
  constructor(payload: NativePayload<NormalizedEmbeddingsResult>) {
    const r = payload.result;
    Object.assign(this, payload.view ?? objectOrEmpty(r.raw));
    if (this.usage == null) {
      this.usage = { prompt_tokens: r.usage.input_tokens, total_tokens: r.usage.total_tokens };
    }
    this.costUsd = r.cost_usd;
    this.deployment = r.deployment;
    this.attempts = r.attempts;
    this.tried = r.tried.map(attemptFrom);
    this.requestId = r.request_id;
    attachNormalized(this, r);
  }
}
