export type JsonValue = number | string | boolean | Array<JsonValue> | {
    [key in string]?: JsonValue;
} | null;
/**
 * Which service API produced (or will carry) a call.
 */
export type Api = "chat" | "responses" | "embeddings" | "info";
/**
 * Token counts, whatever the API called them.
 */
export type Usage = {
    input_tokens: number;
    /**
     * Prompt tokens served from the cache (billed at the cached-input price).
     */
    cached_input_tokens: number;
    /**
     * Completion tokens, reasoning included.
     */
    output_tokens: number;
    reasoning_tokens: number;
    total_tokens: number;
};
/**
 * One category's verdict from Azure's content filter.
 */
export type CategoryResult = {
    /**
     * `prompt` or `completion`.
     */
    source: string;
    /**
     * Prompt index or choice index.
     */
    index: number;
    /**
     * `hate`, `violence`, `sexual`, `self_harm`, `jailbreak`, `protected_material_text`, ...
     */
    category: string;
    filtered: boolean;
    severity?: string | null;
    detected?: boolean | null;
};
/**
 * Azure's content-safety outcome for a call.
 */
export type ContentFilterReport = {
    /**
     * True when any category filtered the prompt or the completion.
     */
    filtered: boolean;
    /**
     * Names of the categories that filtered (sorted, unique).
     */
    categories: Array<string>;
    /**
     * Every verdict the service reported.
     */
    results: Array<CategoryResult>;
};
/**
 * A function call the model asked for.
 */
export type ToolCall = {
    id: string;
    name: string;
    /**
     * JSON text, exactly as the model wrote it.
     */
    arguments: string;
};
/**
 * A fragment of a streamed tool call; `id` and `name` arrive first, then argument text.
 */
export type ToolCallDelta = {
    index: number;
    id: string | null;
    name: string | null;
    arguments: string | null;
};
/**
 * One HTTP attempt made for a call (retries and fallbacks included).
 */
export type Attempt = {
    deployment: string;
    api: Api;
    status: number | null;
    /**
     * The error kind this attempt ended in, if it failed.
     */
    error: string | null;
    latency_ms: number;
    /**
     * True when this attempt went to a fallback deployment of the route.
     */
    fallback: boolean;
};
/**
 * The normalized answer of a chat or Responses call.
 */
export type ChatResult = {
    id: string;
    /**
     * The model the service reports (not the deployment name).
     */
    model: string;
    /**
     * The deployment that answered.
     */
    deployment: string;
    /**
     * The API that carried the final attempt.
     */
    api: Api | null;
    text: string | null;
    reasoning: string | null;
    tool_calls: Array<ToolCall>;
    /**
     * `stop`, `length`, `tool_calls`, `content_filter`.
     */
    finish_reason: string | null;
    usage: Usage;
    content_filter: ContentFilterReport;
    cost_usd: number;
    /**
     * How many HTTP attempts the call took.
     */
    attempts: number;
    /**
     * Every deployment tried, in order.
     */
    tried: Array<Attempt>;
    request_id: string | null;
    /**
     * The service's answer as received (for a translated call, the Responses body).
     */
    raw: JsonValue;
};
/**
 * One streamed piece, the same type for chat and Responses streams.
 */
export type ChatChunk = {
    id: string;
    model: string;
    deployment: string;
    /**
     * Text delta.
     */
    text: string | null;
    /**
     * Reasoning delta.
     */
    reasoning: string | null;
    tool_calls: Array<ToolCallDelta>;
    finish_reason: string | null;
    /**
     * Present on the chunk that carries the totals (usually the last).
     */
    usage: Usage | null;
    content_filter: ContentFilterReport | null;
    /**
     * The service's event as received.
     */
    raw: JsonValue;
};
/**
 * One vector of an embeddings answer.
 */
export type Embedding = {
    index: number;
    /**
     * Floats, or base64 text when `encoding_format: "base64"` was asked.
     */
    embedding: number[] | string;
};
/**
 * The normalized answer of an embeddings call.
 */
export type EmbeddingsResult = {
    model: string;
    deployment: string;
    data: Array<Embedding>;
    usage: Usage;
    cost_usd: number;
    attempts: number;
    tried: Array<Attempt>;
    request_id: string | null;
    raw: JsonValue;
};
/**
 * What went wrong, in the terms a caller acts on.
 */
