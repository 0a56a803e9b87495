package foundryclient

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The core's stream rules as Kotlin sees them (core/src/client/handle.rs): an answer cut off
 *  by a cancel or a failure never looks complete. */
class StreamRulesTest {
    private val words = ChatMessage.user(('a'..'z').joinToString(" "))

    @Test
    fun `a read after close is Cancelled, never a quiet end`() = runBlocking {
        Emulator.client("kt_stream_cancelled").use { foundry ->
            Emulator.scenario("kt_stream_cancelled", """{"deployments": {"DeepSeek-V3.2": ["chunk-delay-ms=50"]}}""")
            val stream = foundry.openChatStream(ChatRequest(model = "DeepSeek-V3.2", messages = listOf(words)))
            assertNotNull(stream.next())
            stream.close()
            val e = assertThrows<FoundryException.Cancelled> { runBlocking { stream.next() } }
            assertEquals("cancelled", e.kindName)
            assertEquals(false, e.retryable)
            assertThrows<FoundryException.Cancelled> { runBlocking { stream.next() } }
            assertNull(stream.result)
            stream.close() // idempotent
        }
    }

    @Test
    fun `a read after a failure throws the same error again`() = runBlocking {
        Emulator.client("kt_stream_failed").use { foundry ->
            Emulator.scenario("kt_stream_failed", """{"deployments": {"DeepSeek-V3.2": ["cut"]}}""")
            foundry.openChatStream(ChatRequest(model = "DeepSeek-V3.2", messages = listOf(words))).use { stream ->
                val first = assertThrows<FoundryException.Stream> {
                    runBlocking { while (stream.next() != null) Unit }
                }
                val again = assertThrows<FoundryException.Stream> { runBlocking { stream.next() } }
                assertEquals(first.info, again.info)
                assertNull(stream.result)
            }
        }
    }

    @Test
    fun `a clean end reads as null again and again`() = runBlocking {
        Emulator.client("kt_stream_ended").use { foundry ->
            foundry.openChatStream(ChatRequest(model = "DeepSeek-V3.2", messages = listOf(ChatMessage.user("one")))).use { stream ->
                while (stream.next() != null) Unit
                assertNull(stream.next())
                assertEquals("DeepSeek-V3.2 heard: one", stream.result?.text)
                stream.close() // a no-op once ended: the result stays
                assertNull(stream.next())
                assertEquals("DeepSeek-V3.2 heard: one", stream.result?.text)
            }
        }
    }
}
