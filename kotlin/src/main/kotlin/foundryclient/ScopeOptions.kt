package foundryclient

/**
 * What a scoped handle may do: `foundry.scope(name) { ... }`'s options. The builder only writes
 * them as the options object every binding passes (`models`, `budget`, `rpm`, `tpm`, `tags`);
 * the core reads and checks them (`ScopeSpec::from_json`), so its messages are the ones a caller
 * sees. [set] reaches an option by its snake_case name.
 *
 * ```kotlin
 * val bot = foundry.scope("search-bot") {
 *     models = listOf("gpt-5.4")
 *     budget { hardUsd = 5.0; window = "day"; soft = listOf(0.8) }
 *     rpm = 60
 *     tags = mapOf("team" to "search")
 * }
 * ```
 */
class ScopeOptions internal constructor() : CatalogObject() {
    /** The deployments the handle may call; null: whatever its parent may. */
    var models: List<String>? by key("models")

    /** The handle's own requests per minute, queued on top of its parents' limits. */
    var rpm: Long? by key("rpm")

    /** The handle's own tokens per minute, queued on top of its parents' limits. */
    var tpm: Long? by key("tpm")

    /** Added to the result events of the handle's calls, over its parents' tags. */
    var tags: Map<String, String>? by key("tags")

    /** The handle's own budget, checked before each attempt is sent (with its parents'). */
    fun budget(configure: ScopeBudgetBuilder.() -> Unit) = child("budget", ::ScopeBudgetBuilder, configure)
}
