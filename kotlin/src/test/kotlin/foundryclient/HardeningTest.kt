package foundryclient

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

    @Test
    fun `builder timeouts out of range are config errors naming the argument`() {
        for (bad in badSeconds) {
            val perAttempt = assertThrows<FoundryException.Config> { builder().timeouts(bad, 60.0).build() }
            assertTrue(
                perAttempt.message!!.startsWith("Foundry.builder(): timeoutSecs must be a positive number of seconds, at most 604800 (a week), got "),
                perAttempt.message,
            )
            val perCall = assertThrows<FoundryException.Config> { builder().timeouts(10.0, bad).build() }
            assertTrue(perCall.message!!.contains("deadlineSecs must be a positive number of seconds"), perCall.message)
        }
        builder().timeouts(10.0, 60.0).build().close()
    }

    @Test
    fun `builder maxRetries out of range is a config error naming it`() {
        for (bad in listOf(-1L, 11L, 1L shl 40, Long.MAX_VALUE, Long.MIN_VALUE)) {
            val e = assertThrows<FoundryException.Config> { builder().maxRetries(bad).build() }
            assertEquals(
                "Foundry.builder(): maxRetries must be a whole number from 0 to 10 (each retry is a billed request), got $bad",
                e.message,
            )
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
                assertTrue(e.message!!.startsWith("timeout must be a positive number of seconds, at most 604800"), e.message)
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
        assertEquals(ErrorKind.INTERNAL, e.kind)
        assertEquals("internal", e.kindName)
        assertFalse(e.retryable)
        assertEquals("internal error in foundry-client: debugPanic(); please report it", e.message)
        assertTrue(e.cause is InternalException)
    }

    @Test
    fun `a panic in a suspend call is a FoundryException`() = runBlocking {
        val e = assertThrows<FoundryException> { runBlocking { mapErrors { debugPanicAsync() } } }
        assertTrue(e is FoundryException.Internal, e.toString())
        assertEquals("internal error in foundry-client: debugPanicAsync(); please report it", e.message)
        // The runtime keeps serving calls after a panic in one of its tasks.
        benchNoopAsync()
    }
}
