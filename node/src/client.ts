// `Foundry`: the client, with the OpenAI Node SDK's call shapes
// (`client.chat.completions.create`, `client.responses.create`, `client.embeddings.create`).

import { callNative } from './abort';
import { DeploymentInfo, SmokeResult, type NormalizedDeployment, type NormalizedSmokeResult } from './catalog';
import { fromNative, invalidRequest } from './errors';
import { eventListener, type FoundryEvent } from './events';
import { camelLines, scopeSpec, type LimitLine, type ScopeOptions, type SpendLine } from './governance';
import { NativeClient, type CancelToken, type NativeSettings, type NativeStream } from './native';
import type {
  CallParams,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  EmbeddingCreateParams,
  RequestOptions,
  ResponseCreateParams,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
} from './openai-types';
import {
  ChatCompletion,
  ChatCompletionChunk,
  CreateEmbeddingResponse,
  Response,
  ResponseStreamEvent,
  type NativePayload,
} from './results';
import { Stream } from './stream';
import { flushAtExit } from './telemetry';
import { traceHeaders } from './trace-context';

/** How to build a client: openai-node's `AzureOpenAI` names, mapped onto the core's
 * `ClientSettings` (one precedence rule and one validation, the same in every language). With
 * neither `config` nor `catalog`, the catalog comes from the environment
 * (`FOUNDRY_ENDPOINT`/`FOUNDRY_API_KEY`, or `AZURE_OPENAI_ENDPOINT`/`AZURE_OPENAI_API_KEY`/
 * `OPENAI_API_VERSION`), which `endpoint`, `apiKey` and `apiVersion` replace; given with a
 * catalog they are a {@link ConfigError}. */
export interface FoundryOptions extends CallOptions {
  /** Path of a YAML or JSON catalog (the native format, or LiteLLM's `model_list`). */
  config?: string;
  /** The catalog as an object, in the same formats as a file. */
  catalog?: Record<string, unknown>;
  /** One endpoint, as `AzureOpenAI` takes it: every `model` names a deployment there. */
  endpoint?: string;
  /** The key for `endpoint` (else `FOUNDRY_API_KEY` / `AZURE_OPENAI_API_KEY`, else Entra ID). */
  apiKey?: string;
  /** The api-version for `endpoint`. */
  apiVersion?: string;
  /** Every call goes to this deployment or route, whatever its `model`. */
  deployment?: string;
  /** Bearer tokens for Entra deployments (openai-node's `azureADTokenProvider`); a rejected
   * promise fails the call with a {@link CredentialError} whose `cause` is the rejection. */
  azureADTokenProvider?: () => Promise<string>;
  /** Variables used instead of `process.env`: for `${NAME}` in catalogs, for the
   * environment catalog, and for credentials (`AZURE_CLIENT_ID`, `IDENTITY_ENDPOINT`, ...). */
  env?: Record<string, string | undefined>;
  /** Receives the core's events (one per HTTP attempt and per finished call, and the
   * circuit, retry, spend, budget-alert and policy ones), on the JS thread after the fact: a
   * slow callback never delays a call. */
  onEvent?: (event: FoundryEvent) => void;
  /** Extra PEM CA certificates to trust (a TLS-inspecting proxy, a test server). */
  caPem?: string;
}

/** What `withOptions` changes (and the constructor takes too), with openai-node's names. */
export interface CallOptions {
  /** Sent with every request; they win over the catalog's headers of the same name. */
  defaultHeaders?: Record<string, string>;
  /** Each call's deadline, retries included, in milliseconds (as openai-node's). */
  timeout?: number;
  /** Retries after the first attempt (0 to 10). */
  maxRetries?: number;
}

/** Options of the named constructors (the catalog source is the constructor's). */
export type ClientOptions = Omit<FoundryOptions, 'config' | 'catalog' | 'endpoint' | 'apiKey' | 'apiVersion'>;

