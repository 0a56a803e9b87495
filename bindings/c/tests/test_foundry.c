/*
 * The C binding against the emulator: every call, streaming with a callback and an early stop
 * (a cancel the emulator must see as an aborted request), the error struct (401 with its hint,
 * unknown deployment, rate limit with its retry hint, invalid JSON, NULL and non-UTF-8
 * arguments), events, and calls from several threads at once; test_surface.c adds the client
 * settings, token providers, with_options, the pull stream API and the error kinds;
 * test_governance.c scoped handles, revoke, spend, limits, priority and governance events.
 * scripts/test_c.sh builds them with harness.c against the debug cdylib, starts
 * `foundry-emulator`, passes its endpoint in FOUNDRY_TEST_ENDPOINT, and runs them under
 * valgrind. Ends with "N passed, N failed"; exits non-zero on any failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- calls --------------------------------------------------------------------------- */

static void test_version(void) {
    const char *v = foundry_version();
    CHECK(v != NULL && strchr(v, '.') != NULL);
}

static void test_chat(void) {
    foundry_client *c = client_for("c_chat", "emulator-key-0000");
    char *out = NULL;
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":50}",
        &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"text\":\"DeepSeek-V3.2 heard: Hello\""));
    CHECK(CONTAINS(out, "\"deployment\":\"DeepSeek-V3.2\""));
    CHECK(CONTAINS(out, "\"attempts\":1"));
    CHECK(CONTAINS(out, "\"request_id\":\"req-c_chat-1\""));
    CHECK(CONTAINS(out, "\"input_tokens\":1"));
    foundry_string_free(out);
    foundry_error_free(err);
    foundry_client_free(c);
}

static void test_responses(void) {
    foundry_client *c = client_for("c_responses", "emulator-key-0000");
    char *out = NULL;
    foundry_error *err = foundry_responses(
        c, "{\"model\":\"gpt-5.1-codex\",\"input\":\"Hi there\",\"max_output_tokens\":50}", &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"text\":\"gpt-5.1-codex heard: Hi there\""));
    CHECK(CONTAINS(out, "\"api\":\"responses\""));
    foundry_string_free(out);
    foundry_error_free(err);

    /* A chat call to the responses-only deployment is translated transparently. */
    out = NULL;
    err = foundry_chat(c, "{\"model\":\"gpt-5.1-codex\",\"messages\":[{\"role\":\"user\",\"content\":\"Hey\"}]}", &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"text\":\"gpt-5.1-codex heard: Hey\""));
    foundry_string_free(out);
    foundry_error_free(err);
    foundry_client_free(c);
}

static void test_embeddings(void) {
    foundry_client *c = client_for("c_embeddings", "emulator-key-0000");
    char *out = NULL;
    foundry_error *err = foundry_embeddings(
        c, "{\"model\":\"text-embedding-3-small\",\"input\":[\"a b\",\"c\"],\"dimensions\":4}", &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"index\":0"));
    CHECK(CONTAINS(out, "\"index\":1"));
    CHECK(CONTAINS(out, "\"input_tokens\":3"));
    foundry_string_free(out);
    foundry_error_free(err);
    foundry_client_free(c);
}

/* ---- streams ------------------------------------------------------------------------- */

struct chunks {
    int count;
    int stop_after; /* 0: never */
    int with_text;
    const foundry_client *client; /* when set, each chunk makes a nested call */
    int nested_ok;
};

static int on_chunk(const char *chunk_json, void *user_data) {
    struct chunks *seen = user_data;
    seen->count++;
    if (strstr(chunk_json, "\"text\":\"") != NULL) seen->with_text++;
    if (seen->client) {
        /* The callback runs outside the runtime: calling back into the library is fine. */
        char *list = NULL;
        foundry_error *err = foundry_client_deployments(seen->client, &list);
        if (err == NULL && CONTAINS(list, "DeepSeek-V3.2")) seen->nested_ok++;
        foundry_string_free(list);
        foundry_error_free(err);
    }
    return seen->stop_after != 0 && seen->count >= seen->stop_after;
}

