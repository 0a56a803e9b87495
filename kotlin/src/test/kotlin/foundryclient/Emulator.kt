package foundryclient

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.TimeUnit
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/**
 * One `foundry-emulator` process for the whole test run (started on first use, stopped at JVM
 * exit), with the conformance vectors' config, and its control endpoints.
 */
object Emulator {
    const val API_KEY = "emulator-key-0000"

    private val process: Process
    val endpoint: String
    val httpsEndpoint: String
    val caFile: String
    val caPem: String
    private val http = HttpClient.newHttpClient()

    init {
        val bin = System.getProperty("foundry.emulator") ?: "../target/debug/foundry-emulator"
        val vectors = System.getProperty("foundry.vectors") ?: "../tests/conformance"
        process = ProcessBuilder(bin, "--config", "$vectors/emulator.yaml")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        Runtime.getRuntime().addShutdownHook(Thread { process.destroy(); process.waitFor(5, TimeUnit.SECONDS) })
        val line = process.inputStream.bufferedReader().readLine()
            ?: error("the emulator ($bin) printed nothing")
        val info = Json.parseToJsonElement(line).jsonObject
        endpoint = info.getValue("endpoint").jsonPrimitive.content
        httpsEndpoint = info.getValue("https_endpoint").jsonPrimitive.content
        caFile = info.getValue("ca_file").jsonPrimitive.content
        caPem = File(caFile).readText()
    }

    /** Registers (or resets) a scenario: its fault scripts and limits. */
    fun scenario(name: String, spec: String = "{}") {
        val request = HttpRequest.newBuilder(URI.create("${endpoint}_emulator/scenarios/$name"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(spec))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "scenario $name refused: ${response.body()}" }
    }

    /** The scenario's request log. */
    fun requests(name: String): JsonElement {
        val request = HttpRequest.newBuilder(URI.create("${endpoint}_emulator/scenarios/$name/requests")).GET().build()
        return Json.parseToJsonElement(http.send(request, HttpResponse.BodyHandlers.ofString()).body())
    }

    /** What the emulator's OTLP receiver holds: `{"spans": [...], "metrics": [...], "requests": {...}}`. */
    fun otlp(): JsonElement {
        val request = HttpRequest.newBuilder(URI.create("${endpoint}_emulator/otlp")).GET().build()
        return Json.parseToJsonElement(http.send(request, HttpResponse.BodyHandlers.ofString()).body())
    }

    /** A catalog (YAML) of the emulator's deployments, sending [scenario]'s header. */
    fun catalog(scenario: String, key: String = API_KEY, maxRetries: Int = 0): String = """
        defaults:
          endpoint: $endpoint
          auth: {type: api_key, key: "$key"}
          retry: {max_retries: $maxRetries, base_delay_ms: 10}
          headers: {x-emulator-scenario: "$scenario"}
        deployments:
          - {name: DeepSeek-V3.2, pricing: {input: 0.14, output: 0.42}}
          - {name: Kimi-K2.6, thinking: true}
          - {name: gpt-5.1-codex, responses_only: true, max_tokens_param: max_completion_tokens}
          - {name: gpt-5.4, max_tokens_param: max_completion_tokens, pricing: {input: 4.0, output: 16.0}}
          - {name: text-embedding-3-small}
        routes:
          - {name: decision, deployments: [gpt-5.4, DeepSeek-V3.2]}
    """.trimIndent()

    /** A client for [scenario] (registered fresh); [configure] adds builder settings. */
    fun client(scenario: String, key: String = API_KEY, configure: FoundryBuilder.() -> Unit = {}): Foundry {
        scenario(scenario)
        return Foundry.builder().catalogText(catalog(scenario, key), "$scenario catalog").apply(configure).build()
    }
}
