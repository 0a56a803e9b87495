/*
 * Governance through C (issue 11): scoped handles from foundry_client_scope() (their budget,
 * approved models and rpm refusing before anything is sent; revoke reaching the handle's
 * children and not its parent; handles freed before and after their parents), spend() and
 * limits() as JSON, the core's messages for bad scope options, the request's `priority`, and
 * the governance events (spend, policy, budget_alert; the result's scope and tags; the
 * attempt's queued_ms) at the event callback. The rules are the core's (tests/conformance has
 * their vectors); these tests pin what C adds: the entry points, codes and JSON shapes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- clients and calls ---------------------------------------------------------------- */

/* A client for a fresh `scenario` whose catalog is priced and governed: scope `acme`, an
 * in-memory ledger, no retries. */
static const char *PRICING = "\"pricing\":{\"input\":1.25,\"output\":10}";

static foundry_client *governed(const char *scenario) {
    register_scenario(scenario, "{}");
    char *settings = NULL;
    CHECK(asprintf(&settings,
                   "{\"catalog\":{\"defaults\":{\"endpoint\":\"%s\",\"auth\":{\"type\":\"api_key\",\"key\":\"emulator-key-0000\"},"
                   "\"retry\":{\"max_retries\":0},\"headers\":{\"x-emulator-scenario\":\"%s\"}},"
                   "\"deployments\":[{\"name\":\"gpt-5.4\",\"max_tokens_param\":\"max_completion_tokens\",%s},"
                   "{\"name\":\"DeepSeek-V3.2\",%s},"
                   "{\"name\":\"gpt-5.1-codex\",\"responses_only\":true,\"max_tokens_param\":\"max_completion_tokens\",%s}],"
                   "\"governance\":{\"scope\":\"acme\",\"ledger\":\"memory\"}},\"env\":{}}",
                   endpoint, scenario, PRICING, PRICING, PRICING) > 0);
    foundry_client *c = client_from(settings);
    free(settings);
    return c;
}

/* A scoped handle of `parent` (must succeed), or NULL. */
static foundry_client *scope(const foundry_client *parent, const char *name, const char *options) {
    foundry_client *handle = NULL;
    foundry_error *err = foundry_client_scope(parent, name, options, &handle);
    CHECK(err == NULL && handle != NULL);
    if (err) fprintf(stderr, "  scope %s %s: %s\n", name, options ? options : "NULL", err->message);
    foundry_error_free(err);
    return handle;
}

/* A chat call to `model` with `extra` fields (`,"key":value...`, or ""): its error (NULL on
 * success, when the answer must be the emulator's echo). */
static foundry_error *ask(const foundry_client *c, const char *model, const char *extra) {
    char *request = NULL;
    if (asprintf(&request, "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]%s}",
                 model, extra) < 0)
        return NULL;
    char *out = NULL;
    foundry_error *err = foundry_chat(c, request, &out);
    if (err == NULL) CHECK(CONTAINS(out, "heard: Hello there"));
    foundry_string_free(out);
    free(request);
    return err;
}

/* `ask` must succeed. */
static void ask_ok(const foundry_client *c, const char *model, const char *extra) {
    foundry_error *err = ask(c, model, extra);
    CHECK(err == NULL);
    if (err) fprintf(stderr, "  chat through the handle: %s\n", err->message);
    foundry_error_free(err);
}

/* How many requests the emulator saw for `scenario` (each log entry has one "aborted" key). */
static int requests_seen(const char *scenario) {
    char *log = request_log(scenario);
    int n = 0;
    for (const char *at = log; at && (at = strstr(at, "\"aborted\":")) != NULL; at++) n++;
    free(log);
    return n;
}

/* The scope path of `c` (malloc'd by the library), or NULL. */
static char *path_of(const foundry_client *c) {
    char *path = NULL;
    foundry_error *err = foundry_client_scope_path(c, &path);
    CHECK(err == NULL);
    foundry_error_free(err);
    return path;
}

