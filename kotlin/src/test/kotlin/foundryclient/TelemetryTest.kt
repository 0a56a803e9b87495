package foundryclient

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.double
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The core's OpenTelemetry export from the JVM (issue 14, part 3), received by the emulator's
 * OTLP receiver: a call under the caller's span is the parent of the core's span, which the
 * request carries; the GenAI metrics arrive; [Foundry.flushTelemetry] sends them, and so does
 * the shutdown hook of a JVM that just exits. The export is set up once per process from
 * `OTEL_*`, so each case runs [OtelCall] in a JVM of its own.
 */
class TelemetryTest {
    /** Runs [OtelCall] exporting to the emulator as [service]; returns the caller's trace and span ids and the flush's outcome. */
    private fun runTraced(service: String, scenario: String, mode: String): List<String> {
        Emulator.scenario(scenario)
        val out = ForkedJvm.run(
            "foundryclient.OtelCallKt",
            args = listOf(Emulator.endpoint, scenario, mode),
            env = mapOf(
                "OTEL_EXPORTER_OTLP_ENDPOINT" to Emulator.endpoint.trimEnd('/'),
                "OTEL_SERVICE_NAME" to service,
                // Batches wait a minute: only a flush sends anything in time.
                "OTEL_BSP_SCHEDULE_DELAY" to "60000",
                "OTEL_METRIC_EXPORT_INTERVAL" to "60000",
            ),
        )
        return out.trim().lines().last().split(" ")
    }

    private fun ofService(items: JsonElement?, service: String): List<JsonObject> =
        items!!.jsonArray.map { it.jsonObject }
            .filter { it["resource"]?.jsonObject?.get("service.name")?.jsonPrimitive?.content == service }

    private fun JsonObject.text(key: String): String? = this[key]?.jsonPrimitive?.content

    private fun JsonObject.attr(key: String): String? = this.getValue("attributes").jsonObject.text(key)

    @Test
    fun `the core's spans are children of the caller's span, with the GenAI attributes and metrics`() {
        val (traceId, spanId, flushed) = runTraced("kotlin-otel-flush", "kt_otel", "flush")
        assertEquals("true", flushed, "Foundry.flushTelemetry() returned false")
        val got = Emulator.otlp().jsonObject
        val spans = ofService(got["spans"], "kotlin-otel-flush")
        assertEquals(
            listOf("chat DeepSeek-V3.2", "chat DeepSeek-V3.2", "embeddings text-embedding-3-small"),
            spans.map { it.text("name") }.sortedBy { it },
        )
        for (span in spans) {
            assertEquals(traceId, span.text("trace_id"), span.toString())
            assertEquals(spanId, span.text("parent_span_id"), span.toString())
            assertEquals("client", span.text("kind"))
            assertEquals("foundry-client", span.text("scope"))
            assertEquals("azure.ai.openai", span.attr("gen_ai.provider.name"))
        }
        val chat = spans.first { it.text("name") == "chat DeepSeek-V3.2" }
        assertEquals("chat", chat.attr("gen_ai.operation.name"))
        assertEquals("DeepSeek-V3.2", chat.attr("gen_ai.request.model"))
        assertEquals("DeepSeek-V3.2", chat.attr("foundry.deployment"))
        assertEquals("1", chat.attr("foundry.attempts"))
        val attributes = chat.getValue("attributes").jsonObject
        assertTrue(attributes.getValue("gen_ai.usage.input_tokens").jsonPrimitive.long > 0)
        assertTrue(attributes.getValue("gen_ai.usage.output_tokens").jsonPrimitive.long > 0)
        assertTrue(attributes.getValue("foundry.cost_usd").jsonPrimitive.double > 0.0)
        val embeddings = spans.first { it.text("name")!!.startsWith("embeddings") }
        assertEquals("embeddings", embeddings.attr("gen_ai.operation.name"))
        // The service saw each call's core span as its parent, in the caller's trace.
        val sent = Emulator.requests("kt_otel").jsonArray.map {
            it.jsonObject.getValue("headers").jsonObject.text("traceparent")!!.split("-").take(3).joinToString("-")
        }
        assertEquals(spans.map { "00-$traceId-${it.text("span_id")}" }.sorted(), sent.sorted())
        // The GenAI client metrics, from that JVM.
        val metrics = ofService(got["metrics"], "kotlin-otel-flush")
        val names = metrics.map { it.text("name") }.toSet()
        for (name in listOf("gen_ai.client.operation.duration", "gen_ai.client.token.usage", "foundry.client.cost")) {
            assertTrue(name in names, "$name not received: $names")
        }
        val durations = metrics.first { it.text("name") == "gen_ai.client.operation.duration" }.getValue("points").jsonArray
        val chatDuration = durations.map { it.jsonObject }.firstOrNull {
            it.attr("gen_ai.request.model") == "DeepSeek-V3.2" && it.attr("gen_ai.operation.name") == "chat"
        }
        assertNotNull(chatDuration, durations.toString())
        assertEquals(2L, chatDuration!!.getValue("count").jsonPrimitive.long)
        val tokens = metrics.first { it.text("name") == "gen_ai.client.token.usage" }.getValue("points").jsonArray
        assertTrue(tokens.map { it.jsonObject }.any { it.attr("gen_ai.token.type") == "input" && it.getValue("sum").jsonPrimitive.double > 0.0 })
        // No secret reaches the receiver.
        assertFalse(got.toString().contains(Emulator.API_KEY))
    }

    @Test
    fun `a JVM that exits flushes in its shutdown hook`() {
        val (_, spanId, _) = runTraced("kotlin-otel-exit", "kt_otel_exit", "exit")
        val spans = ofService(Emulator.otlp().jsonObject["spans"], "kotlin-otel-exit")
        assertEquals(1, spans.size, spans.toString())
        assertEquals(spanId, spans.single().text("parent_span_id"))
    }

    @Test
    fun `without OTEL_* in this JVM, flushTelemetry returns true and sends nothing`() {
        val before = Emulator.otlp().jsonObject["requests"]
        assertTrue(runBlocking { Foundry.flushTelemetry() })
        assertEquals(before, Emulator.otlp().jsonObject["requests"])
    }
}
