/*
 * What the C tests share (harness.c): the pass/fail counters behind CHECK, the emulator's
 * address (from FOUNDRY_TEST_ENDPOINT), its control endpoints, and clients over its
 * deployments. Each test file's functions are listed here for main() in test_foundry.c.
 */
#ifndef FOUNDRY_TEST_HARNESS_H
#define FOUNDRY_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "foundry.h"

extern int passed, failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                    \
    } while (0)

#define CONTAINS(haystack, needle) ((haystack) != NULL && strstr((haystack), (needle)) != NULL)

extern const char *endpoint; /* "http://127.0.0.1:PORT/" */
extern int port;
extern const char *DEPLOYMENTS; /* the catalog's deployments, as a JSON array */

/* Registers (or resets) an emulator scenario. */
void register_scenario(const char *name, const char *scenario_json);
/* The scenario's request log (malloc'd JSON), or NULL. */
char *request_log(const char *name);
/* foundry_client_new() settings with a catalog for `scenario` with `key` and no retries (malloc'd). */
char *settings_json(const char *scenario, const char *key);
/* A client from foundry_client_new() `settings` (a failure counts as a failed check), or NULL. */
foundry_client *client_from(const char *settings);
/* A client for a fresh `scenario` (a failure to build it counts as a failed check). */
foundry_client *client_for(const char *scenario, const char *key);
double now_secs(void);
/* Whether the emulator saw the scenario's request aborted (the client hung up), within 5 s. */
int saw_abort(const char *scenario);
/* Checks that `err` has `code` and a message containing `in_message`, and frees it. */
void expect_invalid(foundry_error *err, foundry_error_code code, const char *in_message);

/* test_surface.c: construction from settings, token providers, with_options, the pull
 * stream API, the error kinds. */
void test_surface(void);

/* test_governance.c: scoped handles, revoke, spend and limits, priority, governance events. */
void test_governance(void);

#endif
