package foundryclient

import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import kotlin.time.Duration.Companion.seconds
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory

/**
 * Every vector of tests/conformance/ through the Kotlin surface, with the Rust runner's
 * semantics: concurrent, then the `serial` vectors one at a time; results compared by the
 * same subset matcher. One JUnit test per vector; none is skipped.
 */
class ConformanceTest {
    private val dir = File(System.getProperty("foundry.vectors") ?: "../tests/conformance")

    @TestFactory
    fun vectors(): List<DynamicTest> {
        val files = dir.listFiles { f -> f.extension == "json" }.orEmpty().sortedBy { it.name }
        assertTrue(files.size >= 241, "expected at least 241 vectors in $dir, found ${files.size}")
        val vectors = files.map { Json.parseToJsonElement(it.readText()).jsonObject }
        val serial = { v: JsonObject -> v["serial"]?.jsonPrimitive?.booleanOrNull == true }
        val outcomes = runBlocking(Dispatchers.Default) {
            val concurrent = vectors.filterNot(serial).map { v -> async { name(v) to guarded(v) } }.awaitAll()
            concurrent + vectors.filter(serial).map { v -> name(v) to guarded(v) }
        }.toMap()
        return vectors.map { v ->
            DynamicTest.dynamicTest(name(v)) { outcomes[name(v)]?.let { fail<Unit>(it) } }
        }
    }

    private fun name(v: JsonObject) = v.getValue("name").jsonPrimitive.content

    private fun substitute(value: JsonElement, scenario: String): JsonElement = when (value) {
        is JsonObject -> JsonObject(value.mapValues { substitute(it.value, scenario) })
        is JsonArray -> JsonArray(value.map { substitute(it, scenario) })
        is JsonPrimitive -> if (value.isString && value.content.contains("{{")) {
            JsonPrimitive(
                value.content.replace("{{endpoint}}", Emulator.endpoint)
                    .replace("{{https_endpoint}}", Emulator.httpsEndpoint)
                    .replace("{{api_key}}", Emulator.API_KEY)
                    .replace("{{ca_file}}", Emulator.caFile)
                    .replace("{{scenario}}", scenario),
            )
        } else {
            value
        }
        else -> value
    }

    private suspend fun guarded(v: JsonObject): String? =
        try {
            run(v)
        } catch (e: Exception) {
            "the runner failed: $e"
        }

    /** Null when the vector passes, else what differed. */
    private suspend fun run(raw: JsonObject): String? {
        val name = name(raw)
        val v = substitute(raw, name).jsonObject
        withContext(Dispatchers.IO) { Emulator.scenario(name, (v["scenario"] ?: JsonObject(emptyMap())).toString()) }
        val env = v["env"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content }.orEmpty()
        val call = v.getValue("call").jsonObject
        val op = call["op"]?.jsonPrimitive?.content ?: "chat"
        val request = call["request"]?.jsonObject ?: JsonObject(emptyMap())
        val started = System.nanoTime()
        val actual: Result<JsonElement> = try {
            client(v, name, env).use { base ->
                derived(base, call).use { Result.success(call(it, op, request)) }
            }
        } catch (e: FoundryException) {
            Result.failure(e)
        }
        // A correctness bound (the call ended by its deadline), not a benchmark.
        val tookMs = (System.nanoTime() - started) / 1_000_000
        v["within_ms"]?.jsonPrimitive?.doubleOrNull?.let { bound ->
            if (tookMs > bound) return "the call took $tookMs ms, more than within_ms ${bound.toLong()}"
        }
        val expect = v.getValue("expect").jsonObject
        val problem = actual.fold(
            onSuccess = { got ->
                expect["result"]?.let { want -> VectorJson.mismatch(want, got)?.let { "result mismatch at $it\nactual: $got" } }
                    ?: if (expect["result"] == null) "expected an error, got a result: $got" else null
            },
            onFailure = { e ->
                val got = VectorJson.error(e as FoundryException)
                expect["error"]?.let { want -> VectorJson.mismatch(want, got)?.let { "error mismatch at $it\nactual: $got" } }
                    ?: if (expect["error"] == null) "expected a result, got an error: $got" else null
            },
        )
        if (problem != null) return problem
        val wantRequests = v["expect_requests"] ?: return null
        val log = withContext(Dispatchers.IO) { Emulator.requests(name) }
        return VectorJson.mismatch(wantRequests, log)?.let { "requests mismatch at $it\nlog: $log" }
    }

