package foundryclient

/**
 * A catalog in code, validated by the core exactly like a file.
 *
 * ```kotlin
 * val foundry = Foundry.builder()
 *     .endpoint("https://aucert-ai.cognitiveservices.azure.com/")
 *     .managedIdentity()                          // AKS: no key anywhere
 *     .deployment("gpt-5.4") { maxCompletionTokens = true; pricing(4.0, 16.0) }
 *     .deployment("Kimi-K2.6") { thinking(minMaxTokens = 100) }
 *     .route("decision", "gpt-5.4", "Kimi-K2.6")
 *     .build()
 * ```
 */
class FoundryBuilder internal constructor() {
    private var endpoint: String? = null
    private var auth: AuthSpec? = null
    private val deployments = mutableListOf<DeploymentSpec>()
    private val routes = mutableListOf<RouteSpec>()
    private var timeoutSecs: Double? = null
    private var deadlineSecs: Double? = null
    private var maxRetries: Long? = null
    private var options = FoundryOptions()

    /** The endpoint of deployments that name none (`https://<resource>.cognitiveservices.azure.com/`). */
    fun endpoint(url: String) = apply { endpoint = url }

    /** The API key of deployments that name no auth, read from [variable] when built. */
    fun apiKeyFromEnv(variable: String = "FOUNDRY_API_KEY") = apply { auth = AuthSpec.ApiKeyFromEnv(variable) }

    /** A literal API key (prefer [apiKeyFromEnv]). */
    fun apiKey(key: String) = apply { auth = AuthSpec.ApiKey(key) }

    /** Managed identity (system-assigned, or the user-assigned [clientId]). */
    fun managedIdentity(clientId: String? = null) = apply { auth = AuthSpec.ManagedIdentity(clientId) }

    /** The Entra ID chain: service principal from the environment, workload identity, managed identity, Azure CLI. */
    fun defaultCredential() = apply { auth = AuthSpec.DefaultCredential }

    /** Adds a deployment; [configure] sets its quirks and prices. */
    fun deployment(name: String, configure: DeploymentBuilder.() -> Unit = {}) = apply {
        deployments += DeploymentBuilder(name).apply(configure).spec()
    }

    /** An alias trying [deployments] in order (fallback on 429, 5xx and timeouts). */
    fun route(name: String, vararg deployments: String, fallbackOnContentFilter: Boolean = false) = apply {
        routes += RouteSpec(name, deployments.toList(), fallbackOnContentFilter)
    }

    /** Per-attempt timeout and overall deadline of one call, in seconds. */
    fun timeouts(perAttemptSecs: Double, perCallSecs: Double) = apply {
        timeoutSecs = perAttemptSecs
        deadlineSecs = perCallSecs
    }

    /** Retries after the first attempt, per deployment. */
    fun maxRetries(n: Long) = apply { maxRetries = n }

    /** Options: CA certificates, an environment map, headers, the event listener. */
    fun options(options: FoundryOptions) = apply { this.options = options }

    /** Receives one event per attempt and per call. */
    fun onEvent(listener: (FoundryEvent) -> Unit) = apply { options = options.copy(onEvent = listener) }

    /** Validates the catalog and creates the client. No IO. */
    fun build(): Foundry = Foundry.fromSpec(
        CatalogSpec(endpoint, auth, deployments.toList(), routes.toList(), timeoutSecs, deadlineSecs, maxRetries),
        options,
    )
}

/** One deployment's settings, for [FoundryBuilder.deployment]. */
class DeploymentBuilder internal constructor(private val name: String) {
    /** When it differs from the builder's endpoint. */
    var endpoint: String? = null

    /** The service's name for it, when it differs from the name callers use. */
    var deployment: String? = null

    /** `azure` (default), `v1`, `inference` or `openai`. */
    var shape: String? = null
    var apiVersion: String? = null
    var auth: AuthSpec? = null

    /** Serves only the Responses API (chat calls are translated). */
    var responsesOnly: Boolean = false

    /** Send `max_completion_tokens` (the gpt-5 family rejects `max_tokens`). */
    var maxCompletionTokens: Boolean = false
    private var thinking = false
    private var minMaxTokens: Long? = null
    private var inputPrice: Double? = null
    private var outputPrice: Double? = null
    private val tags = mutableMapOf<String, String>()

    /** A thinking model; a smaller `maxTokens` is raised to [minMaxTokens]. */
    fun thinking(minMaxTokens: Long? = null) {
        thinking = true
        this.minMaxTokens = minMaxTokens
    }

    /** USD per 1M input and output tokens. */
    fun pricing(input: Double, output: Double) {
        inputPrice = input
        outputPrice = output
    }

    fun tag(key: String, value: String) {
        tags[key] = value
    }

    internal fun spec() = DeploymentSpec(
        name = name,
        endpoint = endpoint,
        deployment = deployment,
        shape = shape,
        apiVersion = apiVersion,
        auth = auth,
        thinking = thinking,
        minMaxTokens = minMaxTokens,
        responsesOnly = responsesOnly,
        maxCompletionTokens = maxCompletionTokens,
        inputPrice = inputPrice,
        outputPrice = outputPrice,
        tags = tags.toMap(),
    )
}
