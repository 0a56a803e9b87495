package foundryclient.examples

import foundryclient.ChatMessage
import foundryclient.ChatRequest
import foundryclient.Foundry
import foundryclient.FoundryException
import foundryclient.categories
import foundryclient.hint
import foundryclient.info
import foundryclient.retryAfter
import foundryclient.user
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import io.ktor.server.request.receiveText
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.response.respondTextWriter
import io.ktor.server.routing.RoutingContext
import io.ktor.server.routing.post
import io.ktor.server.routing.routing

/**
 * The usage guide's access pattern 2 (a Ktor backend in an AKS pod) on foundry-client instead
 * of a hand-built HttpClient call: the pod has FOUNDRY_ENDPOINT and no key, so the client
 * authenticates with the pod's managed identity; retries, the responses-only and thinking-model
 * quirks, and cost are handled by the shared core. Handlers suspend; no thread is blocked.
 *
 * `POST /chat/{deployment}` answers with the text; `POST /stream/{deployment}` streams it.
 */
fun Application.chatRoutes(foundry: Foundry) {
    routing {
        post("/chat/{deployment}") {
            val request = chatRequest()
            answer {
                val r = foundry.chat(request)
                call.response.header("x-foundry-cost-usd", r.costUsd.toString())
                call.respondText(r.text ?: "", ContentType.Text.Plain)
            }
        }
        post("/stream/{deployment}") {
            val request = chatRequest()
            answer {
                // The client hanging up cancels this coroutine, which aborts the Foundry request.
                call.respondTextWriter(ContentType.Text.Plain) {
                    foundry.chatStream(request).collect { chunk ->
                        chunk.text?.let { write(it); flush() }
                    }
                }
            }
        }
    }
}

private suspend fun RoutingContext.chatRequest() = ChatRequest(
    model = call.parameters["deployment"] ?: "gpt-5.4",
    messages = listOf(ChatMessage.user(call.receiveText())),
    maxTokens = 400,
)

/** Foundry's errors as HTTP answers, with the hint for the operator. */
private suspend fun RoutingContext.answer(body: suspend () -> Unit) {
    try {
        body()
    } catch (e: FoundryException.RateLimit) {
        e.retryAfter?.let { call.response.header(HttpHeaders.RetryAfter, it.inWholeSeconds.coerceAtLeast(1).toString()) }
        call.respondText(e.hint, status = HttpStatusCode.TooManyRequests)
    } catch (e: FoundryException.NotFound) {
        call.respondText("${e.info.message}\n${e.hint}", status = HttpStatusCode.NotFound)
    } catch (e: FoundryException.ContentFilter) {
        call.respondText("blocked: ${e.categories.joinToString()}", status = HttpStatusCode.UnprocessableEntity)
    } catch (e: FoundryException) {
        call.respondText("${e.info.message}\n${e.hint}", status = HttpStatusCode.BadGateway)
    }
}

fun main() {
    // In the pod: FOUNDRY_ENDPOINT=https://aucert-ai.cognitiveservices.azure.com/ and no
    // FOUNDRY_API_KEY, so managed identity is used. Foundry.fromConfig("/etc/foundry/foundry.yaml")
    // adds routes, prices and per-deployment quirks.
    val foundry = Foundry.fromEnvironment()
    embeddedServer(CIO, port = 8080) { chatRoutes(foundry) }.start(wait = true)
}
