package foundryclient.bench

import foundryclient.ChatMessage
import foundryclient.ChatRequest
import foundryclient.Foundry
import foundryclient.user
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.request.header
import io.ktor.client.request.parameter
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.contentType
import java.io.File
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/**
 * foundry-client (Kotlin) against a hand-written Ktor HttpClient call of the same deployment on
 * the emulator: latency per call at concurrency 1 (p50, p99) and throughput at concurrency 64.
 * Rounds alternate the variants so drift in the machine hits both. Prints; never asserts.
 */
private const val KEY = "emulator-key-0000"
private const val DEPLOYMENT = "DeepSeek-V3.2"
private const val SEQUENTIAL = 1_000
private const val ROUNDS = 3
private const val CONCURRENCY = 64
private const val WINDOW_MS = 3_000L

private typealias Call = suspend () -> String?

private fun percentile(sorted: List<Double>, p: Double) = sorted[((sorted.size - 1) * p).toInt()]

private fun median(xs: List<Double>) = xs.sorted()[xs.size / 2]

/** Microseconds per call of [n] sequential calls, sorted. */
private suspend fun latencies(call: Call, n: Int): List<Double> = List(n) {
    val started = System.nanoTime()
    checkNotNull(call())
    (System.nanoTime() - started) / 1_000.0
}.sorted()

/** Calls per second with [concurrency] callers looping for [windowMs]. */
private suspend fun throughput(call: Call, concurrency: Int, windowMs: Long): Double {
    val done = AtomicLong()
    val deadline = System.nanoTime() + windowMs * 1_000_000
    val started = System.nanoTime()
    coroutineScope {
        repeat(concurrency) {
            launch {
                while (isActive && System.nanoTime() < deadline) {
                    checkNotNull(call())
                    done.incrementAndGet()
                }
            }
        }
    }
    return done.get() / ((System.nanoTime() - started) / 1e9)
}

fun main(args: Array<String>) = runBlocking(Dispatchers.Default) {
    val base = args.getOrNull(0) ?: error("usage: Bench <emulator endpoint> [rows.json]")
    val rowsFile = args.getOrNull(1)
    val foundry = Foundry.fromCatalog(
        """
        defaults: {endpoint: "$base", auth: {type: api_key, key: $KEY}}
        deployments: [{name: $DEPLOYMENT}]
        """.trimIndent(),
        "bench catalog",
    )
    val http = HttpClient(CIO) {
        // CIO's default of 100 connections per route already covers 64 callers.
        engine { maxConnectionsCount = 1_000 }
    }
    val body = """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":50}"""
    val request = ChatRequest(model = DEPLOYMENT, messages = listOf(ChatMessage.user("Hello")), maxTokens = 50)
    val variants: List<Pair<String, Call>> = listOf(
        "foundry" to { foundry.chat(request).text },
        "ktor" to {
            val answer = http.post("${base}openai/deployments/$DEPLOYMENT/chat/completions") {
                parameter("api-version", "2024-10-21")
                header("api-key", KEY)
                contentType(ContentType.Application.Json)
                setBody(body)
            }.bodyAsText()
            Json.parseToJsonElement(answer).jsonObject["choices"]!!.jsonArray[0]
                .jsonObject["message"]!!.jsonObject["content"]!!.jsonPrimitive.content
        },
    )
    for ((_, call) in variants) {
        latencies(call, 300) // warm-up: JIT, connections
        throughput(call, CONCURRENCY, 500)
    }
    val p50 = mutableMapOf<String, MutableList<Double>>()
    val p99 = mutableMapOf<String, MutableList<Double>>()
    val rps = mutableMapOf<String, MutableList<Double>>()
    repeat(ROUNDS) {
        for ((name, call) in variants) {
            val sorted = latencies(call, SEQUENTIAL)
            p50.getOrPut(name) { mutableListOf() } += percentile(sorted, 0.50)
            p99.getOrPut(name) { mutableListOf() } += percentile(sorted, 0.99)
        }
        for ((name, call) in variants) {
            rps.getOrPut(name) { mutableListOf() } += throughput(call, CONCURRENCY, WINDOW_MS)
        }
    }
    http.close()
    foundry.close()

    data class Line(val metric: String, val unit: String, val values: Map<String, List<Double>>, val higherIsBetter: Boolean)
    val lines = listOf(
        Line("latency p50, c=1", "us", p50, false),
        Line("latency p99, c=1", "us", p99, false),
        Line("throughput, c=$CONCURRENCY", "calls/s", rps, true),
    )
    println("Kotlin: foundry-client vs a hand-written Ktor HttpClient call ($DEPLOYMENT on the emulator, release builds,")
    println("$ROUNDS rounds of $SEQUENTIAL sequential calls and ${WINDOW_MS / 1000} s at c=$CONCURRENCY; median of rounds, min-max)")
    println()
    println("| metric | foundry | ktor | ratio |")
    println("|---|---:|---:|---:|")
    val rows = StringBuilder("{\"rows\": [")
    for ((i, line) in lines.withIndex()) {
        val f = line.values.getValue("foundry")
        val k = line.values.getValue("ktor")
        val ratio = median(f) / median(k)
        fun cell(xs: List<Double>) = "%.0f (%.0f-%.0f)".format(median(xs), xs.min(), xs.max())
        println("| ${line.metric} (${line.unit}) | ${cell(f)} | ${cell(k)} | %.2fx |".format(ratio))
        if (i > 0) rows.append(", ")
        rows.append(
            """{"cell": "7", "name": "kotlin ${line.metric}", "variant": "foundry", "metric": "${line.metric}", """ +
                """"unit": "${line.unit}", "value": {"median": ${median(f)}, "min": ${f.min()}, "max": ${f.max()}}, """ +
                """"baseline_name": "ktor HttpClient", "baseline": {"median": ${median(k)}, "min": ${k.min()}, "max": ${k.max()}}, """ +
                """"ratio": $ratio, "higher_is_better": ${line.higherIsBetter}}""",
        )
    }
    rows.append("]}")
    rowsFile?.let { File(it).writeText(rows.toString()) }
    Unit
}
