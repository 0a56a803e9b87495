package foundryclient

import kotlin.time.Duration
import kotlin.time.DurationUnit
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * The client: one Rust core (routing, auth, retries, normalization) behind suspend functions.
 * Thread-safe and cheap to share: create one per process. Calls suspend, never block a thread,
 * so they are safe in a Ktor handler; cancelling the calling coroutine aborts the HTTP request.
 * With `opentelemetry-api` on the classpath, each call joins the current span's trace (its
 * W3C `traceparent` goes out on the request unless the call sets its own).
 *
 * ```kotlin
 * val foundry = Foundry.fromConfig("foundry.yaml")     // or Foundry.fromEnvironment(), Foundry.builder()
 * val r = foundry.chat(ChatRequest(model = "gpt-5.4", messages = listOf(ChatMessage.user("Hi"))))
 * println("${r.text} ${r.usage.totalTokens} tokens, $${r.costUsd}")
 * ```
 */
class Foundry internal constructor(private val native: NativeClient) : AutoCloseable {
    companion object {
        /** Every setting of a client: the catalog, endpoint, key, headers, timeout, ... */
        @JvmStatic
        fun builder(): FoundryBuilder = FoundryBuilder()

        /** A client over a YAML/JSON catalog file (native or LiteLLM format). File IO only. */
        @JvmStatic
        fun fromConfig(path: String): Foundry = builder().config(path).build()

        /**
         * A client from `FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY` (or `AZURE_OPENAI_ENDPOINT` /
         * `AZURE_OPENAI_API_KEY` / `OPENAI_API_VERSION`). Without a key, managed identity (and the
         * rest of the Entra ID chain) authenticates: the AKS path needs no secret. No IO.
         */
        @JvmStatic
        fun fromEnvironment(): Foundry = builder().build()

        /** A client over catalog text (YAML or JSON); [origin] names it in errors. No IO. */
        @JvmStatic
        @JvmOverloads
        fun fromCatalog(text: String, origin: String = "catalog"): Foundry = builder().catalogText(text, origin).build()

        /**
         * Exports the spans and metrics recorded so far and returns once they are sent: `true`,
         * or when there is nothing to export (no `OTEL_EXPORTER_OTLP_ENDPOINT`, or no client
         * built yet); `false` when the receiver refused or 10 s passed. Network IO on the core's
         * threads; suspends, never blocks. A JVM that shuts down normally flushes by itself.
         */
        @JvmStatic
        suspend fun flushTelemetry(): Boolean = mapErrors { foundryclient.flushTelemetry() }
    }

    /**
     * A client sharing this one's connections, tokens, budget and circuit breakers, with other
     * call settings: [defaultHeaders] join (and win over) the current ones, [timeout] is each
     * call's deadline, [maxRetries] the retries per deployment. No IO.
     */
    fun withOptions(
        defaultHeaders: Map<String, String> = emptyMap(),
        timeout: Duration? = null,
        maxRetries: Long? = null,
    ): Foundry = Foundry(
        mapErrors {
            native.withOptions(CallOverrides(defaultHeaders, timeout?.toDouble(DurationUnit.SECONDS), maxRetries))
        },
    )

    /** A chat completion; `model` is a deployment or a route alias. Network IO. */
    suspend fun chat(request: ChatRequest): ChatResult = mapErrors { native.chat(request.traced()) }

    /** A chat completion of [messages]. Network IO. */
    suspend fun chat(model: String, vararg messages: ChatMessage, maxTokens: Long? = null): ChatResult =
        chat(ChatRequest(model = model, messages = messages.toList(), maxTokens = maxTokens))

    /** A Responses-API call, normalized like [chat]. Network IO. */
    suspend fun responses(request: ResponsesRequest): ChatResult = mapErrors { native.responses(request.traced()) }

    /** Embeddings. Network IO. */
    suspend fun embeddings(request: EmbeddingsRequest): EmbeddingsResult =
        mapErrors { native.embeddings(request.traced()) }

