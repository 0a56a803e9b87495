package foundryclient

import kotlin.properties.ReadWriteProperty
import kotlin.reflect.KProperty

@DslMarker
annotation class CatalogDsl

/**
 * One object of the catalog file format. Each property is the file's key of the name given to
 * [key]; the builder only writes the file's value (JSON) and the core validates it like a file,
 * so every range, default and message is the core's. [set] reaches a key by its file name.
 */
@CatalogDsl
abstract class CatalogObject internal constructor() {
    internal val values = linkedMapOf<String, Any?>()

    /** Sets [key] as the catalog file spells it (for a key newer than this builder). */
    fun set(key: String, value: Any?) {
        values[key] = value
    }

    @Suppress("UNCHECKED_CAST")
    protected fun <T> key(name: String) = object : ReadWriteProperty<CatalogObject, T?> {
        override fun getValue(thisRef: CatalogObject, property: KProperty<*>): T? = values[name] as T?

        override fun setValue(thisRef: CatalogObject, property: KProperty<*>, value: T?) {
            if (value == null) values.remove(name) else values[name] = value
        }
    }

    @Suppress("UNCHECKED_CAST")
    protected fun <T : CatalogObject> child(name: String, make: () -> T, configure: T.() -> Unit) {
        ((values[name] as? T) ?: make().also { values[name] = it }).configure()
    }

    @Suppress("UNCHECKED_CAST")
    protected fun <T : CatalogObject> item(name: String, made: T) {
        (values.getOrPut(name) { mutableListOf<Any?>() } as MutableList<Any?>) += made
    }

    internal fun toJson(): String = StringBuilder().also { write(this, it) }.toString()
}

/** The whole catalog: `defaults`, `deployments`, `routes`, `governance`. */
class CatalogBuilder internal constructor() : CatalogObject() {
    /** The settings every deployment shares unless it sets its own. */
    fun defaults(configure: DefaultsBuilder.() -> Unit) = child("defaults", ::DefaultsBuilder, configure)

    /** Adds a deployment; [name] is what callers pass as `model`. */
    fun deployment(name: String, configure: DeploymentBuilder.() -> Unit = {}) =
        item("deployments", DeploymentBuilder().apply { this.name = name }.apply(configure))

    /** An alias trying [deployments] in order (fallback on 429, 5xx and timeouts). */
    fun route(name: String, vararg deployments: String, fallbackOnContentFilter: Boolean = false) =
        item("routes", RouteBuilder().apply {
            this.name = name
            this.deployments = deployments.toList()
            this.fallbackOnContentFilter = fallbackOnContentFilter
        })

    /** Budgets, policies, rate limits and the spend ledger. */
    fun governance(configure: GovernanceBuilder.() -> Unit) = child("governance", ::GovernanceBuilder, configure)
}

/** The keys a deployment and the defaults share. */
abstract class EndpointSettings internal constructor() : CatalogObject() {
    var endpoint: String? by key("endpoint")

    /** `azure` (default), `v1`, `inference` or `openai`. */
    var shape: String? by key("shape")
    var apiVersion: String? by key("api_version")
    var responsesApiVersion: String? by key("responses_api_version")

    /** The model-inference endpoint's `extra-parameters`: `error`, `pass-through` or `drop`. */
    var extraParameters: String? by key("extra_parameters")

    /** Headers sent with every request. */
    var headers: Map<String, String>? by key("headers")

    /** How requests authenticate. */
    fun auth(configure: AuthBuilder.() -> Unit) = child("auth", ::AuthBuilder, configure)
}

/** `defaults`: what every deployment uses unless it says otherwise. */
class DefaultsBuilder internal constructor() : EndpointSettings() {
    /** Per-attempt timeout, seconds. */
    var timeoutSecs: Double? by key("timeout_secs")

    /** Overall deadline of one call, retries and fallbacks included, seconds. */
    var deadlineSecs: Double? by key("deadline_secs")