static int path_is(const foundry_client *c, const char *expected) {
    char *path = path_of(c);
    int same = path != NULL && strcmp(path, expected) == 0;
    if (!same) fprintf(stderr, "  scope path: %s, expected %s\n", path ? path : "NULL", expected);
    foundry_string_free(path);
    return same;
}

/* The number after `"key":` in `json`, or -1 when absent. */
static double number_at(const char *json, const char *key) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *at = json ? strstr(json, needle) : NULL;
    return at ? strtod(at + strlen(needle), NULL) : -1;
}

/* ---- recorded events ------------------------------------------------------------------ */

/* The events the callback received, in order (it runs on the library's threads). */
static struct {
    pthread_mutex_t lock;
    char *events[64];
    int count;
} seen = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};

static void record(const char *event_json, void *user_data) {
    (void)user_data;
    pthread_mutex_lock(&seen.lock);
    if (seen.count < 64) seen.events[seen.count++] = strdup(event_json);
    pthread_mutex_unlock(&seen.lock);
}

static void forget_events(void) {
    pthread_mutex_lock(&seen.lock);
    for (int i = 0; i < seen.count; i++) free(seen.events[i]);
    seen.count = 0;
    pthread_mutex_unlock(&seen.lock);
}

/* How many recorded events contain every one of `needles` (NULL-terminated). */
static int count_events(const char *needles[]) {
    int n = 0;
    pthread_mutex_lock(&seen.lock);
    for (int i = 0; i < seen.count; i++) {
        int all = 1;
        for (const char **needle = needles; *needle && all; needle++) all = strstr(seen.events[i], *needle) != NULL;
        n += all;
    }
    pthread_mutex_unlock(&seen.lock);
    return n;
}

/* The first recorded event containing `needle`, copied (malloc'd), or NULL. */
static char *first_event(const char *needle) {
    char *found = NULL;
    pthread_mutex_lock(&seen.lock);
    for (int i = 0; i < seen.count && !found; i++)
        if (strstr(seen.events[i], needle)) found = strdup(seen.events[i]);
    pthread_mutex_unlock(&seen.lock);
    return found;
}

/* Waits (up to 2 s) until `count` events contain `needle`: events arrive on other threads. */
static void settle(const char *needle, int count) {
    const char *needles[] = {needle, NULL};
    for (int i = 0; i < 400 && count_events(needles) < count; i++) usleep(5000);
}

/* ---- scoped handles ------------------------------------------------------------------- */

static int keep_reading(const char *chunk_json, void *user_data) {
    (void)chunk_json;
    (void)user_data;
    return 0;
}

static void test_handles(void) {
    foundry_client *client = governed("c_gov_handle");
    CHECK(path_is(client, "acme"));
    foundry_client *bot = scope(client, "bot", "{\"tags\":{\"team\":\"search\"}}");
    foundry_client *nightly = scope(bot, "nightly", NULL);
    foundry_client *same = NULL;
    CHECK(foundry_client_with_options(bot, "{\"max_retries\":0}", &same) == NULL);
    CHECK(path_is(bot, "acme/bot"));
    CHECK(path_is(nightly, "acme/bot/nightly"));
    CHECK(path_is(same, "acme/bot"));
    /* A handle is a full client, streams included. */
    ask_ok(bot, "gpt-5.4", "");
    char *folded = NULL;
    foundry_error *err = foundry_chat_stream(
        nightly, "{\"model\":\"gpt-5.4\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}", keep_reading,
        NULL, &folded);
    CHECK(err == NULL && CONTAINS(folded, "gpt-5.4 heard: Hello there"));
    foundry_error_free(err);
    foundry_string_free(folded);
    /* Parents freed before their handles: the handles keep working. */
    foundry_client_free(client);
    foundry_client_free(bot);
    ask_ok(nightly, "gpt-5.4", "");
    ask_ok(same, "gpt-5.4", "");
    foundry_client_free(same);
    foundry_client_free(nightly);

    /* A client without governance.scope has no path until it is scoped. */
    foundry_client *plain = client_for("c_gov_plain", "emulator-key-0000");
    char *path = (char *)"stale";
    CHECK(foundry_client_scope_path(plain, &path) == NULL && path == NULL);
    foundry_client *team = scope(plain, "team", "{}");
    CHECK(path_is(team, "team"));
    foundry_client_free(team);
    foundry_client_free(plain);
}

