package foundryclient

import kotlinx.coroutines.runBlocking

/**
 * Run by [TraceContextTest] in a JVM without the OpenTelemetry API: one chat call to the
 * emulator at `args[0]`, scenario `args[1]`; prints the answer's text.
 */
fun main(args: Array<String>) {
    val absent = runCatching { Class.forName("io.opentelemetry.api.trace.Span") }.isFailure
    check(absent) { "the OpenTelemetry API is on this JVM's classpath: the test proves nothing" }
    val catalog = """
        defaults:
          endpoint: ${args[0]}
          auth: {type: api_key, key: "emulator-key-0000"}
          headers: {x-emulator-scenario: "${args[1]}"}
        deployments:
          - {name: DeepSeek-V3.2}
    """.trimIndent()
    Foundry.fromCatalog(catalog).use { foundry ->
        val streamed = runBlocking {
            foundry.openChatStream(ChatRequest(model = "DeepSeek-V3.2", messages = listOf(ChatMessage.user("hi")))).use {
                it.chunks().collect {}
                it.result?.text
            }
        }
        val answer = runBlocking { foundry.chat("DeepSeek-V3.2", ChatMessage.user("hi")) }
        println("${answer.text}|$streamed")
    }
}
