package foundryclient.bench

import foundryclient.benchNoop
import foundryclient.benchNoopAsync
import java.util.concurrent.Executors
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.withContext

/**
 * Cell 4 of issue 6: what crossing into Rust costs, as a no-op sync call and a no-op `suspend`
 * call of the binding (its `benchNoop`/`benchNoopAsync` hooks) against the same calls in plain
 * Kotlin. Each round times batches of calls, so the clock's own cost (~25 ns) is spread over a
 * batch; a round's figure is the median of its batches' per-call times.
 *
 * Most of the sync figure is UniFFI 0.32's JNA glue, not the crossing itself: every generated
 * call allocates a `UniffiRustCallStatus` JNA `Structure` (native memory, a cleaner, reflective
 * read/write); allocating one alone measured about as long as the whole call here. uniffi-rs's
 * own benchmark puts its JNA call-only path at 3.5 us against 54 ns for its JNI bindgen
 * (mozilla/uniffi-rs#2859).
 */
private const val BATCH = 1_000

/** The sync baseline's callee: in its own object, like a utility function in real code. */
object KotlinNoop {
    @Volatile
    @JvmField
    var state = 0

    /**
     * Does nothing but a volatile read. The JIT inlines a plain call (as it would in a service);
     * the volatile read, which it may not remove or hoist, keeps the loop from being deleted.
     */
    @JvmStatic
    fun noop(): Int = state
}

/** Per-call times of the four variants, one figure per round. */
class NoopResults(val syncNs: List<Double>, val baselineSyncNs: List<Double>, val asyncUs: List<Double>, val baselineAsyncUs: List<Double>)

/** Where the baseline's sum goes: a static field's writes are never dropped. */
private var sink = 0

private inline fun batches(calls: Int, call: () -> Unit): Double {
    val perCall = DoubleArray(calls / BATCH) {
        val started = System.nanoTime()
        repeat(BATCH) { call() }
        (System.nanoTime() - started).toDouble() / BATCH
    }
    perCall.sort()
    return perCall[perCall.size / 2]
}

private fun syncFoundry(calls: Int) = batches(calls) { benchNoop() }

private fun syncKotlin(calls: Int): Double {
    var acc = 0
    val perCall = batches(calls) { acc += KotlinNoop.noop() }
    sink += acc
    return perCall
}

// The async pair, each awaited in turn by a coroutine on one dedicated thread. The binding's
// suspend call hands its task to a tokio worker, which resumes the coroutine when it is done:
// two thread hand-offs. `withContext(Dispatchers.Default) {}` makes the same two: to a pool
// thread and back to the caller's. (`suspendCancellableCoroutine { it.resume(Unit) }` would
// never suspend at all, and the caller on Default would make withContext a no-op.)
private suspend fun asyncFoundry(calls: Int): Double {
    val perCall = DoubleArray(calls / BATCH) {
        val started = System.nanoTime()
        repeat(BATCH) { benchNoopAsync() }
        (System.nanoTime() - started) / 1e3 / BATCH
    }
    return perCall.sorted()[perCall.size / 2]
}

private suspend fun asyncKotlin(calls: Int): Double {
    val perCall = DoubleArray(calls / BATCH) {
        val started = System.nanoTime()
        repeat(BATCH) { withContext(Dispatchers.Default) {} }
        (System.nanoTime() - started) / 1e3 / BATCH
    }
    return perCall.sorted()[perCall.size / 2]
}

/** [rounds] interleaved rounds of [syncCalls] and [asyncCalls] calls per variant, after a warm-up. */
suspend fun noopCalls(rounds: Int, syncCalls: Int, asyncCalls: Int): NoopResults {
    val executor = Executors.newSingleThreadExecutor { Thread(it, "bench-caller") }
    try {
        return withContext(executor.asCoroutineDispatcher()) {
            // Warm-up: the library load and the JIT's compiled loops for every variant.
            syncFoundry(syncCalls)
            syncKotlin(syncCalls)
            asyncFoundry(asyncCalls)
            asyncKotlin(asyncCalls)
            val r = List(4) { mutableListOf<Double>() }
            repeat(rounds) {
                r[0] += syncFoundry(syncCalls)
                r[1] += syncKotlin(syncCalls)
                r[2] += asyncFoundry(asyncCalls)
                r[3] += asyncKotlin(asyncCalls)
            }
            NoopResults(r[0], r[1], r[2], r[3])
        }
    } finally {
        executor.shutdown()
    }
}
