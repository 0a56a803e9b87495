import { DeploymentInfo, SmokeResult } from './catalog';
import { type FoundryEvent } from './events';
import { type LimitLine, type ScopeOptions, type SpendLine } from './governance';
import { NativeClient } from './native';
import type { ChatCompletionCreateParams, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, EmbeddingCreateParams, RequestOptions, ResponseCreateParams, ResponseCreateParamsNonStreaming, ResponseCreateParamsStreaming } from './openai-types';
import { ChatCompletion, ChatCompletionChunk, CreateEmbeddingResponse, Response, ResponseStreamEvent } from './results';
import { Stream } from './stream';
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
/** `client.chat.completions`. */
export declare class Completions {
    #private;
    /** Built by the client. */
    constructor(native: NativeClient);
    /**
     * A chat completion, with the OpenAI SDK's parameters. `model` is a deployment or a route
     * alias; a responses-only deployment is called through the Responses API and its answer
     * translated back. With `stream: true`, resolves with a {@link Stream} of chunks.
     * Network IO on the addon's threads; never blocks the event loop.
     */
    create(body: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
    create(body: ChatCompletionCreateParamsStreaming, options?: RequestOptions): Promise<Stream<ChatCompletionChunk, ChatCompletion>>;
    create(body: ChatCompletionCreateParams, options?: RequestOptions): Promise<ChatCompletion | Stream<ChatCompletionChunk, ChatCompletion>>;
}
/** `client.chat`. */
export declare class Chat {
    readonly completions: Completions;
    /** Built by the client. */
    constructor(native: NativeClient);
}
/** `client.responses`. */
export declare class Responses {
    #private;
    /** Built by the client. */
    constructor(native: NativeClient);
    /**
     * A Responses-API call (`input`, `instructions`, `max_output_tokens`, ...). With
     * `stream: true`, resolves with a {@link Stream} of the service's events.
     */
    create(body: ResponseCreateParamsNonStreaming, options?: RequestOptions): Promise<Response>;
    create(body: ResponseCreateParamsStreaming, options?: RequestOptions): Promise<Stream<ResponseStreamEvent, Response>>;
    create(body: ResponseCreateParams, options?: RequestOptions): Promise<Response | Stream<ResponseStreamEvent, Response>>;
}
/** `client.embeddings`. */
export declare class Embeddings {
    #private;
    /** Built by the client. */
    constructor(native: NativeClient);
    /** Embeddings for one input or a batch (`input`, `dimensions`, `encoding_format`). */
    create(body: EmbeddingCreateParams, options?: RequestOptions): Promise<CreateEmbeddingResponse>;
}
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
export declare class Foundry {
    #private;
    readonly chat: Chat;
    readonly responses: Responses;
    readonly embeddings: Embeddings;
    /** Throws a {@link ConfigError} when the catalog or a setting is unusable. */
    constructor(options?: FoundryOptions);
    /** A client over a YAML or JSON catalog file. */
    static fromConfig(path: string, options?: ClientOptions): Foundry;
    /** A client over a catalog object (the file format, or LiteLLM's `model_list`). */
    static fromCatalog(catalog: Record<string, unknown>, options?: ClientOptions): Foundry;
    /** A client from the environment (`options.env` when given, else `process.env`). */
    static fromEnv(options?: ClientOptions): Foundry;
    /**
     * A client with other call settings (openai-node's `withOptions`), sharing this one's
     * connections, tokens, retry budget and breakers; this client is unchanged. Throws a
     * {@link ConfigError} for a bad value, as the constructor would. No IO.
     */
    withOptions(options: CallOptions): Foundry;
    /**
     * A scoped handle: a client with this one's full API whose calls count for `name` inside
     * this client's scope (`acme/search` gives `acme/search/bot`), checked against its own
     * `budget` ({@link BudgetExceededError}), `models` ({@link PolicyError}) and `rpm` / `tpm`
     * (a queue; {@link RateLimitError} with `retryAfter` when the wait would pass the call's
     * timeout) and every enclosing scope's. It shares this client's connections, tokens,
     * ledger and events. A bad option throws the core's {@link ConfigError}
     * (`scope('bot').budget.window: ...`). Opens the ledger at most; no network IO.
     */
    scope(name: string, options?: ScopeOptions): Foundry;
    /** Revokes this scoped handle: its later calls, and those of handles derived from it,
     * reject with {@link RevokedError}; calls in flight finish. On a client that is not a
     * handle, throws {@link InvalidRequestError}. No IO. */
    revoke(): void;
    /** The scope path this client's calls count for (`acme/search/bot`), or null. */
    get scopePath(): string | null;
    /** Each budget's spend in its current period (empty without budgets). Reads the ledger;
     * no network IO. */
    spend(): SpendLine[];
    /** Each local rate limit as it stands: every limited scope's and paced deployment's
     * (empty when nothing is limited). No IO. */
    limits(): LimitLine[];
    /** The catalog's deployments, with what the client has learned about them. No IO. */
    deployments(): DeploymentInfo[];
    /** Pings every deployment concurrently with a tiny chat call; each reports its outcome
     * (the promise never rejects for a deployment's failure). */
    smoke(options?: RequestOptions): Promise<SmokeResult[]>;
    /** Resolves when every settle this client started has reached the spend ledger. With a
     * fleet's Redis store (`governance.store`) settles run in the background, so a process about
     * to exit awaits this for its books to be complete. Network IO with Redis only. */
    settled(): Promise<void>;
    /** The model-inference endpoint's `/info` for a deployment (model name, type, provider). */
    info(model: string, options?: RequestOptions): Promise<Record<string, unknown>>;
}
