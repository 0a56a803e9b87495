package foundryclient

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Issue 10, point 6, on the Kotlin side: durations and counts that cannot panic or be sent
 *  silently wrong, and a panic in the library reaching Kotlin as a [FoundryException]. */
class HardeningTest {
    private val hi = listOf(ChatMessage.user("Hello"))
    private val badSeconds = listOf(-1.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300)

    private fun builder() = Foundry.builder().endpoint(Emulator.endpoint).apiKey(Emulator.API_KEY).deployment("DeepSeek-V3.2")

    private fun catalog(configure: DefaultsBuilder.() -> Unit) = Foundry.builder().catalog {
        defaults { endpoint = Emulator.endpoint; configure() }
        deployment("DeepSeek-V3.2")
    }

    // The messages are the core's (ClientSettings and the catalog loader), as in every language.
    @Test
    fun `timeouts out of range are config errors naming the setting`() {
        val badDurations = listOf((-1).seconds, Duration.ZERO, Duration.INFINITE, (-1).seconds * 1e10)
        for (bad in badDurations) {
            val e = assertThrows<FoundryException.Config> { builder().timeout(bad).build() }
            assertTrue(
                e.info.message.startsWith("client settings: timeout must be a positive number of seconds, at most 604800 (a week), got "),
                e.info.message,
            )
        }
        for (bad in badSeconds) {
            // A number JSON cannot carry (NaN, the infinities) is refused by type, naming the key.
            val expected = if (bad.isFinite()) " must be a positive number of seconds, at most 604800 (a week), got " else ""
            val perAttempt = assertThrows<FoundryException.Config> { catalog { timeoutSecs = bad }.build() }
            assertTrue(
                perAttempt.info.message.startsWith("Foundry.builder().catalog: defaults.timeout_secs$expected"),
                perAttempt.info.message,
            )
            val perCall = assertThrows<FoundryException.Config> { catalog { deadlineSecs = bad }.build() }
            assertTrue(perCall.info.message.contains("defaults.deadline_secs$expected"), perCall.info.message)
        }
        builder().timeout(10.seconds).build().close()
        catalog { timeoutSecs = 10.0; deadlineSecs = 60.0 }.build().close()
    }

    @Test
    fun `maxRetries out of range is a config error naming it`() {
        for (bad in listOf(-1L, 11L, 1L shl 40, Long.MAX_VALUE, Long.MIN_VALUE)) {
            val e = assertThrows<FoundryException.Config> { builder().maxRetries(bad).build() }
            assertEquals("client settings: max_retries must be between 0 and 10, got $bad", e.info.message)
            Foundry.builder().endpoint(Emulator.endpoint).env(emptyMap()).build().use { foundry ->
                val derived = assertThrows<FoundryException.Config> { foundry.withOptions(maxRetries = bad) }
                assertEquals("with_options: max_retries must be between 0 and 10, got $bad", derived.info.message)
            }
        }
        builder().maxRetries(0).build().close()
    }

    @Test
    fun `request timeouts out of range are refused before anything is sent`() = runBlocking {
        Emulator.client("kt_numbers_timeout").use { foundry ->
            for (bad in badSeconds) {
                val e = assertThrows<FoundryException.InvalidRequest> {
                    runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi, timeoutSecs = bad)) }
                }
                assertTrue(e.info.message.startsWith("timeout must be a positive number of seconds, at most 604800"), e.info.message)
            }
            assertEquals(0, Emulator.requests("kt_numbers_timeout").jsonArray.size)
        }
    }

    @Test
    fun `counts and floats are checked, and a large count is sent unwrapped`() = runBlocking {
        Emulator.client("kt_numbers_counts").use { foundry ->
            val negative = assertThrows<FoundryException.InvalidRequest> {
                runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi, maxTokens = -1)) }
            }
            assertEquals("max_tokens must be a positive integer, got -1", negative.info.message)
            val nan = assertThrows<FoundryException.InvalidRequest> {
                runBlocking { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi, temperature = Double.NaN)) }
            }
            assertEquals("temperature must be a finite number, got NaN", nan.info.message)
            assertEquals(0, Emulator.requests("kt_numbers_counts").jsonArray.size)
            // 2^40 as a u32 would be 0: it must reach the service as written.
            runCatching { foundry.chat(ChatRequest(model = "DeepSeek-V3.2", messages = hi, maxTokens = 1L shl 40)) }
            val sent = Emulator.requests("kt_numbers_counts").jsonArray.single().jsonObject
            assertEquals(1L shl 40, sent["body"]!!.jsonObject["max_tokens"]!!.jsonPrimitive.long)
        }
    }

    @Test
    fun `a panic in a synchronous call is a FoundryException`() {
        val e = assertThrows<FoundryException> { mapErrors { debugPanic() } }
        assertTrue(e is FoundryException.Internal, e.toString())
        assertEquals("internal", e.kindName)
        assertFalse(e.retryable)
        assertEquals("internal error in foundry-client: debugPanic(); please report it", e.info.message)
        assertEquals("a bug in foundry-client: please report it with this message", e.hint)
    }

    @Test
    fun `a panic in a suspend call is a FoundryException`() = runBlocking {
        val e = assertThrows<FoundryException> { runBlocking { mapErrors { debugPanicAsync() } } }
        assertTrue(e is FoundryException.Internal, e.toString())
        assertEquals("internal error in foundry-client: debugPanicAsync(); please report it", e.info.message)
        // The runtime keeps serving calls after a panic in one of its tasks.
        benchNoopAsync()
    }
}