export type ErrorKind = "config" | "invalid_request" | "authentication" | "permission_denied" | "not_found" | "rate_limit" | "content_filter" | "operation_unsupported" | "bad_request" | "server" | "timeout" | "connection" | "stream" | "reasoning_exhausted" | "invalid_response" | "credential" | "cancelled" | "budget_exceeded" | "ledger" | "policy" | "revoked" | "store_unavailable";
/**
 * The failure an [`Error`] came from (an IO, TLS, JSON or identity error), kept as its message
 * chain rather than the original value: the chain is cloneable, serializable, crosses every
 * FFI boundary as text, and is redacted of secrets where it is captured. Each binding turns
 * it into its language's cause (`__cause__` in Python, `cause` in Node and Kotlin).
 */
export type NormalizedCause = {
    message: string;
    /**
     * What this cause came from, in turn.
     */
    cause?: NormalizedCause;
};
/**
 * Everything known about one failure. Boxed inside [`Error`] so `Result` stays small.
 */
export type ErrorDetails = {
    kind: ErrorKind;
    message: string;
    /**
     * HTTP status, where the service answered.
     */
    status: number | null;
    /**
     * The service's own code (`content_filter`, `DeploymentNotFound`, `429`, ...).
     */
    code: string | null;
    deployment: string | null;
    request_id: string | null;
    retryable: boolean;
    /**
     * What the user should do about it.
     */
    hint: string;
    /**
     * The server's retry hint, for rate limits.
     */
    retry_after_ms: number | null;
    /**
     * Which categories fired, for content-filter errors.
     */
    content_filter: ContentFilterReport | null;
    /**
     * Every attempt made before giving up.
     */
    attempts: Array<Attempt>;
    /**
     * The failure this error came from, when there was one below the client.
     */
    cause?: NormalizedCause;
};
/**
 * How a deployment's endpoint is addressed (FOUNDRY.md, "Endpoint shapes").
 */
export type Shape = "azure" | "v1" | "inference" | "openai";
/**
 * Which parameter carries the output-token limit on the chat API.
 */
export type TokensParam = "max_tokens" | "max_completion_tokens";
/**
 * The model-inference endpoint's `extra-parameters` header.
 */
export type ExtraParameters = "error" | "pass-through" | "drop";
/**
 * Which Entra ID credential to use.
 */
export type CredentialKind = "default" | "client_secret" | "workload_identity" | "managed_identity" | "azure_cli";
/**
 * Prices in USD per 1M tokens.
 */
export type Pricing = {
    input: number;
    /**
     * Cached input; defaults to the input price when unset.
     */
    cached_input: number | null;
    output: number;
};
/**
 * One deployment of a binding's deployment list ([`Deployment::to_json`]): a struct so that
 * the bindings' declarations of it (Node's, through the `ts` feature) are generated from it.
 */
export type NormalizedDeployment = {
    /**
     * What callers pass as `model`.
     */
    name: string;
    /**
     * The deployment name on the service.
     */
    deployment: string;
    model: string | null;
    endpoint: string;
    shape: Shape;
    api_version: string;
    responses_api_version: string;
    /**
     * How requests authenticate: `api_key`, `entra`, `key_vault` (an API key read from Key
     * Vault) or `none`; never the key.
     */
    auth: 'api_key' | 'entra' | 'key_vault' | 'none';
    /**
     * The Entra credential, for `entra` and `key_vault` (the one that reads the vault).
     */
    credential: CredentialKind | null;
    thinking: boolean;
    responses_only: boolean;
    max_tokens_param: TokensParam;
    min_max_tokens: number | null;
    extra_parameters: ExtraParameters | null;
    /**
     * USD per 1M tokens.
     */
    pricing: Pricing;
    tpm: number | null;
    rpm: number | null;
    tags: Record<string, string>;
};
/**
 * One budget's spend in its current period (`foundry spend`).
 */
export type SpendLine = {
    scope: string;
    /**
     * The window as configured ("month (Europe/Berlin)", "rolling 3600s").
     */
    window: string;
    /**
     * The current period's ledger key ("month:2026-12@Europe/Berlin").
     */
    period: string;
    spent_usd: number;
    /**
     * Held by calls in flight (and by dead processes, until their lease ends).
     */
    reserved_usd: number;
    cap_usd: number | null;
    /**
     * The alert thresholds, as fractions of the cap.
     */
    soft: Array<number>;
};
/**
 * A lane's state, for `Foundry::limits()` and `foundry limits`.
 */