    fun retry(configure: RetryBuilder.() -> Unit) = child("retry", ::RetryBuilder, configure)
    fun limits(configure: LimitsBuilder.() -> Unit) = child("limits", ::LimitsBuilder, configure)
    fun tokenFetch(configure: TokenFetchBuilder.() -> Unit) = child("token_fetch", ::TokenFetchBuilder, configure)
    fun retryBudget(configure: RetryBudgetBuilder.() -> Unit) = child("retry_budget", ::RetryBudgetBuilder, configure)
    fun circuitBreaker(configure: CircuitBreakerBuilder.() -> Unit) =
        child("circuit_breaker", ::CircuitBreakerBuilder, configure)
}

/** One deployment; unset keys take the defaults. */
class DeploymentBuilder internal constructor() : EndpointSettings() {
    /** What callers pass as `model`. */
    var name: String? by key("name")

    /** The service's name for it, when it differs from [name]. */
    var deployment: String? by key("deployment")
    var model: String? by key("model")

    /** A thinking model (answer in `reasoning_content` first). */
    var thinking: Boolean? by key("thinking")

    /** Serves only the Responses API (chat calls are translated). */
    var responsesOnly: Boolean? by key("responses_only")

    /** `max_tokens` (default) or `max_completion_tokens` (the gpt-5 family). */
    var maxTokensParam: String? by key("max_tokens_param")

    /** For thinking models: a smaller `maxTokens` is raised to this. */
    var minMaxTokens: Long? by key("min_max_tokens")

    /** The deployment's tokens and requests per minute (`governance.rate_limits` paces to them). */
    var tpm: Long? by key("tpm")
    var rpm: Long? by key("rpm")
    var tags: Map<String, String>? by key("tags")

    /** Retry a request that was sent but never answered (it may be billed twice). */
    var retryAfterSend: Boolean? by key("retry_after_send")

    /** USD per 1M tokens; [cachedInput] defaults to [input]. */
    fun pricing(input: Double? = null, output: Double? = null, cachedInput: Double? = null) =
        child("pricing", ::PricingBuilder) {
            this.input = input
            this.output = output
            this.cachedInput = cachedInput
        }
}

class PricingBuilder internal constructor() : CatalogObject() {
    var input: Double? by key("input")
    var cachedInput: Double? by key("cached_input")
    var output: Double? by key("output")
}

/** `auth`: an API key, Entra ID (any credential), or none. */
class AuthBuilder internal constructor() : CatalogObject() {
    /** `api_key`, `entra`, `key_vault` or `none`. */
    var type: String? by key("type")

    /** `api_key`: the key itself (prefer [env]: keys in code leak), or `keyvault://<vault>/<secret>`. */
    var key: String? by key("key")

    /** `api_key`: the variable holding the key. */
    var env: String? by key("env")

    /** `entra`: `default`, `client_secret`, `workload_identity`, `managed_identity`, `azure_cli`. */
    var credential: String? by key("credential")
    var tenantId: String? by key("tenant_id")
    var clientId: String? by key("client_id")

    /** `client_secret`: the variable holding the secret (else `AZURE_CLIENT_SECRET`). */
    var clientSecretEnv: String? by key("client_secret_env")
    var federatedTokenFile: String? by key("federated_token_file")
    var authorityHost: String? by key("authority_host")
    var scope: String? by key("scope")
    var caFile: String? by key("ca_file")

    /** `key_vault`: the vault (a name, `host[:port]` or an https URL) holding the API key. */
    var vault: String? by key("vault")

    /** `key_vault`: the secret's name. */
    var secret: String? by key("secret")

    /** `key_vault`: seconds between reads of the secret (a 401 also causes one); 300 by default. */
    var refreshSecs: Long? by key("refresh_secs")

    fun apiKey(key: String) = apply { type = "api_key"; this.key = key }
    fun apiKeyFromEnv(variable: String = "FOUNDRY_API_KEY") = apply { type = "api_key"; env = variable }
    fun managedIdentity(clientId: String? = null) = entra("managed_identity") { this.clientId = clientId }
    fun defaultCredential() = entra("default") {}
    fun azureCli() = entra("azure_cli") {}
    fun clientSecret(tenantId: String, clientId: String, secretEnv: String? = null) =
        entra("client_secret") { this.tenantId = tenantId; this.clientId = clientId; clientSecretEnv = secretEnv }
    fun workloadIdentity(tenantId: String? = null, clientId: String? = null, tokenFile: String? = null) =
        entra("workload_identity") { this.tenantId = tenantId; this.clientId = clientId; federatedTokenFile = tokenFile }
    fun none() = apply { type = "none" }

