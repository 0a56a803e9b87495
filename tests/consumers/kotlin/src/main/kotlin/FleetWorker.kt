// One JVM process of the mixed-language fleet test (bindings/cli/tests/fleet_mixed.rs), built
// with this consumer by scripts/test_kotlin.sh and run on the jar it built, JNA loading the
// library from the jar.
//
// Makes CALLS chat calls at once through the catalog at CONFIG (the fleet's Redis store in
// it), waits until every settle has reached the store, and prints one JSON line: calls
// answered, calls refused with the typed FoundryException.BudgetExceeded, and every other
// failure by kind.
//
// Usage: java -cp ... FleetWorkerKt CONFIG MODEL CALLS
import foundryclient.ChatMessage
import foundryclient.Foundry
import foundryclient.FoundryException
import foundryclient.info
import foundryclient.kindName
import foundryclient.user
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking

private sealed interface Outcome {
    object Answered : Outcome
    object Refused : Outcome
    data class Failed(val kind: String, val message: String) : Outcome
}

fun main(args: Array<String>) = runBlocking {
    val (config, model, calls) = args
    Foundry.fromConfig(config).use { foundry ->
        val outcomes = (1..calls.toInt()).map {
            async {
                try {
                    foundry.chat(model, ChatMessage.user("Status report please"), maxTokens = 1)
                    Outcome.Answered
                } catch (e: FoundryException.BudgetExceeded) {
                    Outcome.Refused
                } catch (e: FoundryException) {
                    Outcome.Failed(e.kindName, e.info.toString())
                } catch (e: Exception) {
                    Outcome.Failed(e.javaClass.simpleName, e.toString())
                }
            }
        }.awaitAll()
        foundry.settled()
        val failed = outcomes.filterIsInstance<Outcome.Failed>()
        val errors = failed.groupingBy { it.kind }.eachCount()
            .entries.joinToString(",", "{", "}") { (kind, n) -> "\"$kind\":$n" }
        val firstError = failed.firstOrNull()?.message?.let { "\"" + it.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"" }
        println(
            "{\"language\":\"kotlin\",\"answered\":${outcomes.count { it == Outcome.Answered }}," +
                "\"refused\":${outcomes.count { it == Outcome.Refused }},\"errors\":$errors," +
                "\"first_error\":${firstError ?: "null"}}",
        )
    }
}