static void test_budget_refuses_before_sending(void) {
    forget_events();
    foundry_client *client = governed("c_gov_budget");
    CHECK(foundry_client_set_event_callback(client, record, NULL) == NULL);
    foundry_client *bot =
        scope(client, "bot", "{\"budget\":{\"hard_usd\":0.00001,\"window\":\"month\",\"time_zone\":\"Europe/Berlin\"}}");
    foundry_error *err = ask(bot, "gpt-5.4", ",\"max_tokens\":100");
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_BUDGET_EXCEEDED && strcmp(err->kind, "budget_exceeded") == 0);
    CHECK(err != NULL && CONTAINS(err->message, "acme/bot") && err->status == 0);
    foundry_error_free(err);
    CHECK(requests_seen("c_gov_budget") == 0);
    const char *refused[] = {"\"type\":\"spend\"", "\"action\":\"refused\"", "\"scope\":\"acme/bot\"", NULL};
    settle("\"action\":\"refused\"", 1);
    CHECK(count_events(refused) == 1);
    CHECK(foundry_client_set_event_callback(client, NULL, NULL) == NULL);
    forget_events();
    ask_ok(client, "gpt-5.4", ",\"max_tokens\":100"); /* the parent has no cap of its own */
    foundry_client_free(bot);
    foundry_client_free(client);
}

static void test_models_refuse_the_others(void) {
    foundry_client *client = governed("c_gov_models");
    foundry_client *bot = scope(client, "bot", "{\"models\":[\"gpt-5.4\"]}");
    ask_ok(bot, "gpt-5.4", "");
    foundry_error *err = ask(bot, "DeepSeek-V3.2", "");
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_POLICY && strcmp(err->kind, "policy") == 0);
    foundry_error_free(err);
    CHECK(requests_seen("c_gov_models") == 1);
    ask_ok(client, "DeepSeek-V3.2", ""); /* the parent may */
    foundry_client_free(client);
    foundry_client_free(bot);
}

static void test_revoke(void) {
    foundry_client *client = governed("c_gov_revoke");
    foundry_client *bot = scope(client, "bot", NULL);
    foundry_client *nightly = scope(bot, "nightly", NULL);
    foundry_client *same = NULL;
    CHECK(foundry_client_with_options(bot, "{\"timeout\":30}", &same) == NULL);
    foundry_client *sibling = scope(client, "other", NULL);
    CHECK(foundry_client_revoke(bot) == NULL);
    /* A handle derived after the revocation is revoked too. */
    foundry_client *later = scope(bot, "later", NULL);
    foundry_client *revoked[] = {bot, nightly, same, later};
    for (size_t i = 0; i < sizeof revoked / sizeof *revoked; i++) {
        foundry_error *err = ask(revoked[i], "gpt-5.4", "");
        CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_REVOKED && strcmp(err->kind, "revoked") == 0);
        CHECK(err != NULL && CONTAINS(err->message, "'acme/bot'") && !err->retryable);
        foundry_error_free(err);
    }
    CHECK(requests_seen("c_gov_revoke") == 0);
    ask_ok(client, "gpt-5.4", "");
    ask_ok(sibling, "gpt-5.4", "");
    CHECK(foundry_client_revoke(bot) == NULL); /* again: still revoked, no error */
    expect_invalid(foundry_client_revoke(client), FOUNDRY_ERROR_INVALID_REQUEST, "only a scoped handle can be revoked");
    expect_invalid(foundry_client_revoke(NULL), FOUNDRY_ERROR_INVALID_REQUEST, "`client` is NULL");
    foundry_client_free(bot); /* before its children */
    foundry_client_free(client);
    foundry_client_free(later);
    foundry_client_free(sibling);
    foundry_client_free(same);
    foundry_client_free(nightly);
}

