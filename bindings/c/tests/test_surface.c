/*
 * The core's one client surface through C (issue 13): clients from settings JSON (every
 * catalog source, the environment, refusals with the core's messages), a token provider
 * callback (its token sent, its failure as the error's cause), foundry_client_with_options(),
 * the pull stream API with the core's read / end / failure / cancel rules (a cancel from
 * another thread included), and the error kinds: every core kind has a code of its own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *HELLO = "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

/* `request` through `c` must be answered with text containing `heard`. */
static void expect_heard(const foundry_client *c, const char *request, const char *heard) {
    char *out = NULL;
    foundry_error *err = foundry_chat(c, request, &out);
    CHECK(err == NULL);
    if (err) fprintf(stderr, "  chat: %s\n", err->message);
    CHECK(CONTAINS(out, heard));
    foundry_string_free(out);
    foundry_error_free(err);
}

/* ---- settings ------------------------------------------------------------------------ */

static void test_catalog_sources(void) {
    /* catalog_path: a YAML file whose ${NAME} reads the process environment. */
    char path[] = "/tmp/foundry-c-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    char *yaml = NULL;
    CHECK(asprintf(&yaml,
                   "defaults:\n  endpoint: %s\n  auth: {type: api_key, env: FOUNDRY_C_TEST_KEY}\n"
                   "  headers: {x-emulator-scenario: c_path}\n"
                   "deployments:\n  - name: DeepSeek-V3.2\n",
                   endpoint) > 0);
    CHECK(write(fd, yaml, strlen(yaml)) == (ssize_t)strlen(yaml));
    close(fd);
    free(yaml);
    setenv("FOUNDRY_C_TEST_KEY", "emulator-key-0000", 1);
    register_scenario("c_path", "{}");
    char *settings = NULL;
    CHECK(asprintf(&settings, "{\"catalog_path\":\"%s\"}", path) > 0);
    foundry_client *c = client_from(settings);
    expect_heard(c, HELLO, "DeepSeek-V3.2 heard: Hello");
    foundry_client_free(c);
    free(settings);
    unlink(path);

    /* catalog_text (YAML) with `env`: the variable exists only in the settings' map. */
    register_scenario("c_text", "{}");
    CHECK(asprintf(&settings,
                   "{\"catalog_text\":\"defaults:\\n  endpoint: %s\\n  auth: {type: api_key, env: ONLY_IN_MAP}\\n"
                   "  headers: {x-emulator-scenario: c_text}\\ndeployments:\\n  - name: DeepSeek-V3.2\\n\","
                   "\"env\":{\"ONLY_IN_MAP\":\"emulator-key-0000\"}}",
                   endpoint) > 0);
    c = client_from(settings);
    expect_heard(c, HELLO, "DeepSeek-V3.2 heard: Hello");
    foundry_client_free(c);
    free(settings);

    /* {}: the environment catalog from the process environment; any deployment name. */
    setenv("FOUNDRY_ENDPOINT", endpoint, 1);
    setenv("FOUNDRY_API_KEY", "emulator-key-0000", 1);
    c = client_from("{}");
    expect_heard(c,
                 "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"from env\"}],"
                 "\"extra_headers\":{\"x-emulator-scenario\":\"c_env\"}}",
                 "heard: from env");
    foundry_client_free(c);
    unsetenv("FOUNDRY_ENDPOINT");
    unsetenv("FOUNDRY_API_KEY");
}

