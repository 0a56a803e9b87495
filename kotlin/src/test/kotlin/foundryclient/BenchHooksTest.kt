package foundryclient

import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** The no-op hooks the benchmark's cell 4 times (tests/bench/kotlin) work: no timing here. */
class BenchHooksTest {
    @Test
    fun `the sync no-op returns`() {
        repeat(1_000) { benchNoop() }
    }

    @Test
    fun `the suspend no-op completes`() = runBlocking {
        withTimeout(30.seconds) { benchNoopAsync() }
    }

    @Test
    fun `1,000 concurrent suspend no-ops complete on one dispatcher`() {
        val executor = Executors.newSingleThreadExecutor { Thread(it, "the-only-thread") }
        val done = AtomicInteger()
        // The hook's task runs on the binding's tokio workers, which resume the coroutines on
        // this one thread: all of them must come back, none may be lost or resumed twice.
        runBlocking(executor.asCoroutineDispatcher()) {
            withTimeout(60.seconds) {
                repeat(1_000) {
                    launch {
                        benchNoopAsync()
                        done.incrementAndGet()
                    }
                }
            }
        }
        executor.shutdown()
        assertEquals(1_000, done.get())
    }
}
