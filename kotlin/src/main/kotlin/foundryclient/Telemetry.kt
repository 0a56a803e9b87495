package foundryclient

/**
 * The core's OpenTelemetry export (issue 14, part 3): spans and GenAI metrics go over OTLP when
 * the standard `OTEL_*` variables ask for it, from the core's own threads, which end with the
 * process. So once a client has set the export up, a JVM shutdown hook flushes what is still
 * buffered (normal exit, `System.exit`, SIGTERM); [Foundry.flushTelemetry] is there for
 * everything else (before a `halt`, at the end of a batch job's step).
 */
internal object TelemetryShutdown {
    @Volatile
    private var armed = false

    /** After a client is built: when this process exports, flush at JVM shutdown (once). */
    fun armIfExporting() {
        if (armed) return
        synchronized(this) {
            if (armed || !telemetryEnabled()) return
            armed = true
            val flush = Thread({ kotlinx.coroutines.runBlocking { runCatching { flushTelemetry() } } }, "foundry-telemetry-flush")
            Runtime.getRuntime().addShutdownHook(flush)
        }
    }
}