static void test_endpoint_settings(void) {
    register_scenario("c_settings", "{}");
    char *settings = NULL;
    CHECK(asprintf(&settings,
                   "{\"endpoint\":\"%s\",\"api_key\":\"emulator-key-0000\",\"api_version\":\"2025-04-01-preview\","
                   "\"default_headers\":{\"x-emulator-scenario\":\"c_settings\",\"x-team\":\"c\"},"
                   "\"timeout\":30,\"max_retries\":1,\"env\":{}}",
                   endpoint) > 0);
    foundry_client *c = client_from(settings);
    free(settings);
    expect_heard(c, HELLO, "DeepSeek-V3.2 heard: Hello");
    char *log = request_log("c_settings");
    CHECK(CONTAINS(log, "\"api-version\":\"2025-04-01-preview\""));
    CHECK(CONTAINS(log, "\"x-team\":\"c\""));
    free(log);
    foundry_client_free(c);

    /* Refusals: the settings' own (unknown key, wrong type, never echoing the value) and the
     * core's (a conflict, a range), all before any request. */
    foundry_client *other = NULL;
    expect_invalid(foundry_client_new("{\"apiKey\":\"k\"}", &other), FOUNDRY_ERROR_CONFIG,
                   "settings_json has an unknown key \"apiKey\"");
    CHECK(other == NULL);
    foundry_error *err = foundry_client_new("{\"timeout\":\"made-up-secret\"}", &other);
    CHECK(err != NULL && !CONTAINS(err->message, "made-up-secret") && !CONTAINS(err->details_json, "made-up-secret"));
    expect_invalid(err, FOUNDRY_ERROR_CONFIG, "\"timeout\" must be a number of seconds");
    expect_invalid(foundry_client_new("[]", &other), FOUNDRY_ERROR_CONFIG, "must be a JSON object");
    expect_invalid(foundry_client_new("{\"catalog_path\":\"a.yaml\",\"catalog_text\":\"b\"}", &other),
                   FOUNDRY_ERROR_CONFIG, "more than one of");
    expect_invalid(foundry_client_new("{\"catalog\":{\"deployments\":[]},\"endpoint\":\"http://127.0.0.1:1/\"}", &other),
                   FOUNDRY_ERROR_CONFIG, "both a catalog");
    expect_invalid(foundry_client_new("{\"endpoint\":\"http://127.0.0.1:1/\",\"timeout\":-1}", &other), FOUNDRY_ERROR_CONFIG,
                   "timeout must be a positive number of seconds");
    expect_invalid(foundry_client_new("{\"endpoint\":\"http://127.0.0.1:1/\",\"max_retries\":11}", &other), FOUNDRY_ERROR_CONFIG,
                   "max_retries must be between 0 and 10, got 11");
    CHECK(other == NULL);
}

/* ---- token provider ------------------------------------------------------------------ */

struct token_source {
    const char *token;   /* answered when set */
    const char *failure; /* answered when set (and no token) */
    int calls;
};

static void give_token(void *user_data, foundry_token_reply *reply) {
    struct token_source *source = user_data;
    __atomic_fetch_add(&source->calls, 1, __ATOMIC_SEQ_CST);
    if (source->token) {
        char token[64];
        /* The reply copies: a stack buffer is fine. */
        snprintf(token, sizeof token, "%s", source->token);
        foundry_token_reply_token(reply, token);
    } else if (source->failure) {
        foundry_token_reply_error(reply, source->failure);
    }
}

static foundry_client *client_with_tokens(const char *scenario, struct token_source *source, const char *extra) {
    register_scenario(scenario, "{}");
    char *settings = NULL;
    CHECK(asprintf(&settings, "{\"endpoint\":\"%s\",\"default_headers\":{\"x-emulator-scenario\":\"%s\"}%s}", endpoint,
                   scenario, extra) > 0);
    foundry_client *c = NULL;
    foundry_error *err = foundry_client_new_with_token_provider(settings, give_token, source, &c);
    free(settings);
    if (err == NULL) return c;
    expect_invalid(err, FOUNDRY_ERROR_CONFIG, "both an api_key and a token provider");
    return NULL;
}

static void test_token_provider(void) {
    struct token_source good = {"emulator-key-0000", NULL, 0};
    foundry_client *c = client_with_tokens("c_token", &good, ",\"env\":{\"FOUNDRY_API_KEY\":\"made-up-wrong-key\"}");
    expect_heard(c, HELLO, "DeepSeek-V3.2 heard: Hello");
    CHECK(__atomic_load_n(&good.calls, __ATOMIC_SEQ_CST) >= 1);
    char *log = request_log("c_token");
    CHECK(CONTAINS(log, "\"authorization\":\"<redacted>\""));
    CHECK(!CONTAINS(log, "\"api-key\""));
    free(log);
    foundry_client_free(c);

    /* A failure the callback reports: a credential error, the callback's message its cause. */
    struct token_source bad = {NULL, "no token for this identity", 0};
    c = client_with_tokens("c_token_fails", &bad, ",\"env\":{}");
    char *out = NULL;
    foundry_error *err = foundry_chat(c, HELLO, &out);
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_CREDENTIAL);
    if (err) {
        CHECK(strcmp(err->kind, "credential") == 0);
        CHECK(CONTAINS(err->message, "the token provider failed: no token for this identity"));
        CHECK(err->cause != NULL && strcmp(err->cause, "no token for this identity") == 0);
        CHECK(CONTAINS(err->details_json, "\"cause\":{\"message\":\"no token for this identity\"}"));
    }
    foundry_error_free(err);
    log = request_log("c_token_fails");
    CHECK(log != NULL && strcmp(log, "[]") == 0);
    free(log);
    foundry_client_free(c);

    /* A callback that answers nothing is a failure too, never an empty token sent. */
    struct token_source silent = {NULL, NULL, 0};
    c = client_with_tokens("c_token_silent", &silent, ",\"env\":{}");
    expect_invalid(foundry_chat(c, HELLO, &out), FOUNDRY_ERROR_CREDENTIAL, "returned without calling");
    foundry_client_free(c);

    /* One credential only: an api_key with a provider is the core's config error. */
    c = client_with_tokens("c_token_and_key", &good, ",\"api_key\":\"emulator-key-0000\"");
    CHECK(c == NULL);
}