function definedEntries(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** The provider's outcome as the addon reads it: it always resolves, with the token or with
 * the rejection's message and `cause` chain (a throw cannot cross a threadsafe function). */
function tokenFunction(provider: () => Promise<string>): () => Promise<string> {
  const chain = (e: unknown, depth = 0): { message: string; cause?: unknown } | undefined => {
    if (e === undefined || depth > 8) return undefined;
    const message = e instanceof Error ? e.message : String(e);
    const inner = e instanceof Error ? chain(e.cause, depth + 1) : undefined;
    return inner === undefined ? { message } : { message, cause: inner };
  };
  return async () => {
    try {
      return JSON.stringify({ token: await provider() });
    } catch (e) {
      const { message, cause } = chain(e) ?? { message: 'azureADTokenProvider failed' };
      return JSON.stringify({ error: message, cause });
    }
  };
}

function openNative(options: FoundryOptions): NativeClient {
  const { config, catalog, env, onEvent, azureADTokenProvider, ...rest } = options;
  const settings: NativeSettings = { ...rest };
  if (config !== undefined) settings.configPath = config;
  if (catalog !== undefined) {
    settings.configJson = JSON.stringify(catalog);
    settings.configOrigin = 'catalog object';
  }
  if (env !== undefined) settings.env = definedEntries(env);
  let native: NativeClient;
  try {
    native = new NativeClient(
      settings,
      onEvent === undefined ? undefined : eventListener(onEvent),
      azureADTokenProvider === undefined ? undefined : tokenFunction(azureADTokenProvider),
    );
  } catch (e) {
    throw fromNative(e);
  }
  // The first client sets the export up (from OTEL_*): from then on it is known.
  flushAtExit();
  return native;
}

/**
 * `JSON.stringify`'s replacer for requests (issue 10, point 6). JSON has no NaN or Infinity:
 * `JSON.stringify` writes them as `null`, which would silently drop a parameter (a NaN
 * `timeout` would fall back to the default deadline). Integers past 2^53 are already rounded
 * by JavaScript, so what would be sent is not what the caller wrote. Both are refused, naming
 * the parameter; every other range (a negative `timeout`, `max_tokens: -1`) is the core's to
 * check, with the same message in every language.
 */
function checkedNumber(this: unknown, key: string, value: unknown): unknown {
  const name = key === '' ? 'the request' : key;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidRequest(`${name} must be a finite number, got ${value}`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value) && key !== 'timeout') {
      throw invalidRequest(
        `${name} must be an integer from -(2^53 - 1) to 2^53 - 1 (Number.MAX_SAFE_INTEGER), got ${value}: ` +
          'larger integers are not exact in JavaScript',
      );
    }
  } else if (typeof value === 'bigint') {
    // JSON.stringify cannot write a bigint; one that a Number holds exactly is sent as one.
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    throw invalidRequest(`${name} must be an integer from -(2^53 - 1) to 2^53 - 1, got ${value}n`);
  }
  return value;
}

/** The request as the addon reads it: the OpenAI-style body with `signal` taken out and the
 * per-call options folded in (headers into `extra_headers`, `timeout` ms into seconds), with
 * the current OpenTelemetry span's `traceparent` unless the caller set one. Every call kind
 * goes through here, so every call joins the caller's trace. */
function prepare(body: CallParams, options: RequestOptions | undefined): { json: string; signal?: AbortSignal } {
  const trace = traceHeaders(body.extra_headers, options?.headers);
  if (options === undefined && trace === undefined && !('signal' in body)) {
    return { json: JSON.stringify(body, checkedNumber) };
  }
  const { signal: bodySignal, ...params } = body;
  if (options?.headers !== undefined || trace !== undefined) {
    params.extra_headers = { ...trace, ...params.extra_headers, ...options?.headers };
  }
  if (options?.timeout !== undefined && params.timeout === undefined) params.timeout = options.timeout / 1000;
  return { json: JSON.stringify(params, checkedNumber), signal: options?.signal ?? bodySignal };
}

function parsed<R>(json: string): NativePayload<R> {
  return JSON.parse(json) as NativePayload<R>;
}

async function openStream<Chunk, Final>(
  open: (json: string, token: CancelToken | undefined) => Promise<NativeStream>,
  body: CallParams,
  options: RequestOptions | undefined,
  chunk: (payload: NativePayload<never>) => Chunk,
  final: (payload: NativePayload<never>) => Final,
): Promise<Stream<Chunk, Final>> {
  const { json, signal } = prepare(body, options);
  const native = await callNative(signal, (token) => open(json, token));
  return new Stream(native, signal, chunk, final);
}