static void test_stream(void) {
    foundry_client *c = client_for("c_stream", "emulator-key-0000");
    struct chunks seen = {0};
    seen.client = c;
    char *out = NULL;
    foundry_error *err = foundry_chat_stream(
        c,
        "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}],"
        "\"stream_options\":{\"include_usage\":true}}",
        on_chunk, &seen, &out);
    CHECK(err == NULL);
    CHECK(seen.with_text >= 5); /* "DeepSeek-V3.2 heard: one two three": a chunk per word */
    CHECK(seen.nested_ok == seen.count);
    CHECK(CONTAINS(out, "\"text\":\"DeepSeek-V3.2 heard: one two three\""));
    CHECK(CONTAINS(out, "\"output_tokens\":5"));
    foundry_string_free(out);
    foundry_error_free(err);

    /* The Responses API streams the same chunk shape. */
    struct chunks rseen = {0};
    out = NULL;
    err = foundry_responses_stream(c, "{\"model\":\"gpt-5.1-codex\",\"input\":\"four five\",\"max_output_tokens\":50}",
                                   on_chunk, &rseen, &out);
    CHECK(err == NULL);
    CHECK(rseen.with_text >= 4);
    CHECK(CONTAINS(out, "\"text\":\"gpt-5.1-codex heard: four five\""));
    foundry_string_free(out);
    foundry_error_free(err);
    foundry_client_free(c);
}

static void test_stream_early_stop(void) {
    foundry_client *c = client_for("c_stream_stop", "emulator-key-0000");
    /* Slow chunks, so the answer is still being written when the callback stops it. */
    register_scenario("c_stream_stop", "{\"deployments\":{\"DeepSeek-V3.2\":[\"chunk-delay-ms=200\"]}}");
    struct chunks seen = {0};
    seen.stop_after = 2;
    char *out = (char *)"stale";
    double started = now_secs();
    foundry_error *err = foundry_chat_stream(
        c,
        "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":"
        "\"a b c d e f g h i j k l m n o p q r s t u v w x y z\"}]}",
        on_chunk, &seen, &out);
    double elapsed = now_secs() - started;
    /* Stopping is a cancel: the cut-off answer ends in an error, never like a complete one. */
    CHECK(err != NULL && err->kind_code == FOUNDRY_ERROR_CANCELLED);
    CHECK(out == NULL);
    CHECK(seen.count == 2);
    CHECK(elapsed < 3.0); /* the whole answer would take 30 chunks x 200 ms */
    foundry_error_free(err);

    /* The emulator sees the client hang up mid-stream. */
    CHECK(saw_abort("c_stream_stop"));

    foundry_client_free(c);
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_authentication_error(void) {
    foundry_client *c = client_for("c_auth", "wrong-key");
    char *out = NULL;
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", &out);
    CHECK(err != NULL);
    if (err) {
        CHECK(err->kind_code == FOUNDRY_ERROR_AUTHENTICATION);
        CHECK(err->status == 401);
        CHECK(!err->retryable);
        CHECK(err->retry_after_ms == -1);
        CHECK(CONTAINS(err->hint, "Key Vault"));
        CHECK(err->message != NULL && err->message[0] != '\0');
        CHECK(CONTAINS(err->details_json, "\"kind\":\"authentication\""));
        CHECK(CONTAINS(err->details_json, "\"deployment\":\"DeepSeek-V3.2\""));
        CHECK(!CONTAINS(err->details_json, "wrong-key")); /* never the key */
    }
    CHECK(out == NULL);
    foundry_error_free(err);
    foundry_client_free(c);
}

static void test_unknown_deployment(void) {
    foundry_client *c = client_for("c_unknown", "emulator-key-0000");
    char *out = NULL;
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"gpt-5-4\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", &out);
    CHECK(err != NULL);
    if (err) {
        CHECK(err->kind_code == FOUNDRY_ERROR_NOT_FOUND);
        CHECK(err->status == 0); /* refused before anything was sent */
        CHECK(CONTAINS(err->hint, "did you mean 'gpt-5.4'"));
    }
    foundry_error_free(err);
    char *log = request_log("c_unknown");
    CHECK(log != NULL && strcmp(log, "[]") == 0);
    free(log);
    foundry_client_free(c);
}

