package foundryclient

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Governance through the Kotlin API: scoped handles (budget, models, rate limits, revoke),
 *  spend() and limits(), priority, and the governance events. The rules are the core's
 *  (tests/conformance has their vectors); these tests pin what Kotlin adds: the DSL, the
 *  exception classes, the returned records and the event types. */
class GovernanceTest {
    private val hi = listOf(ChatMessage.user("hello there"))

    private fun chat(model: String = "gpt-5.4", maxTokens: Long? = null, timeoutSecs: Double? = null) =
        ChatRequest(model = model, messages = hi, maxTokens = maxTokens, timeoutSecs = timeoutSecs)

    /** A client of the emulator's deployments whose calls count for the scope `acme`. */
    private fun client(scenario: String, configure: FoundryBuilder.() -> Unit = {}): Foundry {
        Emulator.scenario(scenario)
        val catalog = Emulator.catalog(scenario) + "\ngovernance: {scope: acme, ledger: memory}\n"
        return Foundry.builder().catalogText(catalog, "$scenario catalog").apply(configure).build()
    }

    private fun sent(scenario: String) = Emulator.requests(scenario).jsonArray

    @Test
    fun `a handle is a client with a scope path`() = runBlocking {
        client("kt_gov_handle").use { c ->
            assertEquals("acme", c.scopePath)
            val bot = c.scope("bot") { tags = mapOf("team" to "search") }
            assertEquals("acme/bot", bot.scopePath)
            assertEquals("acme/bot/nightly", bot.scope("nightly").scopePath)
            assertEquals("acme/bot", bot.withOptions(maxRetries = 0).scopePath)
            assertEquals("gpt-5.4 heard: hello there", bot.chat(chat()).text)
        }
    }

    @Test
    fun `a handle's budget refuses before sending`() = runBlocking {
        client("kt_gov_budget").use { c ->
            val bot = c.scope("bot") { budget { hardUsd = 0.00001; window = "month"; timeZone = "Europe/Berlin" } }
            val e = assertThrows<FoundryException.BudgetExceeded> { runBlocking { bot.chat(chat(maxTokens = 100)) } }
            assertEquals("budget_exceeded", e.kindName)
            assertTrue(e.info.message.contains("acme/bot"), e.info.message)
            assertEquals(0, sent("kt_gov_budget").size)
            // The parent has no cap of its own.
            assertTrue(c.chat(chat(maxTokens = 100)).text!!.isNotEmpty())
        }
    }

    @Test
    fun `a handle's models refuse the others`() = runBlocking {
        client("kt_gov_models").use { c ->
            val bot = c.scope("bot") { models = listOf("gpt-5.4") }
            assertTrue(bot.chat(chat()).text!!.isNotEmpty())
            val e = assertThrows<FoundryException.Policy> { runBlocking { bot.chat(chat("DeepSeek-V3.2")) } }
            assertEquals("policy", e.kindName)
            assertEquals(1, sent("kt_gov_models").size)
        }
    }

    @Test
    fun `revoke fails the handle and its children, not the parent`() = runBlocking {
        client("kt_gov_revoke").use { c ->
            val bot = c.scope("bot")
            val nightly = bot.scope("nightly")
            val same = bot.withOptions(timeout = 30.seconds)
            bot.revoke()
            for (revoked in listOf(bot, nightly, same)) {
                val e = assertThrows<FoundryException.Revoked> { runBlocking { revoked.chat(chat()) } }
                assertEquals("revoked", e.kindName)
                assertTrue(e.info.message.contains("acme/bot"), e.info.message)
            }
            assertTrue(c.chat(chat()).text!!.isNotEmpty())
            assertEquals(1, sent("kt_gov_revoke").size)
            val e = assertThrows<FoundryException.InvalidRequest> { c.revoke() }
            assertTrue(e.info.message.contains("only a scoped handle can be revoked"), e.info.message)
        }
    }

    @Test
    fun `a handle's rpm fails fast past the call's timeout`() = runBlocking {
        client("kt_gov_rpm").use { c ->
            val bot = c.scope("bot") { rpm = 6 } // one request per 10 s window
            assertTrue(bot.chat(chat()).text!!.isNotEmpty())
            val started = System.nanoTime()
            val e = assertThrows<FoundryException.RateLimit> { runBlocking { bot.chat(chat(timeoutSecs = 0.5)) } }
            assertTrue(System.nanoTime() - started < 2_000_000_000L, "failed fast, not after waiting")
            assertNull(e.status, "a local limit: nothing was sent")
            val retryAfter = e.retryAfter
            assertNotNull(retryAfter)
            assertTrue(retryAfter!! > 5.seconds, "retry after $retryAfter")
            assertTrue(e.info.message.contains("scope 'acme/bot'"), e.info.message)
            assertEquals(1, sent("kt_gov_rpm").size)
            assertTrue(c.chat(chat()).text!!.isNotEmpty(), "the parent is not limited")
            // The parent lists its handles' limits too.
            val line = c.limits().single()
            assertEquals("acme/bot", line.limits)
            assertEquals(6L, line.rpm)
            assertNull(line.tpm)
            assertEquals(0L, line.queued)
            assertEquals(0L, line.requestsAvailable)
            assertEquals(listOf(line), bot.limits())
        }
    }