/** `client.chat.completions`. */
export class Completions {
  readonly #native: NativeClient;

  /** Built by the client. */
  constructor(native: NativeClient) {
    this.#native = native;
  }

  /**
   * A chat completion, with the OpenAI SDK's parameters. `model` is a deployment or a route
   * alias; a responses-only deployment is called through the Responses API and its answer
   * translated back. With `stream: true`, resolves with a {@link Stream} of chunks.
   * Network IO on the addon's threads; never blocks the event loop.
   */
  create(body: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
  create(
    body: ChatCompletionCreateParamsStreaming,
    options?: RequestOptions,
  ): Promise<Stream<ChatCompletionChunk, ChatCompletion>>;
  create(
    body: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | Stream<ChatCompletionChunk, ChatCompletion>>;
  async create(
    body: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | Stream<ChatCompletionChunk, ChatCompletion>> {
    if (body.stream === true) {
      return openStream(
        (json, token) => this.#native.chatStream(json, token),
        body,
        options,
        (p) => new ChatCompletionChunk(p),
        (p) => new ChatCompletion(p),
      );
    }
    const { json, signal } = prepare(body, options);
    const answer = await callNative(signal, (token) => this.#native.chat(json, token));
    return new ChatCompletion(parsed(answer));
  }
}

/** `client.chat`. */
export class Chat {
  readonly completions: Completions;

  /** Built by the client. */
  constructor(native: NativeClient) {
    this.completions = new Completions(native);
  }
}

/** `client.responses`. */
export class Responses {
  readonly #native: NativeClient;

  /** Built by the client. */
  constructor(native: NativeClient) {
    this.#native = native;
  }

  /**
   * A Responses-API call (`input`, `instructions`, `max_output_tokens`, ...). With
   * `stream: true`, resolves with a {@link Stream} of the service's events.
   */
  create(body: ResponseCreateParamsNonStreaming, options?: RequestOptions): Promise<Response>;
  create(
    body: ResponseCreateParamsStreaming,
    options?: RequestOptions,
  ): Promise<Stream<ResponseStreamEvent, Response>>;
  create(
    body: ResponseCreateParams,
    options?: RequestOptions,
  ): Promise<Response | Stream<ResponseStreamEvent, Response>>;
  async create(
    body: ResponseCreateParams,
    options?: RequestOptions,
  ): Promise<Response | Stream<ResponseStreamEvent, Response>> {
    if (body.stream === true) {
      return openStream(
        (json, token) => this.#native.responsesStream(json, token),
        body,
        options,
        (p) => new ResponseStreamEvent(p),
        (p) => new Response(p),
      );
    }
    const { json, signal } = prepare(body, options);
    const answer = await callNative(signal, (token) => this.#native.responses(json, token));
    return new Response(parsed(answer));
  }
}

/** `client.embeddings`. */
export class Embeddings {
  readonly #native: NativeClient;

  /** Built by the client. */
  constructor(native: NativeClient) {
    this.#native = native;
  }

  /** Embeddings for one input or a batch (`input`, `dimensions`, `encoding_format`). */
  async create(body: EmbeddingCreateParams, options?: RequestOptions): Promise<CreateEmbeddingResponse> {
    const { json, signal } = prepare(body, options);
    const answer = await callNative(signal, (token) => this.#native.embeddings(json, token));
    return new CreateEmbeddingResponse(parsed(answer));
  }
}

/** The native client `withOptions` derived, taken by the next `new Foundry()`. */
let adopted: NativeClient | undefined;

/**
 * The client: one per process is enough (it shares connections, tokens and what it learns
 * about deployments across every call). Constructing it does file IO at most, never network.
 *
 * ```ts
 * const client = new Foundry();                         // from the environment
 * const client = Foundry.fromConfig('foundry.yaml');
 * const r = await client.chat.completions.create({ model: 'gpt-5.4', messages });
 * r.choices[0].message.content; r.costUsd; r.deployment;
 * ```
 */
export class Foundry {
  readonly chat: Chat;
  readonly responses: Responses;
  readonly embeddings: Embeddings;
  readonly #native: NativeClient;

  /** Throws a {@link ConfigError} when the catalog or a setting is unusable. */
  constructor(options: FoundryOptions = {}) {
    this.#native = adopted ?? openNative(options);
    adopted = undefined;
    this.chat = new Chat(this.#native);
    this.responses = new Responses(this.#native);
    this.embeddings = new Embeddings(this.#native);
  }

  /** A client over a YAML or JSON catalog file. */
  static fromConfig(path: string, options: ClientOptions = {}): Foundry {
    return new Foundry({ ...options, config: path });
  }

  /** A client over a catalog object (the file format, or LiteLLM's `model_list`). */
  static fromCatalog(catalog: Record<string, unknown>, options: ClientOptions = {}): Foundry {
    return new Foundry({ ...options, catalog });
  }

  /** A client from the environment (`options.env` when given, else `process.env`). */
  static fromEnv(options: ClientOptions = {}): Foundry {
    return new Foundry(options);
  }

  /**
   * A client with other call settings (openai-node's `withOptions`), sharing this one's
   * connections, tokens, retry budget and breakers; this client is unchanged. Throws a
   * {@link ConfigError} for a bad value, as the constructor would. No IO.
   */
  withOptions(options: CallOptions): Foundry {
    try {
      adopted = this.#native.withOptions(options);
    } catch (e) {
      throw fromNative(e);
    }
    return new Foundry();
  }

  /**
   * A scoped handle: a client with this one's full API whose calls count for `name` inside
   * this client's scope (`acme/search` gives `acme/search/bot`), checked against its own
   * `budget` ({@link BudgetExceededError}), `models` ({@link PolicyError}) and `rpm` / `tpm`
   * (a queue; {@link RateLimitError} with `retryAfter` when the wait would pass the call's
   * timeout) and every enclosing scope's. It shares this client's connections, tokens,
   * ledger and events. A bad option throws the core's {@link ConfigError}
   * (`scope('bot').budget.window: ...`). Opens the ledger at most; no network IO.
   */
  scope(name: string, options?: ScopeOptions): Foundry {
    try {
      adopted = this.#native.scope(name, JSON.stringify(scopeSpec(options), checkedNumber));
    } catch (e) {
      throw fromNative(e);
    }
    return new Foundry();
  }

  /** Revokes this scoped handle: its later calls, and those of handles derived from it,
   * reject with {@link RevokedError}; calls in flight finish. On a client that is not a
   * handle, throws {@link InvalidRequestError}. No IO. */
  revoke(): void {
    try {
      this.#native.revoke();
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** The scope path this client's calls count for (`acme/search/bot`), or null. */
  get scopePath(): string | null {
    return this.#native.scopePath ?? null;
  }

  /** Each budget's spend in its current period (empty without budgets). Reads the ledger;
   * no network IO. */
  spend(): SpendLine[] {
    try {
      return camelLines<SpendLine>(this.#native.spend());
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** Each local rate limit as it stands: every limited scope's and paced deployment's
   * (empty when nothing is limited). No IO. */
  limits(): LimitLine[] {
    return camelLines<LimitLine>(this.#native.limits());
  }

  /** The catalog's deployments, with what the client has learned about them. No IO. */
  deployments(): DeploymentInfo[] {
    const list = JSON.parse(this.#native.deployments()) as NormalizedDeployment[];
    return list.map((d) => new DeploymentInfo(d));
  }

  /** Pings every deployment concurrently with a tiny chat call; each reports its outcome
   * (the promise never rejects for a deployment's failure). */
  async smoke(options?: RequestOptions): Promise<SmokeResult[]> {
    const answer = await callNative(options?.signal, (token) => this.#native.smoke(token));
    return (JSON.parse(answer) as NormalizedSmokeResult[]).map((s) => new SmokeResult(s));
  }

  /** Resolves when every settle this client started has reached the spend ledger. With a
   * fleet's Redis store (`governance.store`) settles run in the background, so a process about
   * to exit awaits this for its books to be complete. Network IO with Redis only. */
  async settled(): Promise<void> {
    try {
      await this.#native.settled();
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** The model-inference endpoint's `/info` for a deployment (model name, type, provider). */
  async info(model: string, options?: RequestOptions): Promise<Record<string, unknown>> {
    const answer = await callNative(options?.signal, (token) => this.#native.info(model, token));
    return JSON.parse(answer) as Record<string, unknown>;
  }
}