static void test_rate_limit(void) {
    foundry_client *c = client_for("c_429", "emulator-key-0000");
    register_scenario("c_429", "{\"deployments\":{\"DeepSeek-V3.2\":[\"status=429;retry-after-ms=1234\"]}}");
    char *out = NULL;
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", &out);
    CHECK(err != NULL);
    if (err) {
        CHECK(err->kind_code == FOUNDRY_ERROR_RATE_LIMIT);
        CHECK(err->status == 429);
        CHECK(err->retryable);
        CHECK(err->retry_after_ms == 1234);
    }
    foundry_error_free(err);
    foundry_client_free(c);
}

static void test_invalid_input(void) {
    foundry_client *c = client_for("c_invalid", "emulator-key-0000");
    char *out = (char *)"stale";
    expect_invalid(foundry_chat(c, "{not json", &out), FOUNDRY_ERROR_INVALID_REQUEST, "request_json");
    CHECK(out == NULL); /* cleared even on failure */
    expect_invalid(foundry_chat(c, "[1, 2]", &out), FOUNDRY_ERROR_INVALID_REQUEST, "request_json");
    expect_invalid(foundry_embeddings(c, "{\"input\": 5}", &out), FOUNDRY_ERROR_INVALID_REQUEST, "request_json");
    expect_invalid(foundry_chat(c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":\"Hi\"}", &out),
                   FOUNDRY_ERROR_INVALID_REQUEST, "messages");
    expect_invalid(foundry_chat(c, "\xff\xfe{}", &out), FOUNDRY_ERROR_INVALID_REQUEST, "UTF-8");

    foundry_client *other = NULL;
    expect_invalid(foundry_client_new("{oops", &other), FOUNDRY_ERROR_CONFIG, "settings_json is not JSON");
    CHECK(other == NULL);
    expect_invalid(foundry_client_new("{\"catalog_text\":\"{oops\"}", &other), FOUNDRY_ERROR_CONFIG, "catalog_text");
    expect_invalid(foundry_client_new("{\"catalog\":{\"deployments\":[{\"name\":\"x\",\"endpoint\":\"http://127.0.0.1:1/\",\"shap\":\"v1\"}]}}", &other),
                   FOUNDRY_ERROR_CONFIG, "deployments[0]");
    expect_invalid(foundry_client_new("{\"catalog_path\":\"/nonexistent/foundry.yaml\"}", &other), FOUNDRY_ERROR_CONFIG,
                   "/nonexistent/foundry.yaml");
    CHECK(other == NULL);
    foundry_client_free(c);
}

/* Issue 10, point 6: durations and counts out of range are errors naming the value, never a
 * panic or a wrapped number. JSON has no NaN or infinity; 1e400 is out of f64's range. */