    @Test
    fun `spend reports each budget`() = runBlocking {
        client("kt_gov_spend").use { c ->
            assertEquals(emptyList<SpendLine>(), c.spend())
            assertEquals(emptyList<LimitLine>(), c.limits())
            val bot = c.scope("bot") { budget { hardUsd = 5.0; window = "day"; soft = listOf(0.5, 0.9) } }
            bot.chat(chat(maxTokens = 50))
            bot.settled() // its books are complete (a Redis store settles in the background)
            val line = bot.spend().single()
            assertEquals("acme/bot", line.scope)
            assertEquals(5.0, line.capUsd)
            assertEquals(listOf(0.5, 0.9), line.soft)
            assertTrue(line.spentUsd > 0.0, "spent ${line.spentUsd}")
            assertEquals(0.0, line.reservedUsd)
            assertTrue(line.period.startsWith("day:"), line.period)
        }
    }

    @Test
    fun `a bad option is the core's config error`() {
        client("kt_gov_bad").use { c ->
            fun refused(configure: ScopeOptions.() -> Unit, name: String = "bot") =
                assertThrows<FoundryException.Config> { c.scope(name, configure) }.info.message
            val window = refused({ budget { hardUsd = 1.0; window = "fortnight" } })
            assertTrue(window.startsWith("scope('bot').budget.window: "), window)
            val path = refused({}, name = "a/b")
            assertTrue(path.contains("scope name: 'a/b' is one name"), path)
            val model = refused({ models = listOf("no-such-model") })
            assertTrue(model.startsWith("scope('bot').models"), model)
            val fraction = refused({ set("rpm", 1.5) })
            assertTrue(fraction.startsWith("scope('bot'): ") && fraction.contains("u64"), fraction)
            val unknown = refused({ set("max_budget", 1.0) })
            assertTrue(unknown.contains("max_budget"), unknown)
        }
    }

    @Test
    fun `priority is a local class, never sent, and a bad value is refused`() = runBlocking {
        client("kt_gov_priority").use { c ->
            assertTrue(c.chat(chat().copy(priority = Priority.HIGH)).text!!.isNotEmpty())
            val r = c.responses(ResponsesRequest(model = "gpt-5.1-codex", input = "hi", priority = Priority.LOW))
            assertTrue(r.text!!.isNotEmpty())
            val log = sent("kt_gov_priority")
            assertEquals(2, log.size)
            assertTrue(log.none { it.jsonObject["body"]!!.jsonObject.containsKey("priority") })
            val e = assertThrows<FoundryException.InvalidRequest> {
                runBlocking { c.chat(chat().copy(paramsJson = """{"priority": "urgent"}""")) }
            }
            assertTrue(e.info.message.contains("priority must be"), e.info.message)
            assertEquals(2, sent("kt_gov_priority").size)
        }
    }

    @Test
    fun `events carry the scope, its tags and the spend`() = runBlocking {
        val events = CopyOnWriteArrayList<FoundryEvent>()
        client("kt_gov_events") { onEvent { events += it } }.use { c ->
            val bot = c.scope("bot") { budget { hardUsd = 5.0 }; tags = mapOf("team" to "search") }
            bot.chat(chat(maxTokens = 50))
            assertThrows<FoundryException.Policy> {
                runBlocking { c.scope("strict") { models = listOf("gpt-5.4") }.chat(chat("DeepSeek-V3.2")) }
            }
        }
        val spend = events.filterIsInstance<FoundryEvent.Spend>().map { it.event }
        assertEquals(listOf("reserved", "settled"), spend.map { it.action })
        assertTrue(spend[1].chargedUsd > 0.0)
        assertEquals(0L, events.filterIsInstance<FoundryEvent.Attempt>().first().event.queuedMs)
        val results = events.filterIsInstance<FoundryEvent.Completed>().map { it.event.scope to it.event.tags }
        assertEquals(listOf("acme/bot" to mapOf("team" to "search"), "acme/strict" to emptyMap()), results)
        val policy = events.filterIsInstance<FoundryEvent.Policy>().last().event
        assertEquals(false, policy.allowed)
        assertEquals("approved", policy.rule)
        assertEquals("acme/strict", policy.scope)
    }

    @Test
    fun `a soft threshold sends a budget alert`() = runBlocking {
        val events = CopyOnWriteArrayList<FoundryEvent>()
        client("kt_gov_alert") { onEvent { events += it } }.use { c ->
            val bot = c.scope("bot") { budget { hardUsd = 0.001; soft = listOf(0.01) } }
            bot.chat(chat(maxTokens = 20))
        }
        val alert = events.filterIsInstance<FoundryEvent.BudgetAlert>().single().event
        assertEquals("acme/bot", alert.scope)
        assertEquals(0.01, alert.threshold)
        assertEquals(0.001, alert.capUsd)
    }
}
