package foundryclient

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Every error kind the core exports reaches Kotlin as its own [FoundryException] subclass: a
 *  kind added to the core without one fails here (the classes are generated from the same list). */
class ErrorKindsTest {
    private fun className(kind: String) = kind.split('_').joinToString("") { it.replaceFirstChar(Char::uppercase) }

    @Test
    fun `each core kind has its own exception class`() {
        val kinds = errorKindNames()
        assertTrue(kinds.size >= 21, "the core lists ${kinds.size} kinds")
        val classes = kinds.map { kind ->
            val e = debugErrorOfKind(kind)
            assertNotNull(e, kind)
            assertEquals(kind, e!!.kindName)
            assertEquals("a $kind error", e.info.message)
            assertEquals(className(kind), e::class.simpleName, kind)
            e::class
        }
        assertEquals(kinds.size, classes.toSet().size, "two kinds share a class")
        // Internal (a caught panic) is the one class that is no core kind.
        assertEquals(kinds.size + 1, FoundryException::class.java.declaredClasses.count { FoundryException::class.java.isAssignableFrom(it) })
        assertNull(debugErrorOfKind("no_such_kind"))
    }

    @Test
    fun `the exception carries the core's details and reads well`() {
        val e = debugErrorOfKind("rate_limit")!!
        assertTrue(e is FoundryException.RateLimit)
        assertTrue(e.retryable)
        assertTrue(e.hint.contains("quota"), e.hint)
        assertEquals("rate_limit: a rate_limit error. Hint: ${e.hint}", e.info.toString())
        assertTrue(e.message!!.contains("a rate_limit error"), e.message)
    }
}