/* ---- with_options -------------------------------------------------------------------- */

static void test_with_options(void) {
    foundry_client *base = client_for("c_with_options", "emulator-key-0000");
    foundry_client *derived = NULL;
    foundry_error *err = foundry_client_with_options(
        base, "{\"default_headers\":{\"x-team\":\"derived\"},\"timeout\":20,\"max_retries\":0}", &derived);
    CHECK(err == NULL && derived != NULL);
    foundry_error_free(err);
    /* The derived client outlives the one it came from. */
    foundry_client_free(base);
    expect_heard(derived, HELLO, "DeepSeek-V3.2 heard: Hello");
    char *log = request_log("c_with_options");
    CHECK(CONTAINS(log, "\"x-team\":\"derived\""));
    CHECK(CONTAINS(log, "\"x-emulator-scenario\":\"c_with_options\"")); /* the catalog's header kept */
    free(log);

    foundry_client *other = NULL;
    expect_invalid(foundry_client_with_options(derived, "{\"timeout\":0}", &other), FOUNDRY_ERROR_CONFIG,
                   "with_options: timeout must be a positive number of seconds");
    expect_invalid(foundry_client_with_options(derived, "{\"endpoint\":\"x\"}", &other), FOUNDRY_ERROR_CONFIG,
                   "overrides_json has an unknown key \"endpoint\"");
    CHECK(other == NULL);
    foundry_client_free(derived);
}

/* ---- the pull stream API ------------------------------------------------------------- */

/* A stream of "one two three four five six" with the emulator's `fault` (or none). */
static foundry_stream *open_stream(const foundry_client *c, const char *fault) {
    char *request = NULL;
    CHECK(asprintf(&request,
                   "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three four five six\"}],"
                   "\"extra_headers\":{\"x-emulator-fault\":\"%s\"}}",
                   fault ? fault : "ok") > 0);
    foundry_stream *stream = NULL;
    foundry_error *err = foundry_chat_stream_open(c, request, &stream);
    CHECK(err == NULL && stream != NULL);
    foundry_error_free(err);
    free(request);
    return stream;
}

/* foundry_stream_next(): 1 for a chunk, 0 at the clean end, or the error (in *err). */
static int next_chunk(const foundry_stream *stream, foundry_error **err) {
    char *chunk = NULL;
    *err = foundry_stream_next(stream, &chunk);
    int got = chunk != NULL;
    foundry_string_free(chunk);
    return got;
}

static void test_stream_end(void) {
    foundry_client *c = client_for("c_pull", "emulator-key-0000");
    foundry_stream *stream = open_stream(c, NULL);
    foundry_error *err = NULL;
    int chunks = 0;
    char *result = (char *)"stale";
    while (next_chunk(stream, &err)) {
        if (chunks++ == 0) {
            CHECK(foundry_stream_result(stream, &result) == NULL);
            CHECK(result == NULL); /* no result while the stream is open */
        }
    }
    CHECK(err == NULL);
    CHECK(chunks > 1);
    /* The clean end reads as the end again, and cancelling after it changes nothing. */
    CHECK(next_chunk(stream, &err) == 0 && err == NULL);
    CHECK(foundry_stream_cancel(stream) == NULL);
    CHECK(next_chunk(stream, &err) == 0 && err == NULL);
    CHECK(foundry_stream_result(stream, &result) == NULL);
    CHECK(CONTAINS(result, "\"text\":\"DeepSeek-V3.2 heard: one two three four five six\""));
    foundry_string_free(result);
    foundry_stream_free(stream);
    foundry_client_free(c);
}

