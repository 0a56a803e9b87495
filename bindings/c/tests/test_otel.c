/*
 * The C half of the OpenTelemetry export test, run by run_otel.py as its own process with the
 * OTEL_* variables set (the core sets up export once per process, from the environment, when
 * the first client is built). It makes one chat call under the caller's span (a `traceparent`
 * in extra_headers) and one without, then flushes; run_otel.py checks what the emulator's OTLP
 * receiver got, which a C program cannot read without a JSON library.
 *
 *     test_otel SCENARIO API_KEY TRACEPARENT   (FOUNDRY_TEST_ENDPOINT as for test_foundry)
 */
#include <stdlib.h>

#include "harness.h"

/* A chat call on `client` with `extra_headers` (a JSON object, or NULL for none). */
static void chat(foundry_client *client, const char *model, const char *extra_headers) {
    char request[512];
    snprintf(request, sizeof request,
             "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
             "\"max_tokens\":20%s%s}",
             model, extra_headers ? ",\"extra_headers\":" : "", extra_headers ? extra_headers : "");
    char *out = NULL;
    foundry_error *err = foundry_chat(client, request, &out);
    CHECK(err == NULL);
    if (err) fprintf(stderr, "  %s: %s\n", model, err->message);
    CHECK(CONTAINS(out, "heard: Hello"));
    foundry_string_free(out);
    foundry_error_free(err);
}

int main(int argc, char **argv) {
    endpoint = getenv("FOUNDRY_TEST_ENDPOINT");
    if (argc != 4 || endpoint == NULL || sscanf(endpoint, "http://127.0.0.1:%d/", &port) != 1) {
        fprintf(stderr, "usage: FOUNDRY_TEST_ENDPOINT=http://127.0.0.1:PORT/ test_otel SCENARIO API_KEY TRACEPARENT\n");
        return 2;
    }
    if (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == NULL) {
        fprintf(stderr, "set OTEL_EXPORTER_OTLP_ENDPOINT (run_otel.py does): without it nothing is exported\n");
        return 2;
    }
    const char *scenario = argv[1], *key = argv[2], *traceparent = argv[3];
    foundry_client *client = client_for(scenario, key);
    if (client == NULL) return 1;

    char headers[128];
    snprintf(headers, sizeof headers, "{\"traceparent\":\"%s\"}", traceparent);
    chat(client, "DeepSeek-V3.2", headers); /* the caller's span is the parent */
    chat(client, "gpt-5.4", NULL);           /* no caller span: a root span */
    foundry_client_free(client);

    /* Everything recorded is sent before this returns (true), or the collector refused. */
    CHECK(foundry_flush_telemetry());

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
