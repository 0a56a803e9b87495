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
 * the emulator: latency per call at concurrency 1 (p50, p99) and throughput at concurrency 64
 * (cell 7); and first the cost of a no-op call into Rust, sync and suspend, against the same
 * calls in plain Kotlin (cell 4, [noopCalls]). Rounds alternate the variants so drift in the
 * machine hits all of them. Prints; never asserts.
 */
private const val KEY = "emulator-key-0000"
private const val DEPLOYMENT = "DeepSeek-V3.2"

// BENCH_QUICK=1: a fraction of the work, to check that the benchmark runs (not to measure).
private val QUICK = System.getenv("BENCH_QUICK") == "1"
private val SEQUENTIAL = if (QUICK) 200 else 1_000
private const val ROUNDS = 5
private const val CONCURRENCY = 64
private val WINDOW_MS = if (QUICK) 500L else 2_000L
private const val NOOP_ROUNDS = 5
private val SYNC_CALLS = if (QUICK) 100_000 else 1_000_000
private val ASYNC_CALLS = if (QUICK) 10_000 else 100_000

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
    System.err.println("cell 4: no-op calls, $NOOP_ROUNDS rounds...")
    val noop = noopCalls(NOOP_ROUNDS, SYNC_CALLS, ASYNC_CALLS)
    System.err.println("cell 7: chat against the emulator, $ROUNDS rounds...")
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

    data class Line(
        val cell: String,
        val metric: String,
        val unit: String,
        val value: List<Double>,
        val baselineName: String,
        val baseline: List<Double>,
        val higherIsBetter: Boolean,
        // Issue 6's highest acceptable ratio, where it sets one.
        val target: Double? = null,
    )
    val noopLines = listOf(
        Line("4", "no-op sync call", "ns", noop.syncNs, "kotlin no-op", noop.baselineSyncNs, false),
        Line("4", "no-op async call", "us", noop.asyncUs, "kotlin no-op suspend", noop.baselineAsyncUs, false),
    )
    val httpLines = listOf(
        // Issue 6: at most 1.2x the per-call time of a bare Ktor call.
        Line("7", "latency p50, c=1", "us", p50.getValue("foundry"), "ktor HttpClient", p50.getValue("ktor"), false, 1.2),
        Line("7", "latency p99, c=1", "us", p99.getValue("foundry"), "ktor HttpClient", p99.getValue("ktor"), false),
        Line("7", "throughput, c=$CONCURRENCY", "calls/s", rps.getValue("foundry"), "ktor HttpClient", rps.getValue("ktor"), true),
    )
    // A cost ratio, as in the combined report: above 1 means foundry-client is slower; for a
    // rate that is baseline / value.
    fun ratio(line: Line) =
        if (line.higherIsBetter) median(line.baseline) / median(line.value) else median(line.value) / median(line.baseline)
    fun cell(xs: List<Double>, digits: Int) = "%.${digits}f (%.${digits}f-%.${digits}f)".format(median(xs), xs.min(), xs.max())
    fun table(lines: List<Line>, digits: Int) {
        for (line in lines) {
            val ratio = ratio(line)
            val target = line.target?.let { " (target <= ${it}x)" } ?: ""
            println("| ${line.metric} (${line.unit}) | ${cell(line.value, digits)} | ${cell(line.baseline, digits)} | %.2fx$target |".format(ratio))
        }
    }
    println("Kotlin: a no-op call into Rust (the binding's benchNoop / benchNoopAsync hooks) vs plain Kotlin:")
    println("a @JvmStatic no-op and withContext(Dispatchers.Default) {}; $NOOP_ROUNDS rounds of $SYNC_CALLS sync and")
    println("$ASYNC_CALLS awaited calls from one thread, in batches of 1,000; median of rounds, min-max)")
    println()
    println("| metric | foundry | kotlin | ratio |")
    println("|---|---:|---:|---:|")
    table(noopLines, 2)
    println()
    println("Kotlin: foundry-client vs a hand-written Ktor HttpClient call ($DEPLOYMENT on the emulator, release builds,")
    println("$ROUNDS rounds of $SEQUENTIAL sequential calls and $WINDOW_MS ms at c=$CONCURRENCY; median of rounds, min-max)")
    println()
    println("| metric | foundry | ktor | ratio |")
    println("|---|---:|---:|---:|")
    table(httpLines, 0)
    println()
    println("ratio: cost relative to the baseline (below 1: foundry-client is faster; for throughput, baseline / value)")
    val rows = StringBuilder("{\"rows\": [")
    for ((i, line) in (noopLines + httpLines).withIndex()) {
        val (f, k) = line.value to line.baseline
        if (i > 0) rows.append(", ")
        rows.append(
            """{"cell": "${line.cell}", "name": "kotlin", "variant": "foundry", "metric": "${line.metric}", """ +
                """"unit": "${line.unit}", "value": {"median": ${median(f)}, "min": ${f.min()}, "max": ${f.max()}}, """ +
                """"baseline_name": "${line.baselineName}", "baseline": {"median": ${median(k)}, "min": ${k.min()}, "max": ${k.max()}}, """ +
                """"ratio": ${ratio(line)}, "higher_is_better": ${line.higherIsBetter}""" +
                (line.target?.let { """, "target": $it""" } ?: "") + "}",
        )
    }
    rows.append("]}")
    rowsFile?.let { File(it).writeText(rows.toString()) }
    Unit
}