    /** The API key read from Key Vault with the default credential chain (set [credential] etc. for another). */
    fun keyVault(vault: String, secret: String) = apply { type = "key_vault"; this.vault = vault; this.secret = secret }

    private fun entra(kind: String, configure: AuthBuilder.() -> Unit) = apply {
        type = "entra"
        credential = kind
        configure()
    }
}

class RetryBuilder internal constructor() : CatalogObject() {
    var maxRetries: Long? by key("max_retries")
    var baseDelayMs: Long? by key("base_delay_ms")
    var maxDelayMs: Long? by key("max_delay_ms")
    var maxServerWaitMs: Long? by key("max_server_wait_ms")
}

class LimitsBuilder internal constructor() : CatalogObject() {
    var maxBodyBytes: Long? by key("max_body_bytes")
    var maxErrorBodyBytes: Long? by key("max_error_body_bytes")
    var maxStreamBytes: Long? by key("max_stream_bytes")
}

class TokenFetchBuilder internal constructor() : CatalogObject() {
    var timeoutSecs: Double? by key("timeout_secs")
    var failureMemoryMs: Long? by key("failure_memory_ms")
    var maxRetryAfterSecs: Double? by key("max_retry_after_secs")
}

class RetryBudgetBuilder internal constructor() : CatalogObject() {
    var enabled: Boolean? by key("enabled")
    var capacity: Long? by key("capacity")
    var retryCost: Long? by key("retry_cost")
    var timeoutCost: Long? by key("timeout_cost")
    var refill: Long? by key("refill")
}

class CircuitBreakerBuilder internal constructor() : CatalogObject() {
    var enabled: Boolean? by key("enabled")
    var failureThreshold: Long? by key("failure_threshold")
    var cooldownMs: Long? by key("cooldown_ms")
}

class RouteBuilder internal constructor() : CatalogObject() {
    var name: String? by key("name")
    var deployments: List<String>? by key("deployments")
    var fallbackOnContentFilter: Boolean? by key("fallback_on_content_filter")
}

/** `governance`: budgets, policies, queued rate limits, and where spend is recorded. */
class GovernanceBuilder internal constructor() : CatalogObject() {
    /** This client's scope (`team:search`, ...). */
    var scope: String? by key("scope")

    /** The SQLite ledger file shared by processes (the short form of [store]). */
    var ledger: String? by key("ledger")

    /** Where spend is kept: `memory`, `sqlite` (one machine) or `redis` (a fleet). */
    fun store(configure: StoreBuilder.() -> Unit) = child("store", ::StoreBuilder, configure)

    /** The output bound reserved for a call that sets no `max_tokens`. */
    var outputBound: Long? by key("output_bound")

    /** Pace each deployment to its `tpm`/`rpm`. */
    var rateLimits: Boolean? by key("rate_limits")

    fun budget(configure: BudgetBuilder.() -> Unit) = item("budgets", BudgetBuilder().apply(configure))
    fun policy(configure: PolicyBuilder.() -> Unit) = item("policies", PolicyBuilder().apply(configure))

    /** A scope declared in the catalog (a gateway's virtual key): our keys, or LiteLLM's. */
    fun declareScope(configure: ScopeBuilder.() -> Unit) = item("scopes", ScopeBuilder().apply(configure))
}

/** `governance.store`: the spend ledger, and how a fleet of processes shares it on Redis. */
class StoreBuilder internal constructor() : CatalogObject() {
    /** `memory`, `sqlite` or `redis`. */
    var type: String? by key("type")

    /** `sqlite`: the ledger file (the embedded ledger when unset). */
    var path: String? by key("path")

    /** `redis`: `redis://HOST:PORT/DB` (a password in it is never shown). */
    var url: String? by key("url")

    /** `redis`: every key's hash tag, one per fleet (`foundry` when unset). */
    var prefix: String? by key("prefix")

