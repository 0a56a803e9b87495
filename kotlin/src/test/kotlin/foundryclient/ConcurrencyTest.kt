package foundryclient

import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Calls suspend instead of blocking: 200 of them run concurrently on one thread. */
class ConcurrencyTest {
    @Test
    fun `200 concurrent calls finish on a single-threaded dispatcher`() {
        val executor = Executors.newSingleThreadExecutor { Thread(it, "the-only-thread") }
        val single = executor.asCoroutineDispatcher()
        Emulator.client("kt_concurrency").use { foundry ->
            // Warm up (library load, JIT) outside the measured part.
            runBlocking(single) { foundry.chat("DeepSeek-V3.2", ChatMessage.user("warm up")) }
            // Every answer then takes a second at the emulator: one after another, 200 calls would
            // take 200 s (far past the timeout), and a blocked thread could not tick meanwhile.
            Emulator.scenario("kt_concurrency", """{"deployments": {"DeepSeek-V3.2": ${List(200) { "\"delay-ms=1000\"" }}}}""")
            val ticks = AtomicInteger()
            val started = System.nanoTime()
            val texts = runBlocking(single) {
                withTimeout(60.seconds) {
                    val ticker = launch {
                        while (isActive) {
                            delay(10)
                            ticks.incrementAndGet()
                        }
                    }
                    val answers = (1..200).map { i ->
                        async { foundry.chat("DeepSeek-V3.2", ChatMessage.user("call $i")).text }
                    }.awaitAll()
                    ticker.cancel()
                    answers
                }
            }
            println("200 calls of 1 s each on one thread: ${(System.nanoTime() - started) / 1_000_000} ms, ${ticks.get()} ticks")
            assertEquals((1..200).map { "DeepSeek-V3.2 heard: call $it" }, texts)
            // While the calls waited on the emulator, the only thread kept running other coroutines.
            assertTrue(ticks.get() >= 20, "the dispatcher's only thread was blocked (ticks: ${ticks.get()})")
        }
        executor.shutdown()
    }
}
