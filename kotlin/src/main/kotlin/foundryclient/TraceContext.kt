package foundryclient

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.Context
import io.opentelemetry.context.propagation.TextMapSetter

/**
 * The caller's OpenTelemetry trace on each request (issue 14, part 3): when
 * `io.opentelemetry:opentelemetry-api` is on the classpath and a span is current on the calling
 * thread, the call carries its W3C `traceparent` (and `tracestate`) as extra headers, so the
 * core's span, or the service's when the core exports nothing, joins the caller's trace. Nothing
 * else about tracing crosses into the core. The API is an optional dependency: without it
 * nothing is added and nothing fails. A `traceparent` the caller set (in any case) wins, together
 * with its `tracestate`.
 *
 * The span is read where the call starts: in coroutines that hop threads, carry it with
 * `opentelemetry-extension-kotlin`'s `Context.asContextElement()`, as for any thread-local.
 */
internal object TraceContext {
    /** Looked up once, without initializing anything: a class lookup is the whole cost when absent. */
    private val apiPresent: Boolean =
        try {
            Class.forName("io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator", false, TraceContext::class.java.classLoader)
            true
        } catch (_: ClassNotFoundException) {
            false
        } catch (_: LinkageError) {
            false
        }

    /** [headers] with the current span's trace headers added, or [headers] itself when none apply. */
    fun headers(headers: Map<String, String>): Map<String, String> =
        if (apiPresent) W3CHeaders.addTo(headers) else headers
}

/** The only code touching the OpenTelemetry API: its class is loaded only when the API is there. */
private object W3CHeaders {
    private val setter = TextMapSetter<MutableMap<String, String>> { carrier, key, value -> carrier?.put(key, value) }

    fun addTo(headers: Map<String, String>): Map<String, String> {
        if (headers.keys.any { it.equals("traceparent", ignoreCase = true) }) return headers
        val trace = HashMap<String, String>(2)
        // Writes nothing when the current span context is not valid (no span, or all-zero ids).
        W3CTraceContextPropagator.getInstance().inject(Context.current(), trace, setter)
        if (trace.isEmpty()) return headers
        if (headers.keys.any { it.equals("tracestate", ignoreCase = true) }) trace.remove("tracestate")
        return headers + trace
    }
}

internal fun ChatRequest.traced(): ChatRequest =
    TraceContext.headers(extraHeaders).let { if (it === extraHeaders) this else copy(extraHeaders = it) }

internal fun ResponsesRequest.traced(): ResponsesRequest =
    TraceContext.headers(extraHeaders).let { if (it === extraHeaders) this else copy(extraHeaders = it) }

internal fun EmbeddingsRequest.traced(): EmbeddingsRequest =
    TraceContext.headers(extraHeaders).let { if (it === extraHeaders) this else copy(extraHeaders = it) }