    /** How long a dead process's reservation still counts past its call's deadline. */
    var leaseSecs: Long? by key("lease_secs")

    /** `redis`: `fail_closed` (the default: while the server does not answer, a call under a
     *  hard budget fails with [FoundryException.StoreUnavailable], unsent) or `local` (limits /
     *  [fleetSize] per process, with a [FoundryEvent.Store] each way). */
    var onUnreachable: String? by key("on_unreachable")
    var fleetSize: Long? by key("fleet_size")

    /** Soft alerts are also POSTed (JSON) to this URL. */
    var alertWebhook: String? by key("alert_webhook")
}

/** `governance.scopes[]`: a scope's approved models, budget, rate limits and tags. A LiteLLM key
 *  definition's fields (`keyAlias`, `maxBudget`, `softBudget`, `budgetDuration`, `rpmLimit`,
 *  `tpmLimit`) are accepted instead of ours. */
class ScopeBuilder internal constructor() : CatalogObject() {
    /** The scope's path (`acme/search`). */
    var name: String? by key("name")
    var models: List<String>? by key("models")
    var rpm: Long? by key("rpm")
    var tpm: Long? by key("tpm")

    /** Added to the result events of the scope's calls. */
    var tags: Map<String, String>? by key("tags")
    var keyAlias: String? by key("key_alias")
    var maxBudget: Double? by key("max_budget")
    var softBudget: Double? by key("soft_budget")

    /** `30d`, `12h`, `30m`, `30s` (rolling) or `1mo` (the calendar month). */
    var budgetDuration: String? by key("budget_duration")
    var rpmLimit: Long? by key("rpm_limit")
    var tpmLimit: Long? by key("tpm_limit")

    fun budget(configure: ScopeBudgetBuilder.() -> Unit) = child("budget", ::ScopeBudgetBuilder, configure)
}

class ScopeBudgetBuilder internal constructor() : CatalogObject() {
    var hardUsd: Double? by key("hard_usd")

    /** `day`, `week`, `month` (the default), `total`, or a rolling `30m` / `12h` / `30d`. */
    var window: String? by key("window")
    var timeZone: String? by key("time_zone")

    /** Alert thresholds as fractions of the cap (0.8). */
    var soft: List<Double>? by key("soft")
}

class BudgetBuilder internal constructor() : CatalogObject() {
    var scope: String? by key("scope")

    /** `day`, `week` or `month`. */
    var window: String? by key("window")
    var timeZone: String? by key("time_zone")
    var hardUsd: Double? by key("hard_usd")

    /** Alert thresholds as fractions of the cap (0.8). */
    var soft: List<Double>? by key("soft")
}

class PolicyBuilder internal constructor() : CatalogObject() {
    var scope: String? by key("scope")
    var approved: List<String>? by key("approved")
    var maxPromptTokens: Long? by key("max_prompt_tokens")
    var requireHeader: String? by key("require_header")
}

/** JSON. NaN and the infinities have no JSON number: they are written as strings, which the
 *  core refuses naming the key (a YAML `.nan` would be read as "not set"). */
private fun write(value: Any?, out: StringBuilder) {
    when (value) {
        null -> out.append("null")
        is CatalogObject -> write(value.values, out)
        is Map<*, *> -> {
            out.append('{')
            value.entries.forEachIndexed { i, (k, v) ->
                if (i > 0) out.append(',')
                write(k.toString(), out)
                out.append(':')
                write(v, out)
            }
            out.append('}')
        }
        is Iterable<*> -> {
            out.append('[')
            value.forEachIndexed { i, v ->
                if (i > 0) out.append(',')
                write(v, out)
            }
            out.append(']')
        }
        is String -> {
            out.append('"')
            for (c in value) {
                when {
                    c == '"' -> out.append("\\\"")
                    c == '\\' -> out.append("\\\\")
                    c < ' ' -> out.append("\\u%04x".format(c.code))
                    else -> out.append(c)
                }
            }
            out.append('"')
        }
        is Double -> if (value.isFinite()) out.append(value.toString()) else write(value.toString(), out)
        is Number, is Boolean -> out.append(value.toString())
        else -> write(value.toString(), out)
    }
}
