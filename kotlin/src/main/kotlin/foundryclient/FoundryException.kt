package foundryclient

import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

// `FoundryException` itself is generated (foundry_client_uniffi.kt) from the core's list of
// error kinds: one subclass per kind plus `Internal`. These read its details.
//
// ```kotlin
// try { foundry.chat(request) }
// catch (e: FoundryException.RateLimit) { delay(e.retryAfter ?: 1.seconds) }
// catch (e: FoundryException) { log.warn("${e.info.message} (hint: ${e.hint})") }
// ```

/** Everything the core knows about the failure. */
val FoundryException.info: ErrorInfo get() = details()

/** The core's stable snake_case name of the kind (`rate_limit`, `content_filter`, ...). */
val FoundryException.kindName: String get() = info.kindName

/** What the caller should do about it. */
val FoundryException.hint: String get() = info.hint

/** The HTTP status, when the service answered. */
val FoundryException.status: Int? get() = info.status

/** The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...). */
val FoundryException.code: String? get() = info.code

val FoundryException.deployment: String? get() = info.deployment

val FoundryException.requestId: String? get() = info.requestId

/** Whether the same call may succeed if made again later. */
val FoundryException.retryable: Boolean get() = info.retryable

/** The server's retry hint (rate limits). */
val FoundryException.retryAfter: Duration? get() = info.retryAfterMs?.milliseconds

/** The content-filter categories that fired. */
val FoundryException.categories: List<String> get() = info.categories

val FoundryException.contentFilter: ContentFilterReport? get() = info.contentFilter

/** Every HTTP attempt made before giving up. */
val FoundryException.attempts: List<Attempt> get() = info.attempts

/** A failure below the client (an IO, TLS or identity error, a token provider's exception),
 *  kept by the core as text: the `cause` of a [FoundryException]. */
class FoundryCause(message: String, cause: FoundryCause?) : Exception(message, cause)

/** Runs a native call; a [FoundryException] it throws gets the core's cause chain as `cause`. */
internal inline fun <T> mapErrors(call: () -> T): T =
    try {
        call()
    } catch (e: FoundryException) {
        val chain = e.info.causes.foldRight(null as FoundryCause?) { message, below -> FoundryCause(message, below) }
        if (chain != null && e.cause == null) runCatching { e.initCause(chain) }
        throw e
    }
