// The OpenAI Node SDK's request and answer shapes, as far as Azure AI Foundry serves them,
// so code written for `openai` type-checks against this package unchanged.

import type { Priority } from './governance';

/** Options for one call, as the OpenAI SDK's second argument. */
export interface RequestOptions {
  /** Aborts the call (and a stream's HTTP request) when it fires. */
  signal?: AbortSignal;
  /** Extra HTTP headers for this call. Never logged. */
  headers?: Record<string, string>;
  /** Deadline for the whole call in milliseconds, retries included. */
  timeout?: number;
}

/** Parameters every call accepts next to the API's own. */
export interface CallParams {
  /** A deployment name or a route alias of the catalog. */
  model: string;
  /** Extra HTTP headers for this call. Never logged. */
  extra_headers?: Record<string, string>;
  /** Extra body keys merged into the request as is. */
  extra_body?: Record<string, unknown>;
  /** Deadline for the whole call in seconds, retries included (a stream's body too). */
  timeout?: number;
  /** Seconds a streamed answer may take in all, body included, when longer than `timeout`. */
  stream_timeout?: number;
  /** Aborts the call (and a stream's HTTP request) when it fires. */
  signal?: AbortSignal;
}

export interface ChatCompletionContentPart {
  type: 'text' | 'image_url' | 'input_audio' | 'file';
  text?: string;
  image_url?: { url: string; detail?: 'auto' | 'low' | 'high' };
  [key: string]: unknown;
}

export interface ChatCompletionMessageToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessageParam {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | ChatCompletionContentPart[] | null;
  name?: string;
  tool_calls?: ChatCompletionMessageToolCall[];
  tool_call_id?: string;
  reasoning_content?: string | null;
}

export interface ChatCompletionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export type ChatCompletionToolChoiceOption =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } };

export interface ResponseFormat {
  type: 'text' | 'json_object' | 'json_schema';
  json_schema?: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; description?: string };
}

/** `client.chat.completions.create` parameters, with the OpenAI SDK's names. */
export interface ChatCompletionCreateParamsBase extends CallParams {
  messages: ChatCompletionMessageParam[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  seed?: number | null;
  user?: string;
  tools?: ChatCompletionTool[];
  tool_choice?: ChatCompletionToolChoiceOption;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high' | null;
  stream_options?: { include_usage?: boolean } | null;
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  /** The call's class in the local rate-limit queues (never sent): see {@link Priority}. */
  priority?: Priority;
}

export interface ChatCompletionCreateParamsNonStreaming extends ChatCompletionCreateParamsBase {
  stream?: false | null;
}

export interface ChatCompletionCreateParamsStreaming extends ChatCompletionCreateParamsBase {
  stream: true;
}

export type ChatCompletionCreateParams =
  | ChatCompletionCreateParamsNonStreaming
  | ChatCompletionCreateParamsStreaming;

/** Azure's verdict for one content-filter category. */
export interface ContentFilterVerdict {
  filtered: boolean;
  severity?: string;
  detected?: boolean;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [key: string]: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [key: string]: unknown } | null;
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  /** Thinking models' reasoning (DeepSeek, Kimi; Responses reasoning summaries). */
  reasoning_content?: string | null;
  tool_calls?: ChatCompletionMessageToolCall[];
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | null;
  logprobs?: unknown;
  content_filter_results?: Record<string, ContentFilterVerdict>;
}

export interface PromptFilterResult {
  prompt_index: number;
  content_filter_results: Record<string, ContentFilterVerdict>;
}

export interface ChatCompletionChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: {
    role?: 'assistant';
    content?: string | null;
    reasoning_content?: string | null;
    refusal?: string | null;
    tool_calls?: ChatCompletionChunkToolCall[];
  };
  finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | null;
  logprobs?: unknown;
  content_filter_results?: Record<string, ContentFilterVerdict>;
}

/** `client.responses.create` parameters. */
export interface ResponseCreateParamsBase extends CallParams {
  input: string | Array<Record<string, unknown>>;
  instructions?: string | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  tools?: Array<Record<string, unknown>>;
  tool_choice?: unknown;
  reasoning?: { effort?: 'minimal' | 'low' | 'medium' | 'high' | null; summary?: string | null } | null;
  text?: { format?: Record<string, unknown> } | null;
  metadata?: Record<string, string> | null;
  previous_response_id?: string | null;
  store?: boolean | null;
  parallel_tool_calls?: boolean | null;
  user?: string;
  /** The call's class in the local rate-limit queues (never sent): see {@link Priority}. */
  priority?: Priority;
}

export interface ResponseCreateParamsNonStreaming extends ResponseCreateParamsBase {
  stream?: false | null;
}

export interface ResponseCreateParamsStreaming extends ResponseCreateParamsBase {
  stream: true;
}

export type ResponseCreateParams = ResponseCreateParamsNonStreaming | ResponseCreateParamsStreaming;

/** One item of a Responses answer's `output` (`message`, `reasoning`, `function_call`, ...). */
export interface ResponseOutputItem {
  type: string;
  id?: string;
  [key: string]: unknown;
}

export interface ResponseUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

/** `client.embeddings.create` parameters. */
export interface EmbeddingCreateParams extends CallParams {
  input: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
  user?: string;
}

export interface EmbeddingData {
  object: 'embedding';
  index: number;
  /** Floats, or base64 text when `encoding_format: "base64"` was asked. */
  embedding: number[] | string;
}
