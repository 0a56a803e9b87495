package foundryclient

import kotlin.math.abs
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.longOrNull

/**
 * The Kotlin results written back in the vectors' JSON (tests/conformance/README.md), from
 * the data classes' fields: a field the Kotlin surface lacks fails the vectors that check it.
 */
object VectorJson {
    private fun obj(vararg pairs: Pair<String, Any?>): JsonObject = JsonObject(pairs.associate { (k, v) -> k to of(v) })

    private fun of(v: Any?): JsonElement = when (v) {
        null -> JsonNull
        is JsonElement -> v
        is String -> JsonPrimitive(v)
        is Number -> JsonPrimitive(v)
        is Boolean -> JsonPrimitive(v)
        is List<*> -> JsonArray(v.map(::of))
        else -> error("no JSON for ${v::class}")
    }

    private fun raw(text: String): JsonElement = Json.parseToJsonElement(text)

    fun usage(u: Usage) = obj(
        "input_tokens" to u.inputTokens, "cached_input_tokens" to u.cachedInputTokens,
        "output_tokens" to u.outputTokens, "reasoning_tokens" to u.reasoningTokens, "total_tokens" to u.totalTokens,
    )

    fun contentFilter(r: ContentFilterReport) = obj(
        "filtered" to r.filtered,
        "categories" to r.categories,
        "results" to r.results.map {
            obj(
                "source" to it.source, "index" to it.index, "category" to it.category, "filtered" to it.filtered,
                "severity" to it.severity, "detected" to it.detected,
            )
        },
    )

    fun attempt(a: Attempt) = obj(
        "deployment" to a.deployment, "api" to a.api, "status" to a.status, "error" to a.error,
        "latency_ms" to a.latencyMs, "fallback" to a.fallback,
    )

    fun chat(r: ChatResult) = obj(
        "id" to r.id, "model" to r.model, "deployment" to r.deployment, "api" to r.api, "text" to r.text,
        "reasoning" to r.reasoning,
        "tool_calls" to r.toolCalls.map { obj("id" to it.id, "name" to it.name, "arguments" to it.arguments) },
        "finish_reason" to r.finishReason, "usage" to usage(r.usage), "content_filter" to contentFilter(r.contentFilter),
        "cost_usd" to r.costUsd, "attempts" to r.attempts, "tried" to r.tried.map(::attempt),
        "request_id" to r.requestId, "raw" to raw(r.rawJson),
    )

    fun stream(r: ChatResult?, chunks: Int): JsonElement {
        val base = r?.let { chat(it) } ?: JsonObject(emptyMap())
        return JsonObject(base + ("chunk_count" to JsonPrimitive(chunks)))
    }

    fun embeddings(r: EmbeddingsResult) = obj(
        "model" to r.model, "deployment" to r.deployment,
        "data" to r.data.map { obj("index" to it.index, "embedding" to (it.base64 ?: it.vector)) },
        "usage" to usage(r.usage), "cost_usd" to r.costUsd, "attempts" to r.attempts,
        "tried" to r.tried.map(::attempt), "request_id" to r.requestId, "raw" to raw(r.rawJson),
    )

    fun smoke(results: List<SmokeResult>) = obj(
        "deployments" to results.map {
            obj(
                "deployment" to it.deployment, "ok" to it.ok, "status" to it.status, "api" to it.api,
                "latency_ms" to it.latencyMs, "usage" to usage(it.usage), "cost_usd" to it.costUsd,
                "error" to it.error, "hint" to it.hint,
            )
        },
    )

    /** The exception's `cause` chain as the vectors write it: `{"message", "cause"}`. */
    private fun cause(t: Throwable?): JsonElement =
        t?.let { obj("message" to it.message, "cause" to cause(it.cause)) } ?: JsonNull

    fun error(e: FoundryException) = obj(
        "kind" to e.kindName, "message" to e.info.message, "cause" to cause(e.cause), "hint" to e.hint, "status" to e.status, "code" to e.code,
        "deployment" to e.deployment, "request_id" to e.requestId, "retryable" to e.retryable,
        "retry_after_ms" to e.retryAfter?.inWholeMilliseconds, "categories" to e.categories,
        "content_filter" to e.contentFilter?.let(::contentFilter), "attempts" to e.attempts.map(::attempt),
    )

    /** The vectors' subset matcher (core/tests/common/matcher.rs): null when [actual] satisfies [want]. */
    fun mismatch(want: JsonElement, actual: JsonElement, path: String = "$"): String? {
        val fail = "$path: want $want, got $actual"
        return when {
            want is JsonObject && want.keys.any { it.startsWith("$") } -> {
                for ((op, arg) in want) {
                    val ok = when (op) {
                        "\$contains" -> actual.str()?.let { a -> arg.str()?.let { a.contains(it) } } == true
                        "\$gte" -> actual.num()?.let { a -> arg.num()?.let { a >= it - 1e-9 } } == true
                        "\$lte" -> actual.num()?.let { a -> arg.num()?.let { a <= it + 1e-9 } } == true
                        "\$absent" -> actual is JsonNull
                        "\$len" -> {
                            val len = when {
                                actual is JsonArray -> actual.size.toLong()
                                actual.str() != null -> actual.str()!!.codePointCount(0, actual.str()!!.length).toLong()
                                else -> null
                            }
                            len != null && len == (arg as? JsonPrimitive)?.longOrNull
                        }
                        else -> return "$path: unknown matcher $op"
                    }
                    if (!ok) return fail
                }
                null
            }
            want is JsonObject -> {
                for ((key, sub) in want) {
                    val child = (actual as? JsonObject)?.get(key)
                    if (child == null && !(sub is JsonNull || (sub is JsonObject && sub.containsKey("\$absent")))) {
                        return "$path.$key: missing (want $sub)"
                    }
                    mismatch(sub, child ?: JsonNull, "$path.$key")?.let { return it }
                }
                null
            }
            want is JsonArray -> {
                if (actual !is JsonArray) return fail
                if (actual.size != want.size) return "$path: want ${want.size} items, got ${actual.size}: $actual"
                want.indices.firstNotNullOfOrNull { i -> mismatch(want[i], actual[i], "$path[$i]") }
            }
            want is JsonPrimitive && !want.isString && want.doubleOrNull != null && want.booleanOrNull == null -> {
                val a = actual.num()
                if (a != null && abs(a - want.doubleOrNull!!) <= 1e-9) null else fail
            }
            want == actual -> null
            else -> fail
        }
    }

    private fun JsonElement.str(): String? = (this as? JsonPrimitive)?.takeIf { it.isString }?.content

    private fun JsonElement.num(): Double? =
        (this as? JsonPrimitive)?.takeIf { !it.isString && it.booleanOrNull == null }?.doubleOrNull
}
