package foundryclient

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * An open streamed answer: [next] chunk by chunk, or [chunks] as a [Flow]; [result] is the
 * folded answer once the stream has ended. [close] (or cancelling the collecting coroutine)
 * cancels the stream in the core, which aborts the HTTP request. An answer cut off never looks
 * complete: a read after [close] throws [FoundryException.Cancelled], and a read after a failure
 * throws the same error again.
 */
class FoundryStream internal constructor(private val native: NativeStream) : AutoCloseable {
    /** The deployment streaming the answer. */
    val deployment: String get() = native.deployment()

    /** The next chunk, `null` at the clean end. Suspends on network IO; never blocks a thread. */
    suspend fun next(): ChatChunk? = mapErrors { native.next() }

    /** The whole answer (usage and cost included when the service sent them), once ended. */
    val result: ChatResult? get() = mapErrors { native.result() }

    /** The remaining chunks; the stream is cancelled when collection stops before its end
     *  (an exception, `take(n)`, the collector's coroutine cancelled). */
    fun chunks(): Flow<ChatChunk> = flow {
        try {
            while (true) {
                val chunk = next() ?: break
                emit(chunk)
            }
        } finally {
            close()
        }
    }

    /**
     * Stops the stream and closes its connection; a no-op once it has ended. Idempotent; never
     * blocks; [result] stays readable (the native handle is freed by the garbage collector).
     */
    override fun close() = mapErrors { native.cancel() }
}
