package foundryclient

import io.opentelemetry.api.trace.Span
import io.opentelemetry.api.trace.SpanContext
import io.opentelemetry.api.trace.TraceFlags
import io.opentelemetry.api.trace.TraceState
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The caller's OpenTelemetry span on the request (issue 14, part 3): with a current span, every
 * call kind sends its W3C traceparent (and tracestate); the caller's own traceparent wins; with
 * no span, or no OpenTelemetry API on the classpath, nothing is added and calls still work.
 */
class TraceContextTest {
    private val tracer = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
        .build()
        .get("foundry-client-tests")

    private fun hi() = listOf(ChatMessage.user("Hello"))

    private fun traceparentOf(span: Span): String =
        span.spanContext.let { "00-${it.traceId}-${it.spanId}-${it.traceFlags.asHex()}" }

    /** Runs [call] with a new span current on this thread; returns the span's traceparent. */
    private fun inSpan(name: String, call: suspend () -> Unit): String {
        val span = tracer.spanBuilder(name).startSpan()
        try {
            span.makeCurrent().use { runBlocking { call() } }
        } finally {
            span.end()
        }
        return traceparentOf(span)
    }

    private fun headersOf(scenario: String): List<JsonObject> =
        Emulator.requests(scenario).jsonArray.map { it.jsonObject.getValue("headers").jsonObject }

    private fun JsonObject.header(name: String): String? = this[name]?.jsonPrimitive?.content

    @Test
    fun `every call kind carries the current span as its traceparent`() {
        Emulator.client("kt_trace_kinds").use { foundry ->
            val chat = ChatRequest(model = "DeepSeek-V3.2", messages = hi())
            val responses = ResponsesRequest(model = "gpt-5.1-codex", input = "Hello there")
            val expected = listOf(
                inSpan("chat") { foundry.chat(chat) },
                inSpan("chat stream") { foundry.chatStream(chat).collect() },
                inSpan("open chat stream") { foundry.openChatStream(chat).use { it.chunks().collect() } },
                inSpan("responses") { foundry.responses(responses) },
                inSpan("responses stream") { foundry.responsesStream(responses).collect() },
                inSpan("embeddings") { foundry.embeddings(EmbeddingsRequest(model = "text-embedding-3-small", input = listOf("one"))) },
            )
            val headers = headersOf("kt_trace_kinds")
            assertEquals(expected, headers.map { it.header("traceparent") })
            // Six spans, six traces: nothing leaks from one call's span into the next.
            assertEquals(6, expected.map { it.split("-")[1] }.toSet().size)
            assertTrue(headers.all { it.header("tracestate") == null })
        }
    }

    @Test
    fun `the sampled flag and the tracestate of the current span go out as they are`() {
        val remote = SpanContext.createFromRemoteParent(
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
            TraceFlags.getDefault(),
            TraceState.builder().put("rojo", "00f067aa0ba902b7").put("congo", "t61rcWkgMzE").build(),
        )
        Emulator.client("kt_trace_state").use { foundry ->
            Span.wrap(remote).makeCurrent().use { runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi())) } }
        }
        val request = headersOf("kt_trace_state").single()
        assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", request.header("traceparent"))
        val state = request.header("tracestate")?.split(",")?.toSet()
        assertEquals(setOf("congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7"), state)
    }

    @Test
    fun `the caller's own traceparent wins, in any case, with its tracestate`() {
        val own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        Emulator.client("kt_trace_own").use { foundry ->
            inSpan("outer") {
                foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi(), extraHeaders = mapOf("TraceParent" to own)))
                foundry.chat(
                    ChatRequest(model = "DeepSeek-V3.2", messages = hi(), extraHeaders = mapOf("traceparent" to own, "tracestate" to "mine=1")),
                )
                foundry.responsesStream(ResponsesRequest(model = "gpt-5.1-codex", input = "x", extraHeaders = mapOf("traceparent" to own))).collect()
                foundry.embeddings(EmbeddingsRequest(model = "text-embedding-3-small", input = listOf("one"), extraHeaders = mapOf("traceparent" to own)))
            }
        }
        assertEquals(
            listOf(own to null, own to "mine=1", own to null, own to null),
            headersOf("kt_trace_own").map { it.header("traceparent") to it.header("tracestate") },
        )
    }

    @Test
    fun `with no current span nothing is added`() {
        Emulator.client("kt_trace_none").use { foundry ->
            runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi())) }
            // Once a span's scope is closed, it is no longer current.
            inSpan("done") {}
            runBlocking { foundry.embeddings(EmbeddingsRequest(model = "text-embedding-3-small", input = listOf("one"))) }
            // A span context that is not valid (all-zero ids) is no trace to join.
            Span.wrap(SpanContext.getInvalid()).makeCurrent().use {
                runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi())) }
            }
        }
        val headers = headersOf("kt_trace_none")
        assertEquals(3, headers.size)
        assertTrue(headers.all { it.header("traceparent") == null && it.header("tracestate") == null }, headers.toString())
    }

    @Test
    fun `without the OpenTelemetry API on the classpath calls work and add nothing`() {
        Emulator.scenario("kt_trace_no_api")
        val out = ForkedJvm.run(
            "foundryclient.NoOpenTelemetryCallKt",
            args = listOf(Emulator.endpoint, "kt_trace_no_api"),
            exclude = { "/io/opentelemetry/" in it },
        )
        assertEquals("DeepSeek-V3.2 heard: hi|DeepSeek-V3.2 heard: hi", out.trim())
        val headers = headersOf("kt_trace_no_api")
        assertEquals(2, headers.size)
        assertTrue(headers.all { it.header("traceparent") == null }, headers.toString())
    }
}
