// One call through the installed foundry-client: FOUNDRY_ENDPOINT and FOUNDRY_API_KEY point at
// the emulator (scripts/test_kotlin.sh). It fails unless the answer echoes the prompt.
import foundryclient.ChatMessage
import foundryclient.Foundry
import foundryclient.user
import kotlinx.coroutines.runBlocking

fun main() = runBlocking {
    Foundry.fromEnvironment().use { foundry ->
        val r = foundry.chat("DeepSeek-V3.2", ChatMessage.user("Hello from a Maven consumer"))
        check(r.text?.contains("Hello from a Maven consumer") == true) { "unexpected answer: ${r.text}" }
        println("kotlin consumer: ok ${r.deployment} ${r.usage.totalTokens} tokens")
    }
}
