package foundryclient

import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * The catalog builder reaches every key the core's catalog format accepts: this catalog sets
 * each typed property once (never the untyped `set`), and its key paths must be exactly the
 * core's `catalogKeys()`. A key added to the core fails here until the builder has a property
 * for it and this catalog sets it. The core then accepts the whole catalog.
 */
class CatalogParityTest {
    private val ledger = File.createTempFile("foundry-ledger", ".sqlite").apply { delete(); deleteOnExit() }

    private fun AuthBuilder.everyEntraKey() {
        type = "entra"
        credential = "client_secret"
        tenantId = "made-up-tenant"
        clientId = "made-up-client"
        clientSecretEnv = "MY_CLIENT_SECRET"
        federatedTokenFile = "/var/run/secrets/azure/tokens/azure-identity-token"
        authorityHost = "https://login.microsoftonline.com/"
        scope = "https://cognitiveservices.azure.com/.default"
        caFile = Emulator.caFile
    }

    private val everyKey: CatalogBuilder.() -> Unit = {
        defaults {
            endpoint = Emulator.endpoint
            shape = "azure"
            apiVersion = "2024-10-21"
            responsesApiVersion = "2025-04-01-preview"
            extraParameters = "pass-through"
            headers = mapOf("x-team" to "search")
            timeoutSecs = 30.0
            deadlineSecs = 120.0
            auth { everyEntraKey() }
            retry { maxRetries = 2; baseDelayMs = 10; maxDelayMs = 100; maxServerWaitMs = 1000 }
            limits { maxBodyBytes = 1 shl 20; maxErrorBodyBytes = 1 shl 16; maxStreamBytes = 1 shl 22 }
            tokenFetch { timeoutSecs = 10.0; failureMemoryMs = 500; maxRetryAfterSecs = 5.0 }
            retryBudget { enabled = true; capacity = 100; retryCost = 5; timeoutCost = 10; refill = 1 }
            circuitBreaker { enabled = true; failureThreshold = 3; cooldownMs = 1000 }
        }
        deployment("gpt-5.4") {
            deployment = "gpt-5.4-prod"
            model = "gpt-5.4"
            endpoint = Emulator.endpoint
            shape = "azure"
            apiVersion = "2024-10-21"
            responsesApiVersion = "2025-04-01-preview"
            extraParameters = "drop"
            thinking = false
            responsesOnly = false
            maxTokensParam = "max_completion_tokens"
            pricing(input = 1.25, output = 10.0, cachedInput = 0.125)
            tpm = 100_000
            rpm = 600
            tags = mapOf("tier" to "gold")
            headers = mapOf("x-route" to "a")
            retryAfterSend = false
            auth { apiKey("made-up-key") }
        }
        deployment("Kimi-K2.6") {
            thinking = true
            minMaxTokens = 100
            auth { apiKeyFromEnv("MY_KEY") }
        }
        deployment("o3") { auth { everyEntraKey() } }
        route("decision", "gpt-5.4", "Kimi-K2.6", fallbackOnContentFilter = true)
        governance {
            scope = "acme/search"
            ledger = this@CatalogParityTest.ledger.path
            outputBound = 4096
            rateLimits = true
            budget { scope = "acme"; window = "month"; timeZone = "Europe/Berlin"; hardUsd = 100.0; soft = listOf(0.8) }
            policy { scope = "acme/search"; approved = listOf("gpt-5.4"); maxPromptTokens = 8000; requireHeader = "x-correlation-id" }
            declareScope {
                name = "acme/search"
                models = listOf("gpt-5.4")
                budget { hardUsd = 50.0; window = "day"; timeZone = "UTC"; soft = listOf(0.5) }
                rpm = 600
                tpm = 60000
                tags = mapOf("cost_center" to "4711")
            }
            declareScope {
                keyAlias = "acme/search/bot"
                maxBudget = 10.0
                softBudget = 8.0
                budgetDuration = "30d"
                rpmLimit = 60
                tpmLimit = 6000
            }
        }
    }

    /** The key paths a builder value sets, as the core writes them (`deployments[].pricing.input`). */
    private fun paths(value: Any?, prefix: String): Set<String> = when (value) {
        is CatalogObject -> value.values.flatMap { (k, v) -> paths(v, if (prefix.isEmpty()) k else "$prefix.$k") }.toSet()
        is List<*> -> if (value.any { it is CatalogObject }) value.flatMap { paths(it, "$prefix[]") }.toSet() else setOf(prefix)
        else -> setOf(prefix)
    }

    /** One object holds one kind of auth: the defaults' api-key and key-vault keys are set by
     *  these. The store's keys too: `ledger` (its short form) is set above, and both at once are
     *  refused. */
    private val otherAuth: List<CatalogBuilder.() -> Unit> = listOf(
        { defaults { auth { apiKey("made-up-key") } } },
        { defaults { auth { apiKeyFromEnv("MY_KEY") } } },
        { defaults { auth { keyVault("aucertdev-kv-41e0x5", "foundry-api-key"); refreshSecs = 300 } } },
        { deployment("kv") { auth { keyVault("aucertdev-kv-41e0x5", "foundry-api-key"); refreshSecs = 300 } } },
        {
            governance {
                store {
                    type = "redis"; path = "/unused"; url = "redis://127.0.0.1:6379/0"; prefix = "acme"
                    leaseSecs = 60; onUnreachable = "local"; fleetSize = 4
                    alertWebhook = "http://127.0.0.1:9/hook"
                }
            }
        },
    )

    @Test
    fun `the builder sets every key of the core's catalog format`() {
        val set = (otherAuth + everyKey).flatMap { paths(CatalogBuilder().apply(it), "") }.toSortedSet()
        assertEquals(catalogKeys().toSortedSet(), set)
    }

    @Test
    fun `the core accepts a catalog with every key`() {
        val env = mapOf("MY_CLIENT_SECRET" to "made-up-secret", "MY_KEY" to "made-up-key")
        Foundry.builder().catalog(everyKey).env(env).build().use { foundry ->
            val gpt = foundry.deployments().first { it.name == "gpt-5.4" }
            assertEquals("gpt-5.4-prod", gpt.deployment)
            assertEquals(listOf("gpt-5.4", "Kimi-K2.6", "o3"), foundry.deployments().map { it.name })
        }
    }
}