    /**
     * A streamed chat completion as a cold [Flow]: each collection makes one request, and
     * cancelling the collector (or `take(n)`, or an exception) aborts it.
     */
    fun chatStream(request: ChatRequest): Flow<ChatChunk> = flow {
        openChatStream(request).use { stream -> stream.chunks().collect { emit(it) } }
    }

    /** A streamed Responses-API call as a cold [Flow]; chunks have the chat stream's type. */
    fun responsesStream(request: ResponsesRequest): Flow<ChatChunk> = flow {
        openResponsesStream(request).use { stream -> stream.chunks().collect { emit(it) } }
    }

    /** Opens a streamed chat completion, for callers that also want the folded result. */
    suspend fun openChatStream(request: ChatRequest): FoundryStream =
        FoundryStream(mapErrors { native.openChatStream(request.traced()) })

    /** Opens a streamed Responses-API call. */
    suspend fun openResponsesStream(request: ResponsesRequest): FoundryStream =
        FoundryStream(mapErrors { native.openResponsesStream(request.traced()) })

    /** Pings every deployment concurrently; each reports its own outcome in the list. Network IO. */
    suspend fun smoke(): List<SmokeResult> = mapErrors { native.smoke() }

    /**
     * Returns when every settle this client started has reached the spend ledger. With a
     * fleet's Redis store (`governance.store`) settles run in the background, so a process
     * about to exit awaits this for its books to be complete. Network IO with Redis only.
     */
    suspend fun settled(): Unit = mapErrors { native.settled() }

    /** The model-inference endpoint's `/info` for a deployment, as JSON text. Network IO. */
    suspend fun info(model: String): String = mapErrors { native.info(model) }

    /** The catalog's deployments with what the client has learned applied. No IO. */
    fun deployments(): List<DeploymentInfo> = mapErrors { native.deployments() }

    /**
     * A scoped handle: a client (sharing this one's connections, tokens, breakers and ledger)
     * whose calls count for [name] inside this client's scope (`acme` → `acme/search-bot`), and
     * are checked against the handle's own budget, approved models and rate limits as well as
     * every enclosing scope's: a refused call fails with [FoundryException.BudgetExceeded],
     * [FoundryException.Policy] or [FoundryException.RateLimit] before anything is sent.
     * A bad option is a [FoundryException.Config] naming it. Opens the spend ledger when this
     * client has none yet (file IO); no network IO.
     *
     * ```kotlin
     * val bot = foundry.scope("search-bot") { models = listOf("gpt-5.4"); budget { hardUsd = 5.0; window = "day" } }
     * ```
     */
    @JvmOverloads
    fun scope(name: String, configure: ScopeOptions.() -> Unit = {}): Foundry =
        Foundry(mapErrors { native.scope(name, ScopeOptions().apply(configure).toJson()) })

    /**
     * Revokes this scoped handle: its later calls, and those of handles derived from it
     * ([scope], [withOptions]), fail with [FoundryException.Revoked] before anything is sent;
     * calls in flight finish. On a client that is no handle it throws
     * [FoundryException.InvalidRequest]. No IO.
     */
    fun revoke() = mapErrors { native.revoke() }

    /** The scope path this client's calls count for (`acme/search-bot`), when it has one. */
    val scopePath: String? get() = native.scopePath()

    /**
     * Each budget's spend in its current period, read from the spend ledger (empty without
     * budgets). Local file IO only, done on the client's IO threads: no network IO.
     */
    suspend fun spend(): List<SpendLine> = mapErrors { native.spend() }

    /** Each local rate limit (a deployment's `deployment:NAME`, a scoped handle's path) as it
     *  stands: its quota, what is available now, the calls queued. No IO. */
    fun limits(): List<LimitLine> = native.limits()

    /** Releases the native client (also done by the garbage collector). */
    override fun close() = native.close()
}
