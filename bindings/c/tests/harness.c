/*
 * What the C tests share: the pass/fail counters, the emulator's address, a tiny HTTP client
 * for its control endpoints, and clients over its deployments.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int passed, failed;
const char *endpoint;
int port;

/* ---- a tiny HTTP/1.1 client for the emulator's control endpoints ---------------------- */

/* The body of `METHOD path` (malloc'd), or NULL. */
static char *http(const char *method, const char *path, const char *body) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return NULL;
    }
    char head[512];
    size_t body_len = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, body_len);
    if (write(fd, head, (size_t)n) != n || (body_len && write(fd, body, body_len) != (ssize_t)body_len)) {
        close(fd);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 1024) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) { free(buf); buf = NULL; }
            buf = bigger;
        }
    }
    close(fd);
    if (!buf) return NULL;
    buf[len] = '\0';
    char *start = strstr(buf, "\r\n\r\n");
    char *out = start ? strdup(start + 4) : NULL;
    free(buf);
    return out;
}

void register_scenario(const char *name, const char *scenario_json) {
    char path[256];
    snprintf(path, sizeof path, "/_emulator/scenarios/%s", name);
    free(http("POST", path, scenario_json));
}

/* The scenario's request log (malloc'd JSON). */
char *request_log(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "/_emulator/scenarios/%s/requests", name);
    return http("GET", path, NULL);
}

/* ---- helpers ------------------------------------------------------------------------- */

const char *DEPLOYMENTS =
    "[{\"name\":\"DeepSeek-V3.2\",\"pricing\":{\"input\":0.14,\"output\":0.42}},"
    "{\"name\":\"gpt-5.1-codex\",\"responses_only\":true,\"max_tokens_param\":\"max_completion_tokens\"},"
    "{\"name\":\"gpt-5.4\",\"max_tokens_param\":\"max_completion_tokens\"},"
    "{\"name\":\"text-embedding-3-small\"}]";

/* Settings with a catalog for `scenario` with `key` and no retries (so error tests are quick). */
char *settings_json(const char *scenario, const char *key) {
    char *json = NULL;
    if (asprintf(&json,
                 "{\"catalog\":{\"defaults\":{\"endpoint\":\"%s\",\"auth\":{\"type\":\"api_key\",\"key\":\"%s\"},"
                 "\"retry\":{\"max_retries\":0},\"headers\":{\"x-emulator-scenario\":\"%s\"}},"
                 "\"deployments\":%s}}",
                 endpoint, key, scenario, DEPLOYMENTS) < 0)
        return NULL;
    return json;
}

foundry_client *client_from(const char *settings) {
    foundry_client *c = NULL;
    foundry_error *err = foundry_client_new(settings, &c);
    CHECK(err == NULL && c != NULL);
    if (err) fprintf(stderr, "  settings %s: %s\n", settings, err->message);
    foundry_error_free(err);
    return c;
}

foundry_client *client_for(const char *scenario, const char *key) {
    register_scenario(scenario, "{}");
    char *json = settings_json(scenario, key);
    foundry_client *client = client_from(json);
    free(json);
    return client;
}

double now_secs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void expect_invalid(foundry_error *err, foundry_error_code code, const char *in_message) {
    CHECK(err != NULL);
    if (!err) return;
    CHECK(err->kind_code == code);
    if (!CONTAINS(err->message, in_message)) fprintf(stderr, "  message: %s\n", err->message);
    CHECK(CONTAINS(err->message, in_message));
    foundry_error_free(err);
}

int saw_abort(const char *scenario) {
    int aborted = 0;
    for (int i = 0; i < 50 && !aborted; i++) {
        char *log = request_log(scenario);
        aborted = CONTAINS(log, "\"aborted\":true");
        free(log);
        if (!aborted) usleep(100 * 1000);
    }
    return aborted;
}
