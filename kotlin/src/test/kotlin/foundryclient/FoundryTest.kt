package foundryclient

import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** What is specific to the Kotlin surface: suspend calls, Flow streams and their cancellation,
 *  the sealed exceptions, events, the builder, constructors. The shared behaviour is covered by
 *  [ConformanceTest]. */
class FoundryTest {
    private fun hi(text: String = "Hello") = listOf(ChatMessage.user(text))

    /** Polls the scenario's log until the emulator has seen a request aborted. */
    private suspend fun sawAbort(scenario: String): Boolean {
        repeat(50) {
            val log = Emulator.requests(scenario).jsonArray
            if (log.any { it.jsonObject["aborted"]?.jsonPrimitive?.content == "true" }) return true
            delay(100)
        }
        return false
    }

    @Test
    fun `chat returns the normalized result with its extras`() = runBlocking {
        Emulator.client("kt_chat").use { foundry ->
            val r = foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi(), maxTokens = 50))
            assertEquals("DeepSeek-V3.2 heard: Hello", r.text)
            assertEquals("DeepSeek-V3.2", r.deployment)
            assertEquals("chat", r.api)
            assertEquals(1, r.attempts)
            assertEquals("req-kt_chat-1", r.requestId)
            assertEquals(1L, r.usage.inputTokens)
            assertTrue(r.costUsd > 0.0)
            assertFalse(r.contentFilter.filtered)
            assertTrue(r.rawJson.contains("\"choices\""))
        }
    }

    @Test
    fun `thinking models give their reasoning and responses-only deployments are translated`() = runBlocking {
        Emulator.client("kt_quirks").use { foundry ->
            val thought = foundry.chat("Kimi-K2.6", ChatMessage.user("Plan"), maxTokens = 500)
            assertEquals("Kimi-K2.6 heard: Plan", thought.text)
            assertNotNull(thought.reasoning)
            assertTrue(thought.usage.reasoningTokens > 0)
            val codex = foundry.chat("gpt-5.1-codex", ChatMessage.user("Hey"))
            assertEquals("gpt-5.1-codex heard: Hey", codex.text)
            assertEquals("responses", codex.api)
            val r = foundry.responses(ResponsesRequest(model = "gpt-5.1-codex", input = "Hi there", maxOutputTokens = 50))
            assertEquals("gpt-5.1-codex heard: Hi there", r.text)
        }
    }

    @Test
    fun `embeddings carry vectors`() = runBlocking {
        Emulator.client("kt_embeddings").use { foundry ->
            val r = foundry.embeddings(EmbeddingsRequest(model = "text-embedding-3-small", input = listOf("a b", "c"), dimensions = 4))
            assertEquals(listOf(0, 1), r.data.map { it.index })
            assertEquals(4, r.data[0].vector.size)
            assertEquals(3L, r.usage.inputTokens)
        }
    }

    @Test
    fun `a stream is a Flow of chunks and its folded result`() = runBlocking {
        Emulator.client("kt_stream").use { foundry ->
            val request = ChatRequest(
                model = "DeepSeek-V3.2", messages = hi("one two three"),
                paramsJson = """{"stream_options": {"include_usage": true}}""",
            )
            val chunks = foundry.chatStream(request).toList()
            assertEquals("DeepSeek-V3.2 heard: one two three", chunks.mapNotNull { it.text }.joinToString(""))
            assertNotNull(chunks.last { it.usage != null }.usage)

            foundry.openChatStream(request).use { stream ->
                assertEquals("DeepSeek-V3.2", stream.deployment)
                assertNull(stream.result)
                val n = stream.chunks().toList().size
                assertTrue(n >= 5)
                assertEquals("DeepSeek-V3.2 heard: one two three", stream.result?.text)
                assertEquals(5L, stream.result?.usage?.outputTokens)
            }
            val answer = foundry.responsesStream(ResponsesRequest(model = "gpt-5.1-codex", input = "four five", maxOutputTokens = 50))
                .toList().mapNotNull { it.text }.joinToString("")
            assertEquals("gpt-5.1-codex heard: four five", answer)
        }
    }

    @Test
    fun `cancelling the collector aborts the HTTP request`() = runBlocking {
        Emulator.client("kt_cancel_stream").use { foundry ->
            Emulator.scenario("kt_cancel_stream", """{"deployments": {"DeepSeek-V3.2": ["chunk-delay-ms=200"]}}""")
            val words = ('a'..'z').joinToString(" ")
            val firstTwo = foundry.chatStream(ChatRequest(model = "DeepSeek-V3.2", messages = hi(words))).take(2).toList()
            assertEquals(2, firstTwo.size)
            assertTrue(sawAbort("kt_cancel_stream"), "the emulator saw no abort after take(2)")

            Emulator.scenario("kt_cancel_stream", """{"deployments": {"DeepSeek-V3.2": ["chunk-delay-ms=200"]}}""")
            val job = launch {
                foundry.chatStream(ChatRequest(model = "DeepSeek-V3.2", messages = hi(words))).collect { }
            }
            delay(500)
            job.cancel()
            job.join()
            assertTrue(sawAbort("kt_cancel_stream"), "the emulator saw no abort after cancel()")
        }
    }

    @Test
    fun `cancelling a suspended call aborts its request`() = runBlocking {
        Emulator.client("kt_cancel_call").use { foundry ->
            Emulator.scenario("kt_cancel_call", """{"deployments": {"DeepSeek-V3.2": ["delay-ms=5000"]}}""")
            val outcome = withTimeoutOrNull(300.milliseconds) { foundry.chat("DeepSeek-V3.2", ChatMessage.user("slow")) }
            assertNull(outcome)
            assertTrue(sawAbort("kt_cancel_call"), "the emulator saw no abort after the timeout")
        }
    }

    @Test
    fun `errors are sealed exceptions with hints`() = runBlocking {
        Emulator.client("kt_auth", key = "wrong-key").use { foundry ->
            val e = assertThrows<FoundryException.Authentication> { runBlocking { foundry.chat("DeepSeek-V3.2", *hi().toTypedArray()) } }
            assertEquals(401, e.status)
            assertTrue(e.hint.contains("Key Vault"))
            assertFalse(e.retryable)
            assertEquals("authentication", e.kindName)
            assertFalse(e.toString().contains("wrong-key"))
        }
        Emulator.client("kt_errors").use { foundry ->
            val unknown = assertThrows<FoundryException.NotFound> { runBlocking { foundry.chat("gpt-5-4", ChatMessage.user("Hi")) } }
            assertTrue(unknown.hint.contains("did you mean 'gpt-5.4'"))
            Emulator.scenario("kt_errors", """{"deployments": {"DeepSeek-V3.2": ["status=429;retry-after-ms=1234"]}}""")
            val limited = assertThrows<FoundryException.RateLimit> { runBlocking { foundry.chat("DeepSeek-V3.2", ChatMessage.user("Hi")) } }
            assertEquals(1234L, limited.retryAfter?.inWholeMilliseconds)
            assertTrue(limited.retryable)
            val bad = assertThrows<FoundryException.InvalidRequest> {
                runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi(), paramsJson = "[1]")) }
            }
            assertTrue(bad.message!!.contains("paramsJson"))
            val thinking = assertThrows<FoundryException.ReasoningExhausted> {
                runBlocking { foundry.chat("Kimi-K2.6", ChatMessage.user("Hi"), maxTokens = 10) }
            }
            assertTrue(thinking.hint.contains("max_tokens"))
        }
        val config = assertThrows<FoundryException.Config> { Foundry.fromConfig("/nonexistent/foundry.yaml") }
        assertTrue(config.message!!.contains("/nonexistent/foundry.yaml"))
    }

    @Test
    fun `the listener receives the core's events`() = runBlocking {
        val events = CopyOnWriteArrayList<FoundryEvent>()
        Emulator.client("kt_events") { onEvent { events += it; error("a broken listener") } }.use { foundry ->
            foundry.chat("DeepSeek-V3.2", ChatMessage.user("Hi"))
        }
        val attempt = events.filterIsInstance<FoundryEvent.Attempt>().single().event
        assertEquals(200, attempt.status)
        assertEquals("azure", attempt.shape)
        val done = events.filterIsInstance<FoundryEvent.Completed>().single().event
        assertEquals("DeepSeek-V3.2", done.deployment)
        assertEquals(1L, done.usage.inputTokens)
        assertNull(done.error)
    }

    @Test
    fun `the builder makes a catalog, and managed identity needs no key`() = runBlocking {
        Emulator.scenario("kt_builder")
        val foundry = Foundry.builder()
            .catalog {
                defaults {
                    endpoint = Emulator.endpoint
                    auth { managedIdentity() }
                }
                deployment("gpt-5.4") { maxTokensParam = "max_completion_tokens"; pricing(input = 4.0, output = 16.0) }
                deployment("DeepSeek-V3.2")
                route("decision", "gpt-5.4", "DeepSeek-V3.2")
            }
            .env(mapOf("IDENTITY_ENDPOINT" to "${Emulator.endpoint}msi/token", "IDENTITY_HEADER" to "secret-header"))
            .defaultHeader("x-emulator-scenario", "kt_builder")
            .build()
        foundry.use {
            val r = it.chat(ChatRequest(model = "decision", messages = hi(), maxTokens = 20))
            assertEquals("gpt-5.4 heard: Hello", r.text)
            assertTrue(r.costUsd > 0.0)
            assertEquals(listOf("gpt-5.4", "DeepSeek-V3.2"), it.deployments().map { d -> d.name })
            assertEquals("entra", it.deployments()[0].auth)
            val sent = Emulator.requests("kt_builder").jsonArray.single().jsonObject
            assertEquals("<redacted>", sent["headers"]!!.jsonObject["authorization"]!!.jsonPrimitive.content)
            assertTrue(sent["body"]!!.jsonObject.containsKey("max_completion_tokens"))
        }
        assertThrows<FoundryException.Config> { Foundry.builder().catalog { deployment("x") }.build() }
        Unit
    }

    @Test
    fun `constructors read files and the environment`() = runBlocking {
        val env = mapOf("FOUNDRY_ENDPOINT" to Emulator.endpoint, "FOUNDRY_API_KEY" to Emulator.API_KEY)
        Foundry.builder().config(System.getProperty("foundry.config") ?: "../foundry.yaml").env(env).build().use {
            assertEquals(5, it.deployments().size)
            assertEquals("DeepSeek-V3.2 heard: Hi", it.chat("DeepSeek-V3.2", ChatMessage.user("Hi")).text)
        }
        Foundry.builder().env(env).build().use {
            assertEquals("DeepSeek-V3.2 heard: Hi", it.chat("DeepSeek-V3.2", ChatMessage.user("Hi")).text)
            assertTrue(it.smoke().isEmpty()) // an environment catalog lists no deployments to ping
        }
        val file = File.createTempFile("foundry", ".yaml").apply { writeText(Emulator.catalog("kt_file")); deleteOnExit() }
        Emulator.scenario("kt_file")
        Foundry.fromConfig(file.path).use { foundry ->
            assertTrue(foundry.smoke().all { it.ok })
        }
    }
}