export type LimitLine = {
    /**
     * `deployment:NAME` or the scope path.
     */
    limits: string;
    tpm: number | null;
    rpm: number | null;
    /**
     * Tokens that could be granted now (at most a 10 s window's share of `tpm`).
     */
    tokens_available: number;
    requests_available: number;
    /**
     * Calls waiting in the queue.
     */
    queued: number;
    /**
     * What the service last reported in `x-ratelimit-remaining-tokens` / `-requests`.
     */
    service_remaining_tokens: number | null;
    service_remaining_requests: number | null;
};
export type AttemptEvent = {
    deployment: string;
    shape: string;
    api: Api;
    /**
     * 1-based, across retries and fallbacks of one call.
     */
    attempt: number;
    status: number | null;
    /**
     * The error kind, when the attempt failed.
     */
    error: string | null;
    latency_ms: number;
    /**
     * True when the deployment is a fallback of the route.
     */
    fallback: boolean;
    request_id: string | null;
    /**
     * How long the client waits before the next attempt, when it retries.
     */
    retry_in_ms: number | null;
    /**
     * How long the attempt waited in the local rate-limit queues before it was sent.
     */
    queued_ms: number;
};
export type ResultEvent = {
    operation: Api;
    /**
     * The deployment that answered (or the last one tried).
     */
    deployment: string;
    model: string | null;
    attempts: number;
    fallback: boolean;
    usage: Usage;
    cost_usd: number;
    finish_reason: string | null;
    /**
     * Whether Azure's content filter fired on the prompt or the completion.
     */
    content_filtered: boolean;
    request_id: string | null;
    latency_ms: number;
    error: string | null;
    /**
     * The scope the call counted for (a scoped handle's path), when it had one.
     */
    scope: string | null;
    /**
     * The tags of that scope and the scopes enclosing it (`governance.scopes`, `scope(tags=)`).
     */
    tags?: {
        [key in string]?: string;
    };
};
/**
 * Where a deployment's circuit breaker stands.
 */
export type CircuitState = "open" | "half_open" | "closed";
export type CircuitEvent = {
    deployment: string;
    state: CircuitState;
    /**
     * The failed attempts in a row that opened it (0 when closed).
     */
    consecutive_failures: number;
    /**
     * How long it stays open, when it opened.
     */
    cooldown_ms: number | null;
};
export type RetryRefusedEvent = {
    deployment: string;
    /**
     * The attempt (1-based, across the call) whose retry was refused.
     */
    attempt: number;
    /**
     * The error kind of that attempt, which the call now fails with.
     */
    error: string;
    /**
     * What the retry would have cost, and what the budget held.
     */
    cost: number;
    available: number;
    capacity: number;
};
/**
 * What happened to an attempt's budget reservation.
 */
export type SpendAction = "reserved" | "settled" | "released" | "refused";
export type SpendEvent = {
    action: SpendAction;
    deployment: string;
    /**
     * The attempt's reservation (its upper bound of cost).
     */
    reserved_usd: number;
    /**
     * What was booked: the bill when settled, 0 otherwise.
     */
    charged_usd: number;
    /**
     * The budget scope that refused the call, when refused.
     */
    scope: string | null;
};
export type BudgetAlertEvent = {
    scope: string;
    /**
     * The window's period, as its ledger key ("month:2026-12@Europe/Berlin").
     */
    period: string;
    /**
     * The threshold crossed, as a fraction of the cap (0.8).
     */
    threshold: number;
    spent_usd: number;
    cap_usd: number;
};
/**
 * The shared store's outage began (`unreachable`) or ended (`reachable`).
 */
export type StoreEvent = {
    /**
     * `unreachable` or `reachable`.
     */
    state: string;
    /**
     * The server, without its password.
     */
    store: string;
    /**
     * What calls under a budget do meanwhile: `fail_closed` (refused) or `local` (counted in
     * this process against limit / fleet_size).
     */
    mode: string;
    fleet_size: number | null;
    /**
     * Why the store was found unreachable.
     */
    error: string | null;
};
export type PolicyEvent = {
    deployment: string;
    allowed: boolean;
    /**
     * The rule that refused: `approved`, `require_header` or `max_prompt_tokens`.
     */
    rule: string | null;
    /**
     * The scope whose policy refused (None: a policy for every call).
     */
    scope: string | null;
};
/**
 * One observation. Serialized with a `type` tag (`attempt`, `result`, `circuit`,
 * `retry_refused`, `spend`, `budget_alert` or `policy`) for the bindings.
 */
export type Event = {
    "type": "attempt";
} & AttemptEvent | {
    "type": "result";
} & ResultEvent | {
    "type": "circuit";
} & CircuitEvent | {
    "type": "retry_refused";
} & RetryRefusedEvent | {
    "type": "spend";
} & SpendEvent | {
    "type": "budget_alert";
} & BudgetAlertEvent | {
    "type": "policy";
} & PolicyEvent | {
    "type": "store";
} & StoreEvent;
