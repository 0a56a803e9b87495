package foundryclient

import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/**
 * Every failure of a [Foundry] call: one subclass per kind of the core's taxonomy, each with
 * the [hint] that says what to do, the HTTP [status], the server's [retryAfter] for rate
 * limits, and everything else the core knows ([info]).
 *
 * ```kotlin
 * try { foundry.chat(request) }
 * catch (e: FoundryException.RateLimit) { delay(e.retryAfter ?: 1.seconds) }
 * catch (e: FoundryException) { log.warn("${e.message} (hint: ${e.hint})") }
 * ```
 */
sealed class FoundryException(val info: ErrorInfo) : Exception(info.message) {
    /** The kind, as an enum ([ErrorKind.UNKNOWN] for a kind newer than this binding). */
    val kind: ErrorKind get() = info.kind

    /** The kind's stable snake_case name (`rate_limit`, `content_filter`, ...). */
    val kindName: String get() = info.kindName

    /** What the caller should do about it. */
    val hint: String get() = info.hint

    /** The HTTP status, when the service answered. */
    val status: Int? get() = info.status

    /** The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...). */
    val code: String? get() = info.code

    val deployment: String? get() = info.deployment

    val requestId: String? get() = info.requestId

    /** Whether the same call may succeed if made again later. */
    val retryable: Boolean get() = info.retryable

    /** The server's retry hint (rate limits). */
    val retryAfter: Duration? get() = info.retryAfterMs?.milliseconds

    /** The content-filter categories that fired. */
    val categories: List<String> get() = info.categories

    val contentFilter: ContentFilterReport? get() = info.contentFilter

    /** Every HTTP attempt made before giving up. */
    val attempts: List<Attempt> get() = info.attempts

    override fun toString(): String =
        "FoundryException.${this::class.simpleName}(${status ?: "-"}): $message. Hint: $hint"

    /** The catalog (file, text, builder or environment) is unusable. */
    class Config(info: ErrorInfo) : FoundryException(info)

    /** The request was refused before anything was sent. */
    class InvalidRequest(info: ErrorInfo) : FoundryException(info)

    /** 401: missing, invalid or expired key or token. */
    class Authentication(info: ErrorInfo) : FoundryException(info)

    /** 403: the identity lacks the "Cognitive Services User" role. */
    class PermissionDenied(info: ErrorInfo) : FoundryException(info)

    /** 404 or an unknown deployment name. */
    class NotFound(info: ErrorInfo) : FoundryException(info)

    /** 429: quota or rate limit; see [retryAfter]. */
    class RateLimit(info: ErrorInfo) : FoundryException(info)

    /** Azure's content filter refused the prompt or the completion; see [categories]. */
    class ContentFilter(info: ErrorInfo) : FoundryException(info)

    /** 400 OperationNotSupported: the deployment does not serve this API. */
    class OperationUnsupported(info: ErrorInfo) : FoundryException(info)

    /** Any other 4xx the service refused. */
    class BadRequest(info: ErrorInfo) : FoundryException(info)

    /** 5xx from the service (already retried). */
    class Server(info: ErrorInfo) : FoundryException(info)

    /** The deadline or the per-attempt timeout passed. */
    class Timeout(info: ErrorInfo) : FoundryException(info)

    /** The connection could not be made or broke before an answer. */
    class Connection(info: ErrorInfo) : FoundryException(info)

    /** A stream broke or ended without its terminator. */
    class Stream(info: ErrorInfo) : FoundryException(info)

    /** A thinking model spent its whole token budget reasoning: raise `maxTokens`. */
    class ReasoningExhausted(info: ErrorInfo) : FoundryException(info)

    /** The service answered something the client cannot read. */
    class InvalidResponse(info: ErrorInfo) : FoundryException(info)

    /** Entra ID credentials could not be obtained. */
    class Credential(info: ErrorInfo) : FoundryException(info)

    /** A bug in foundry-client (a Rust panic caught at the boundary): not retryable; please
     *  report it with its message. */
    class Internal(info: ErrorInfo) : FoundryException(info)

    /** A kind newer than this binding ([kindName] names it). */
    class Unknown(info: ErrorInfo) : FoundryException(info)

    companion object {
        /** The subclass for [info]'s kind. Exhaustive: a new kind fails compilation here. */
        fun from(info: ErrorInfo): FoundryException = when (info.kind) {
            ErrorKind.CONFIG -> Config(info)
            ErrorKind.INVALID_REQUEST -> InvalidRequest(info)
            ErrorKind.AUTHENTICATION -> Authentication(info)
            ErrorKind.PERMISSION_DENIED -> PermissionDenied(info)
            ErrorKind.NOT_FOUND -> NotFound(info)
            ErrorKind.RATE_LIMIT -> RateLimit(info)
            ErrorKind.CONTENT_FILTER -> ContentFilter(info)
            ErrorKind.OPERATION_UNSUPPORTED -> OperationUnsupported(info)
            ErrorKind.BAD_REQUEST -> BadRequest(info)
            ErrorKind.SERVER -> Server(info)
            ErrorKind.TIMEOUT -> Timeout(info)
            ErrorKind.CONNECTION -> Connection(info)
            ErrorKind.STREAM -> Stream(info)
            ErrorKind.REASONING_EXHAUSTED -> ReasoningExhausted(info)
            ErrorKind.INVALID_RESPONSE -> InvalidResponse(info)
            ErrorKind.CREDENTIAL -> Credential(info)
            ErrorKind.INTERNAL -> Internal(info)
            ErrorKind.UNKNOWN -> Unknown(info)
        }
    }
}

/** Runs a native call, rethrowing its error as the matching [FoundryException]. UniFFI reports
 *  a panic in a synchronous Rust call as its own [InternalException], which is no
 *  [FoundryException]: it becomes [FoundryException.Internal], so `catch (e: FoundryException)`
 *  sees every failure of the library (a panic in a suspend call already arrives as one). */
internal inline fun <T> mapErrors(call: () -> T): T =
    try {
        call()
    } catch (e: NativeException.Failed) {
        throw FoundryException.from(e.info)
    } catch (e: InternalException) {
        throw FoundryException.Internal(internalInfo(e.message ?: "a panic without a message")).apply { initCause(e) }
    }

/** The [ErrorInfo] of a caught panic, worded as the Rust side words one (`errors::internal`). */
internal fun internalInfo(panic: String) = ErrorInfo(
    kind = ErrorKind.INTERNAL,
    kindName = "internal",
    message = "internal error in foundry-client: $panic; please report it",
    hint = "a bug in foundry-client: please report it with this message",
    status = null,
    code = null,
    deployment = null,
    requestId = null,
    retryable = false,
    retryAfterMs = null,
    categories = emptyList(),
    contentFilter = null,
    attempts = emptyList(),
)