static void test_numbers(void) {
    foundry_client *c = client_for("c_numbers", "emulator-key-0000");
    char *out = NULL;
    const char *bad_timeouts[] = {"-1", "0", "1e300"};
    for (size_t i = 0; i < sizeof bad_timeouts / sizeof *bad_timeouts; i++) {
        char *req = NULL;
        CHECK(asprintf(&req,
                       "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"timeout\":%s}",
                       bad_timeouts[i]) > 0);
        expect_invalid(foundry_chat(c, req, &out), FOUNDRY_ERROR_INVALID_REQUEST,
                       "timeout must be a positive number of seconds, at most 604800 (a week), got ");
        free(req);
    }
    expect_invalid(foundry_chat(c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[],\"timeout\":1e400}", &out),
                   FOUNDRY_ERROR_INVALID_REQUEST, "number out of range");
    expect_invalid(foundry_chat(c,
                                "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                                "\"max_tokens\":-1}",
                                &out),
                   FOUNDRY_ERROR_INVALID_REQUEST, "max_tokens must be a positive integer, got -1");
    char *log = request_log("c_numbers");
    CHECK(log != NULL && strcmp(log, "[]") == 0); /* nothing refused was sent */
    free(log);

    /* 2^40 fits neither a u32 nor an int: it must reach the service as written. */
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":1099511627776}",
        &out);
    foundry_error_free(err);
    foundry_string_free(out);
    out = NULL;
    log = request_log("c_numbers");
    CHECK(CONTAINS(log, "\"max_tokens\":1099511627776"));
    free(log);

    const char *bad_retries[] = {"-1", "11", "1099511627776"};
    for (size_t i = 0; i < sizeof bad_retries / sizeof *bad_retries; i++) {
        char *json = NULL;
        CHECK(asprintf(&json,
                       "{\"catalog\":{\"defaults\":{\"endpoint\":\"%s\",\"retry\":{\"max_retries\":%s}},"
                       "\"deployments\":[{\"name\":\"x\"}]}}",
                       endpoint, bad_retries[i]) > 0);
        foundry_client *other = NULL;
        expect_invalid(foundry_client_new(json, &other), FOUNDRY_ERROR_CONFIG, "max_retries");
        CHECK(other == NULL);
        free(json);
    }
    char *json = NULL;
    CHECK(asprintf(&json,
                   "{\"catalog\":{\"defaults\":{\"endpoint\":\"%s\",\"deadline_secs\":-1},\"deployments\":[{\"name\":\"x\"}]}}",
                   endpoint) > 0);
    foundry_client *other = NULL;
    expect_invalid(foundry_client_new(json, &other), FOUNDRY_ERROR_CONFIG,
                   "defaults.deadline_secs must be a positive number of seconds");
    free(json);
    foundry_client_free(c);
}