    /**
     * The client a vector describes: from its `client` settings through the builder (the
     * README's Kotlin column) when it has them, else from its catalog or the environment, with
     * the scenario header added as the Rust runner adds it.
     */
    private fun client(v: JsonObject, name: String, env: Map<String, String>): Foundry {
        val builder = Foundry.builder().caPem(Emulator.caPem).env(env)
        val catalog = v["catalog"]?.jsonObject
        val settings = v["client"]?.jsonObject
        if (settings != null) {
            catalog?.let { builder.catalogText(it.toString(), "$name.catalog") }
            val text = { key: String -> settings[key]?.jsonPrimitive?.content }
            text("endpoint")?.let(builder::endpoint)
            text("api_key")?.let(builder::apiKey)
            text("api_version")?.let(builder::apiVersion)
            text("deployment")?.let(builder::deployment)
            settings["default_headers"]?.jsonObject?.forEach { (k, value) -> builder.defaultHeader(k, value.jsonPrimitive.content) }
            settings["timeout"]?.jsonPrimitive?.doubleOrNull?.let { builder.timeout(it.seconds) }
            settings["max_retries"]?.jsonPrimitive?.longOrNull?.let(builder::maxRetries)
            settings["token_provider"]?.let { spec ->
                builder.tokenProvider {
                    (spec as? JsonPrimitive)?.content ?: throw IllegalStateException(spec.jsonObject["error"]?.jsonPrimitive?.content)
                }
            }
            return builder.defaultHeader("x-emulator-scenario", name).build()
        }
        if (catalog == null) return builder.defaultHeader("x-emulator-scenario", name).build()
        val withHeader = if (catalog.containsKey("model_list")) {
            catalog
        } else {
            val defaults = catalog["defaults"]?.jsonObject.orEmpty()
            val headers = defaults["headers"]?.jsonObject.orEmpty() + ("x-emulator-scenario" to JsonPrimitive(name))
            JsonObject(catalog + ("defaults" to JsonObject(defaults + ("headers" to JsonObject(headers)))))
        }
        return builder.catalogText(withHeader.toString(), "$name.catalog").build()
    }

    /** `call.with_options`: the client the call is made on, derived with [Foundry.withOptions]. */
    private fun derived(client: Foundry, call: JsonObject): Foundry {
        val o = call["with_options"]?.jsonObject ?: return client
        return client.withOptions(
            defaultHeaders = o["default_headers"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content }.orEmpty(),
            timeout = o["timeout"]?.jsonPrimitive?.doubleOrNull?.seconds,
            maxRetries = o["max_retries"]?.jsonPrimitive?.longOrNull,
        )
    }

    private suspend fun call(client: Foundry, op: String, request: JsonObject): JsonElement {
        val model = request["model"]?.jsonPrimitive?.content ?: ""
        val headers = request["extra_headers"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content }.orEmpty()
        val timeout = request["timeout"]?.jsonPrimitive?.doubleOrNull
        val streamTimeout = request["stream_timeout"]?.jsonPrimitive?.doubleOrNull
        val params = JsonObject(request - setOf("model", "extra_headers", "timeout", "stream_timeout")).toString()
        val chat = {
            ChatRequest(model = model, paramsJson = params, extraHeaders = headers, timeoutSecs = timeout, streamTimeoutSecs = streamTimeout)
        }
        val responses = {
            ResponsesRequest(model = model, paramsJson = params, extraHeaders = headers, timeoutSecs = timeout, streamTimeoutSecs = streamTimeout)
        }
        return when (op) {
            "chat" -> VectorJson.chat(client.chat(chat()))
            "responses" -> VectorJson.chat(client.responses(responses()))
            "chat_stream", "responses_stream" -> {
                val stream = if (op == "chat_stream") client.openChatStream(chat()) else client.openResponsesStream(responses())
                stream.use {
                    var count = 0
                    while (it.next() != null) count++
                    VectorJson.stream(it.result, count)
                }
            }
            "embeddings" -> VectorJson.embeddings(
                client.embeddings(EmbeddingsRequest(model = model, paramsJson = params, extraHeaders = headers, timeoutSecs = timeout)),
            )
            "info" -> Json.parseToJsonElement(client.info(model))
            "smoke" -> VectorJson.smoke(client.smoke())
            "load_catalog" -> JsonObject(mapOf("deployments" to JsonArray(client.deployments().map { JsonPrimitive(it.name) })))
            else -> error("unknown op $op")
        }
    }
}