static void test_rpm_fails_fast(void) {
    foundry_client *client = governed("c_gov_rpm");
    foundry_client *bot = scope(client, "bot", "{\"rpm\":6}"); /* one request per 10 s window */
    ask_ok(bot, "gpt-5.4", "");
    double start = now_secs();
    foundry_error *err = ask(bot, "gpt-5.4", ",\"timeout\":0.5");
    double took = now_secs() - start;
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_RATE_LIMIT);
    if (err) {
        CHECK(err->status == 0); /* a local limit: nothing was sent */
        CHECK(err->retry_after_ms > 5000);
        CHECK(CONTAINS(err->message, "scope 'acme/bot'"));
        if (!CONTAINS(err->message, "scope 'acme/bot'")) fprintf(stderr, "  message: %s\n", err->message);
    }
    CHECK(took < 0.4); /* refused at once, not after the 0.5 s timeout */
    foundry_error_free(err);
    CHECK(requests_seen("c_gov_rpm") == 1);
    ask_ok(client, "gpt-5.4", ""); /* the parent is not limited */

    char *limits = NULL, *bot_limits = NULL;
    CHECK(foundry_client_limits(client, &limits) == NULL);
    CHECK(foundry_client_limits(bot, &bot_limits) == NULL);
    CHECK(limits != NULL && limits[0] == '[' && strchr(limits, '{') == strrchr(limits, '{')); /* one line */
    CHECK(CONTAINS(limits, "\"limits\":\"acme/bot\""));
    CHECK(CONTAINS(limits, "\"rpm\":6") && CONTAINS(limits, "\"tpm\":null"));
    CHECK(CONTAINS(limits, "\"requests_available\":0") && CONTAINS(limits, "\"queued\":0"));
    CHECK(CONTAINS(limits, "\"tokens_available\":"));
    CHECK(limits != NULL && bot_limits != NULL && strcmp(limits, bot_limits) == 0);
    foundry_string_free(limits);
    foundry_string_free(bot_limits);
    foundry_client_free(bot);
    foundry_client_free(client);
}