static void test_stream_failure_repeats(void) {
    foundry_client *c = client_for("c_pull_fail", "emulator-key-0000");
    foundry_stream *stream = open_stream(c, "cut-after=2");
    foundry_error *err = NULL;
    while (next_chunk(stream, &err)) {
    }
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_STREAM);
    foundry_error *again = NULL;
    CHECK(next_chunk(stream, &again) == 0);
    CHECK(again != NULL && err != NULL && again->kind_code == err->kind_code && strcmp(again->message, err->message) == 0);
    char *result = NULL;
    CHECK(foundry_stream_result(stream, &result) == NULL && result == NULL);
    foundry_error_free(err);
    foundry_error_free(again);
    foundry_stream_free(stream);
    foundry_client_free(c);
}

static void *cancel_soon(void *stream) {
    usleep(200 * 1000);
    foundry_error_free(foundry_stream_cancel(stream));
    return NULL;
}

static void test_stream_cancel_from_another_thread(void) {
    foundry_client *c = client_for("c_pull_cancel", "emulator-key-0000");
    foundry_stream *stream = open_stream(c, "chunk-delay-ms=5000");
    foundry_error *err = NULL;
    CHECK(next_chunk(stream, &err) == 1); /* the first chunk comes at once */
    pthread_t canceller;
    pthread_create(&canceller, NULL, cancel_soon, stream);
    double started = now_secs();
    CHECK(next_chunk(stream, &err) == 0);
    /* A correctness bound: the pending read ends long before the 5 s chunk would come. */
    CHECK(now_secs() - started < 4.0);
    pthread_join(canceller, NULL);
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_CANCELLED);
    CHECK(err != NULL && strcmp(err->kind, "cancelled") == 0 && !err->retryable);
    foundry_error_free(err);
    /* Every later read is cancelled too, and there is no result. */
    CHECK(next_chunk(stream, &err) == 0 && err != NULL && err->kind_code == FOUNDRY_ERROR_CANCELLED);
    foundry_error_free(err);
    char *result = NULL;
    CHECK(foundry_stream_result(stream, &result) == NULL && result == NULL);
    foundry_stream_free(stream);

    /* The emulator sees the connection closed. */
    CHECK(saw_abort("c_pull_cancel"));
    foundry_client_free(c);
}

/* ---- error kinds --------------------------------------------------------------------- */

/* Every core kind (walked from the core's own list) has a code of its own that names it
 * back; adding a kind to the core without a C code fails this test (and the build). */
static void test_error_kinds(void) {
    size_t count = foundry_error_kind_count();
    CHECK(count >= 21);
    int codes[128] = {0};
    for (size_t i = 0; i < count && i < 128; i++) {
        const char *name = foundry_error_kind_at(i);
        CHECK(name != NULL);
        int code = foundry_error_kind_code(name);
        CHECK(code != 0 && code != FOUNDRY_ERROR_INTERNAL);
        for (size_t j = 0; j < i; j++) CHECK(codes[j] != code);
        codes[i] = code;
        const char *back = foundry_error_kind_name(code);
        CHECK(back != NULL && name != NULL && strcmp(back, name) == 0);
    }
    CHECK(foundry_error_kind_at(count) == NULL);
    CHECK(foundry_error_kind_code("cancelled") == FOUNDRY_ERROR_CANCELLED);
    CHECK(foundry_error_kind_code("internal") == FOUNDRY_ERROR_INTERNAL);
    CHECK(strcmp(foundry_error_kind_name(FOUNDRY_ERROR_INTERNAL), "internal") == 0);
    CHECK(foundry_error_kind_code("no_such_kind") == 0 && foundry_error_kind_code(NULL) == 0);
    CHECK(foundry_error_kind_name(0) == NULL && foundry_error_kind_name(99) == NULL);
}

/* No OTEL_* variable is set in this process: nothing is exported, and a flush says so at once. */
static void test_flush_telemetry_without_export(void) {
    CHECK(foundry_flush_telemetry());
}

void test_surface(void) {
    test_flush_telemetry_without_export();
    test_catalog_sources();
    test_endpoint_settings();
    test_token_provider();
    test_with_options();
    test_stream_end();
    test_stream_failure_repeats();
    test_stream_cancel_from_another_thread();
    test_error_kinds();
}
