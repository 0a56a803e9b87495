package foundryclient

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * Options every constructor takes.
 *
 * @property caPem extra PEM CA certificates to trust (a proxy, or the emulator's https port).
 * @property env variables used instead of the process environment, for `${NAME}` in catalogs,
 *   for [Foundry.fromEnvironment], and for credentials (`IDENTITY_ENDPOINT`, `AZURE_CLIENT_ID`, ...).
 * @property headers headers sent with every request, on top of the catalog's.
 * @property onEvent receives one event per HTTP attempt and per finished call, on the client's
 *   IO threads: keep it quick. An exception it throws is dropped.
 */
data class FoundryOptions(
    val caPem: String? = null,
    val env: Map<String, String>? = null,
    val headers: Map<String, String> = emptyMap(),
    val onEvent: ((FoundryEvent) -> Unit)? = null,
) {
    internal fun settings() = ClientSettings(caPem = caPem, env = env, headers = headers)

    internal fun listener(): EventListener? = onEvent?.let { callback ->
        object : EventListener {
            override fun onEvent(event: FoundryEvent) {
                try {
                    callback(event)
                } catch (_: Exception) {
                    // An observer's bug must not fail the call it observes.
                }
            }
        }
    }
}

/**
 * The client: one Rust core (routing, auth, retries, normalization) behind suspend functions.
 * Thread-safe and cheap to share: create one per process. Calls suspend, never block a thread,
 * so they are safe in a Ktor handler; cancelling the calling coroutine aborts the HTTP request.
 *
 * ```kotlin
 * val foundry = Foundry.fromConfig("foundry.yaml")     // or Foundry.fromEnvironment()
 * val r = foundry.chat(ChatRequest(model = "gpt-5.4", messages = listOf(ChatMessage.user("Hi"))))
 * println("${r.text} ${r.usage.totalTokens} tokens, $${r.costUsd}")
 * ```
 */
class Foundry private constructor(private val native: NativeClient) : AutoCloseable {
    companion object {
        /** A client over a YAML/JSON catalog file (native or LiteLLM format). File IO only. */
        @JvmStatic
        @JvmOverloads
        fun fromConfig(path: String, options: FoundryOptions = FoundryOptions()): Foundry =
            Foundry(mapErrors { NativeClient.fromConfig(path, options.settings(), options.listener()) })

        /**
         * A client from `FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY` (or `AZURE_OPENAI_ENDPOINT` /
         * `AZURE_OPENAI_API_KEY` / `OPENAI_API_VERSION`). Without a key, managed identity (and the
         * rest of the Entra ID chain) authenticates: the AKS path needs no secret. No IO.
         */
        @JvmStatic
        @JvmOverloads
        fun fromEnvironment(options: FoundryOptions = FoundryOptions()): Foundry =
            Foundry(mapErrors { NativeClient.fromEnvironment(options.settings(), options.listener()) })

        /** A client over catalog text (YAML or JSON); [origin] names it in errors. No IO. */
        @JvmStatic
        @JvmOverloads
        fun fromCatalog(text: String, origin: String = "catalog", options: FoundryOptions = FoundryOptions()): Foundry =
            Foundry(mapErrors { NativeClient.fromCatalogText(text, origin, options.settings(), options.listener()) })

        /** Builds the catalog in code: `Foundry.builder().endpoint(...).deployment(...).build()`. */
        @JvmStatic
        fun builder(): FoundryBuilder = FoundryBuilder()

        internal fun fromSpec(spec: CatalogSpec, options: FoundryOptions): Foundry =
            Foundry(mapErrors { NativeClient.fromSpec(spec, options.settings(), options.listener()) })
    }

    /** A chat completion; `model` is a deployment or a route alias. Network IO. */
    suspend fun chat(request: ChatRequest): ChatResult = mapErrors { native.chat(request) }

    /** A chat completion of [messages]. Network IO. */
    suspend fun chat(model: String, vararg messages: ChatMessage, maxTokens: Long? = null): ChatResult =
        chat(ChatRequest(model = model, messages = messages.toList(), maxTokens = maxTokens))

    /** A Responses-API call, normalized like [chat]. Network IO. */
    suspend fun responses(request: ResponsesRequest): ChatResult = mapErrors { native.responses(request) }

    /** Embeddings. Network IO. */
    suspend fun embeddings(request: EmbeddingsRequest): EmbeddingsResult =
        mapErrors { native.embeddings(request) }

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
        FoundryStream(mapErrors { native.openChatStream(request) })

    /** Opens a streamed Responses-API call. */
    suspend fun openResponsesStream(request: ResponsesRequest): FoundryStream =
        FoundryStream(mapErrors { native.openResponsesStream(request) })

    /** Pings every deployment concurrently; each reports its own outcome in the list. Network IO. */
    suspend fun smoke(): List<SmokeResult> = mapErrors { native.smoke() }

    /** The model-inference endpoint's `/info` for a deployment, as JSON text. Network IO. */
    suspend fun info(model: String): String = mapErrors { native.info(model) }

    /** The catalog's deployments with what the client has learned applied. No IO. */
    fun deployments(): List<DeploymentInfo> = mapErrors { native.deployments() }

    /** Releases the native client (also done by the garbage collector). */
    override fun close() = native.close()
}
