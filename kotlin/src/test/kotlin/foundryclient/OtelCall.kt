package foundryclient

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.runBlocking

/**
 * Run by [TelemetryTest] in a JVM of its own, with `OTEL_*` pointing at the emulator: calls
 * chat, a chat stream and embeddings (emulator `args[0]`, scenario `args[1]`) under a caller's
 * span, then flushes with [Foundry.flushTelemetry] when `args[2]` is `flush` (else leaves it to
 * the shutdown hook). Prints `traceId spanId flushed`.
 */
fun main(args: Array<String>) {
    val (endpoint, scenario, mode) = args
    val catalog = """
        defaults:
          endpoint: $endpoint
          auth: {type: api_key, key: "emulator-key-0000"}
          headers: {x-emulator-scenario: "$scenario"}
        deployments:
          - {name: DeepSeek-V3.2, pricing: {input: 0.14, output: 0.42}}
          - {name: text-embedding-3-small}
    """.trimIndent()
    // A provider with no processor hands out invalid spans: this one records to memory.
    val tracer = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
        .build()
        .get("caller")
    val caller = tracer.spanBuilder("caller").startSpan()
    val foundry = Foundry.fromCatalog(catalog)
    caller.makeCurrent().use {
        runBlocking {
            foundry.chat("DeepSeek-V3.2", ChatMessage.user("say hello"))
            if (mode == "flush") {
                foundry.chatStream(ChatRequest(model = "DeepSeek-V3.2", messages = listOf(ChatMessage.user("x")))).collect()
                foundry.embeddings(EmbeddingsRequest(model = "text-embedding-3-small", input = listOf("one")))
            }
        }
    }
    caller.end()
    val flushed = if (mode == "flush") runBlocking { Foundry.flushTelemetry() } else null
    println("${caller.spanContext.traceId} ${caller.spanContext.spanId} $flushed")
}