static void test_spend(void) {
    foundry_client *client = governed("c_gov_spend");
    char *json = NULL;
    CHECK(foundry_client_spend(client, &json) == NULL && json != NULL && strcmp(json, "[]") == 0);
    foundry_string_free(json);
    json = NULL;
    CHECK(foundry_client_limits(client, &json) == NULL && json != NULL && strcmp(json, "[]") == 0);
    foundry_string_free(json);

    foundry_client *bot = scope(client, "bot", "{\"budget\":{\"hard_usd\":5,\"window\":\"day\",\"soft\":[0.5,0.9]}}");
    ask_ok(bot, "gpt-5.4", ",\"max_tokens\":50");
    json = NULL;
    CHECK(foundry_client_spend(bot, &json) == NULL);
    if (!CONTAINS(json, "\"scope\":\"acme/bot\"")) fprintf(stderr, "  spend: %s\n", json ? json : "NULL");
    CHECK(json != NULL && strchr(json, '{') == strrchr(json, '{')); /* one line */
    CHECK(CONTAINS(json, "\"scope\":\"acme/bot\""));
    CHECK(number_at(json, "cap_usd") == 5.0);
    CHECK(CONTAINS(json, "\"soft\":[0.5,0.9]"));
    CHECK(number_at(json, "spent_usd") > 0);
    CHECK(number_at(json, "reserved_usd") == 0.0);
    CHECK(CONTAINS(json, "\"period\":\"day:"));
    foundry_string_free(json);

    expect_invalid(foundry_client_spend(bot, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "`out_json` is NULL");
    expect_invalid(foundry_client_limits(NULL, &json), FOUNDRY_ERROR_INVALID_REQUEST, "`client` is NULL");
    CHECK(json == NULL);
    foundry_client_free(bot);
    foundry_client_free(client);
}

static void test_bad_options(void) {
    foundry_client *client = governed("c_gov_bad");
    foundry_client *handle = (foundry_client *)client; /* stale: must be cleared on failure */
    expect_invalid(foundry_client_scope(client, "bot", "{\"budget\":{\"hard_usd\":1,\"window\":\"fortnight\"}}", &handle),
                   FOUNDRY_ERROR_CONFIG, "scope('bot').budget.window: window 'fortnight'");
    CHECK(handle == NULL);
    expect_invalid(foundry_client_scope(client, "a/b", NULL, &handle), FOUNDRY_ERROR_CONFIG, "'a/b' is one name");
    expect_invalid(foundry_client_scope(client, "bot", "{\"models\":[\"no-such-model\"]}", &handle), FOUNDRY_ERROR_CONFIG,
                   "scope('bot').models");
    expect_invalid(foundry_client_scope(client, "bot", "{\"max_budget\":5}", &handle), FOUNDRY_ERROR_CONFIG,
                   "scope('bot'): unknown field `max_budget`");
    expect_invalid(foundry_client_scope(client, "bot", "{\"rpm\":1.5}", &handle), FOUNDRY_ERROR_CONFIG, "scope('bot')");
    expect_invalid(foundry_client_scope(client, "bot", "{oops", &handle), FOUNDRY_ERROR_CONFIG,
                   "scope('bot'): options_json is not JSON");
    expect_invalid(foundry_client_scope(client, NULL, NULL, &handle), FOUNDRY_ERROR_INVALID_REQUEST, "`name` is NULL");
    expect_invalid(foundry_client_scope(NULL, "bot", NULL, &handle), FOUNDRY_ERROR_INVALID_REQUEST, "`client` is NULL");
    expect_invalid(foundry_client_scope(client, "bot", NULL, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "`out_handle` is NULL");
    expect_invalid(foundry_client_scope_path(client, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "`out_path` is NULL");
    CHECK(handle == NULL);
    foundry_client_free(client);
}

static void test_priority(void) {
    foundry_client *client = governed("c_gov_priority");
    ask_ok(client, "gpt-5.4", ",\"priority\":\"high\"");
    char *out = NULL;
    foundry_error *err =
        foundry_responses(client, "{\"model\":\"gpt-5.1-codex\",\"input\":\"hi\",\"priority\":\"low\"}", &out);
    CHECK(err == NULL && CONTAINS(out, "heard: hi"));
    foundry_error_free(err);
    foundry_string_free(out);
    CHECK(requests_seen("c_gov_priority") == 2);
    char *log = request_log("c_gov_priority");
    CHECK(log != NULL && !CONTAINS(log, "\"priority\":")); /* a local queue class, never sent */
    free(log);
    expect_invalid(ask(client, "gpt-5.4", ",\"priority\":\"urgent\""), FOUNDRY_ERROR_INVALID_REQUEST,
                   "priority must be");
    CHECK(requests_seen("c_gov_priority") == 2);
    foundry_client_free(client);
}

/* ---- governance events ---------------------------------------------------------------- */

static void test_events(void) {
    forget_events();
    foundry_client *client = governed("c_gov_events");
    CHECK(foundry_client_set_event_callback(client, record, NULL) == NULL);
    foundry_client *bot = scope(client, "bot", "{\"budget\":{\"hard_usd\":5},\"tags\":{\"cost_center\":\"4711\"}}");
    ask_ok(bot, "gpt-5.4", ",\"max_tokens\":50");
    foundry_client *strict = scope(client, "strict", "{\"models\":[\"gpt-5.4\"]}");
    foundry_error *err = ask(strict, "DeepSeek-V3.2", "");
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_POLICY);
    foundry_error_free(err);
    settle("\"type\":\"result\"", 2);

    /* The handle's result carries its scope and tags; the other's its scope and no tags. */
    const char *bot_result[] = {"\"type\":\"result\"", "\"scope\":\"acme/bot\"", "\"tags\":{\"cost_center\":\"4711\"}",
                                NULL};
    const char *strict_result[] = {"\"type\":\"result\"", "\"scope\":\"acme/strict\"", "\"error\":\"policy\"", NULL};
    const char *any_tags[] = {"\"type\":\"result\"", "\"scope\":\"acme/strict\"", "\"tags\"", NULL};
    CHECK(count_events(bot_result) == 1);
    CHECK(count_events(strict_result) == 1);
    CHECK(count_events(any_tags) == 0);

    /* The attempt waited in no queue; the budget was reserved, then settled. */
    const char *attempt[] = {"\"type\":\"attempt\"", "\"queued_ms\":0", NULL};
    CHECK(count_events(attempt) == 1);
    const char *spend[] = {"\"type\":\"spend\"", NULL};
    const char *reserved[] = {"\"type\":\"spend\"", "\"action\":\"reserved\"", "\"deployment\":\"gpt-5.4\"", NULL};
    CHECK(count_events(spend) == 2 && count_events(reserved) == 1);
    char *settled = first_event("\"action\":\"settled\"");
    CHECK(settled != NULL && number_at(settled, "charged_usd") > 0);
    CHECK(settled != NULL && number_at(settled, "reserved_usd") >= number_at(settled, "charged_usd"));
    free(settled);
    char *first_spend = first_event("\"type\":\"spend\"");
    CHECK(CONTAINS(first_spend, "\"action\":\"reserved\"")); /* reserved comes first */
    free(first_spend);

    /* The policy refused the strict handle's call, naming its rule, scope and deployment. */
    const char *refused[] = {"\"type\":\"policy\"", "\"allowed\":false", "\"rule\":\"approved\"",
                             "\"scope\":\"acme/strict\"", "\"deployment\":\"DeepSeek-V3.2\"", NULL};
    const char *any_refused[] = {"\"type\":\"policy\"", "\"allowed\":false", NULL};
    CHECK(count_events(refused) == 1 && count_events(any_refused) == 1);

    CHECK(foundry_client_set_event_callback(client, NULL, NULL) == NULL);
    foundry_client_free(strict);
    foundry_client_free(bot);
    foundry_client_free(client);
    forget_events();
}

static void test_budget_alert(void) {
    forget_events();
    foundry_client *client = governed("c_gov_alert");
    foundry_client *bot = scope(client, "bot", "{\"budget\":{\"hard_usd\":0.001,\"soft\":[0.01]}}");
    /* Set on the handle: the parent shares it. */
    CHECK(foundry_client_set_event_callback(bot, record, NULL) == NULL);
    ask_ok(bot, "gpt-5.4", ",\"max_tokens\":20");
    settle("\"type\":\"budget_alert\"", 1);
    const char *alert[] = {"\"type\":\"budget_alert\"", NULL};
    CHECK(count_events(alert) == 1);
    char *event = first_event("\"type\":\"budget_alert\"");
    CHECK(CONTAINS(event, "\"scope\":\"acme/bot\""));
    CHECK(number_at(event, "threshold") == 0.01);
    CHECK(number_at(event, "cap_usd") == 0.001);
    CHECK(number_at(event, "spent_usd") > 0);
    free(event);
    CHECK(foundry_client_set_event_callback(client, NULL, NULL) == NULL);
    foundry_client_free(client);
    foundry_client_free(bot);
    forget_events();
}

void test_governance(void) {
    test_handles();
    test_budget_refuses_before_sending();
    test_models_refuse_the_others();
    test_revoke();
    test_rpm_fails_fast();
    test_spend();
    test_bad_options();
    test_priority();
    test_events();
    test_budget_alert();
}
