package foundryclient

import kotlin.time.Duration
import kotlin.time.DurationUnit

/**
 * Every setting of a client, converted into the core's `ClientSettings`: the core applies one
 * precedence rule and one validation, and its messages are the ones a caller sees.
 *
 * ```kotlin
 * // The environment catalog, described in code (no catalog file):
 * val foundry = Foundry.builder()
 *     .endpoint("https://aucert-ai.cognitiveservices.azure.com/")
 *     .tokenProvider { myCredential.token() }      // or .apiKey(...); neither: the Entra ID chain
 *     .defaultHeader("x-team", "search")
 *     .timeout(30.seconds)
 *     .build()
 *
 * // A catalog written in code, validated exactly like a file:
 * val routed = Foundry.builder()
 *     .catalog {
 *         defaults { endpoint = "https://aucert-ai.cognitiveservices.azure.com/"; auth { managedIdentity() } }
 *         deployment("gpt-5.4") { maxTokensParam = "max_completion_tokens"; pricing(input = 4.0, output = 16.0) }
 *         deployment("Kimi-K2.6") { thinking = true; minMaxTokens = 100 }
 *         route("decision", "gpt-5.4", "Kimi-K2.6")
 *     }
 *     .build()
 * ```
 */
class FoundryBuilder internal constructor() {
    private var settings = ClientSettings()
    private var onEvent: ((FoundryEvent) -> Unit)? = null
    private var tokenProvider: (suspend () -> String)? = null

    private fun set(change: ClientSettings.() -> ClientSettings) = apply { settings = settings.change() }

    /** The catalog is this YAML or JSON file (native format or LiteLLM's `model_list`). */
    fun config(path: String) = set { copy(catalog = CatalogSource.File(path)) }

    /** The catalog is this YAML or JSON text; [origin] names it in errors. */
    @JvmOverloads
    fun catalogText(text: String, origin: String = "catalog") = set { copy(catalog = CatalogSource.Text(text, origin)) }

    /** The catalog is written in code ([CatalogBuilder]); the core validates it like a file. */
    fun catalog(configure: CatalogBuilder.() -> Unit) =
        catalogText(CatalogBuilder().apply(configure).toJson(), "Foundry.builder().catalog")

    /** The environment catalog's endpoint, in place of `FOUNDRY_ENDPOINT` (not with a catalog). */
    fun endpoint(url: String) = set { copy(endpoint = url) }

    /** The environment catalog's key, in place of `FOUNDRY_API_KEY` (not with a catalog). */
    fun apiKey(key: String) = set { copy(apiKey = key) }

    /** The environment catalog's api-version, in place of `OPENAI_API_VERSION`. */
    fun apiVersion(version: String) = set { copy(apiVersion = version) }

    /** Every call goes to this deployment or route, whatever `model` it names. */
    fun deployment(name: String) = set { copy(deployment = name) }

    /** A header sent with every request, over the catalog's header of the same name. */
    fun defaultHeader(name: String, value: String) = set { copy(defaultHeaders = defaultHeaders + (name to value)) }

    /** The deadline of each call, retries included. */
    fun timeout(timeout: Duration) = set { copy(timeoutSecs = timeout.toDouble(DurationUnit.SECONDS)) }

    /** Retries after the first attempt, per deployment (each retry is a billed request). */
    fun maxRetries(n: Long) = set { copy(maxRetries = n) }

    /** Variables used instead of the process environment (`${NAME}` in catalogs, credentials). */
    fun env(variables: Map<String, String>) = set { copy(env = variables) }

    /** Extra PEM CA certificates to trust (a proxy, or the emulator's https port). */
    fun caPem(pem: String) = set { copy(caPem = pem) }

    /**
     * The bearer token of every Entra ID deployment (openai's `azure_ad_token_provider`), asked
     * before each attempt: cache it yourself. An exception it throws fails the call with
     * [FoundryException.Credential], the exception's message as its cause.
     */
    fun tokenProvider(provider: suspend () -> String) = apply { tokenProvider = provider }

    /** Receives one event per attempt and per call, on the client's IO threads: keep it quick.
     *  An exception it throws is dropped. */
    fun onEvent(listener: (FoundryEvent) -> Unit) = apply { onEvent = listener }

    /** Resolves and validates the settings and creates the client. File IO at most. */
    fun build(): Foundry {
        val native = mapErrors { NativeClient(settings, listener(), tokenSource()) }
        // The first client sets the export up (from OTEL_*): from then on it is known.
        TelemetryShutdown.armIfExporting()
        return Foundry(native)
    }

    private fun listener(): EventListener? = onEvent?.let { callback ->
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

    private fun tokenSource(): TokenSource? = tokenProvider?.let { provider ->
        object : TokenSource {
            override suspend fun token(): TokenAnswer =
                try {
                    TokenAnswer.Token(provider())
                } catch (e: kotlinx.coroutines.CancellationException) {
                    throw e
                } catch (e: Exception) {
                    TokenAnswer.Failed(generateSequence<Throwable>(e) { it.cause }.take(16).map { it.message ?: it.toString() }.toList())
                }
        }
    }
}