static void test_null_arguments(void) {
    foundry_client *c = client_for("c_null", "emulator-key-0000");
    const char *req = "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    char *out = NULL;
    expect_invalid(foundry_chat(NULL, req, &out), FOUNDRY_ERROR_INVALID_REQUEST, "client");
    expect_invalid(foundry_chat(c, NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "request_json");
    expect_invalid(foundry_chat(c, req, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "out_result_json");
    expect_invalid(foundry_responses(NULL, req, &out), FOUNDRY_ERROR_INVALID_REQUEST, "client");
    expect_invalid(foundry_embeddings(c, NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "request_json");
    expect_invalid(foundry_smoke(NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "client");
    expect_invalid(foundry_chat_stream(c, req, NULL, NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "on_chunk");
    expect_invalid(foundry_responses_stream(NULL, req, on_chunk, NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST,
                   "client");
    expect_invalid(foundry_client_deployments(c, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "out_json");
    foundry_client *other = c;
    expect_invalid(foundry_client_new(NULL, &other), FOUNDRY_ERROR_INVALID_REQUEST, "settings_json");
    CHECK(other == NULL); /* the out-parameter is cleared first */
    expect_invalid(foundry_client_new("{}", NULL), FOUNDRY_ERROR_INVALID_REQUEST, "out_client");
    expect_invalid(foundry_client_new_with_token_provider("{}", NULL, NULL, &other), FOUNDRY_ERROR_INVALID_REQUEST,
                   "callback");
    expect_invalid(foundry_client_with_options(NULL, "{}", &other), FOUNDRY_ERROR_INVALID_REQUEST, "client");
    expect_invalid(foundry_client_with_options(c, NULL, &other), FOUNDRY_ERROR_INVALID_REQUEST, "overrides_json");
    expect_invalid(foundry_chat_stream_open(c, req, NULL), FOUNDRY_ERROR_INVALID_REQUEST, "out_stream");
    expect_invalid(foundry_stream_next(NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "stream");
    expect_invalid(foundry_stream_result(NULL, &out), FOUNDRY_ERROR_INVALID_REQUEST, "stream");
    expect_invalid(foundry_stream_cancel(NULL), FOUNDRY_ERROR_INVALID_REQUEST, "stream");
    foundry_stream_free(NULL);
    expect_invalid(foundry_client_set_event_callback(NULL, NULL, NULL), FOUNDRY_ERROR_INVALID_REQUEST,
                   "client");
    /* Frees accept NULL. */
    foundry_client_free(NULL);
    foundry_string_free(NULL);
    foundry_error_free(NULL);
    CHECK(1);
    foundry_client_free(c);
}

/* ---- events, lists ------------------------------------------------------------------ */

static int events_seen, results_seen;

static void on_event(const char *event_json, void *user_data) {
    (void)user_data;
    __atomic_fetch_add(&events_seen, 1, __ATOMIC_SEQ_CST);
    if (strstr(event_json, "\"type\":\"result\"") != NULL) __atomic_fetch_add(&results_seen, 1, __ATOMIC_SEQ_CST);
}

static void test_events_and_lists(void) {
    foundry_client *c = client_for("c_events", "emulator-key-0000");
    CHECK(foundry_client_set_event_callback(c, on_event, NULL) == NULL);
    char *out = NULL;
    foundry_error *err = foundry_chat(
        c, "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", &out);
    CHECK(err == NULL);
    CHECK(__atomic_load_n(&events_seen, __ATOMIC_SEQ_CST) >= 2); /* an attempt and a result */
    CHECK(__atomic_load_n(&results_seen, __ATOMIC_SEQ_CST) == 1);
    foundry_string_free(out);
    foundry_error_free(err);
    CHECK(foundry_client_set_event_callback(c, NULL, NULL) == NULL);

    out = NULL;
    err = foundry_client_deployments(c, &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"name\":\"gpt-5.1-codex\""));
    CHECK(CONTAINS(out, "\"auth\":\"api_key\""));
    CHECK(!CONTAINS(out, "emulator-key-0000"));
    foundry_string_free(out);
    foundry_error_free(err);

    out = NULL;
    err = foundry_smoke(c, &out);
    CHECK(err == NULL);
    CHECK(CONTAINS(out, "\"deployment\":\"DeepSeek-V3.2\",\"ok\":true"));
    foundry_string_free(out);
    foundry_error_free(err);
    foundry_client_free(c);
}

/* ---- threads ------------------------------------------------------------------------- */

struct worker {
    const foundry_client *client;
    int index;
    int ok;
};

static void *work(void *arg) {
    struct worker *w = arg;
    char req[256], want[128];
    snprintf(req, sizeof req,
             "{\"model\":\"DeepSeek-V3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"thread %d\"}]}", w->index);
    snprintf(want, sizeof want, "heard: thread %d\"", w->index);
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        foundry_error *err = foundry_chat(w->client, req, &out);
        if (err == NULL && CONTAINS(out, want)) w->ok++;
        foundry_string_free(out);
        foundry_error_free(err);
    }
    return NULL;
}

static void test_threads(void) {
    foundry_client *c = client_for("c_threads", "emulator-key-0000");
    enum { N = 8 };
    pthread_t threads[N];
    struct worker workers[N];
    for (int i = 0; i < N; i++) {
        workers[i] = (struct worker){c, i, 0};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        ok += workers[i].ok;
    }
    CHECK(ok == N * 5);
    foundry_client_free(c);
}

int main(void) {
    endpoint = getenv("FOUNDRY_TEST_ENDPOINT");
    if (endpoint == NULL || sscanf(endpoint, "http://127.0.0.1:%d/", &port) != 1) {
        fprintf(stderr, "set FOUNDRY_TEST_ENDPOINT to the emulator's http endpoint (http://127.0.0.1:PORT/)\n");
        return 2;
    }
    test_version();
    test_chat();
    test_responses();
    test_embeddings();
    test_stream();
    test_stream_early_stop();
    test_authentication_error();
    test_unknown_deployment();
    test_rate_limit();
    test_invalid_input();
    test_numbers();
    test_null_arguments();
    test_surface();
    test_governance();
    test_events_and_lists();
    test_threads();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
