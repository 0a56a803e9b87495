/*
 * vector_runner: one conformance vector's call through the public C API, for
 * bindings/c/tests/run_vectors.py (which loads the vector, registers its scenario, matches the
 * outcome and checks the request log). It knows no JSON beyond handing strings through.
 *
 *   vector_runner OP CATALOG_FILE REQUEST_FILE
 *
 * OP is chat, chat_stream, responses, responses_stream, embeddings, info, smoke or load_catalog.
 * CATALOG_FILE is a catalog file, or "-" for a client from the environment. REQUEST_FILE holds
 * the request JSON (for info: the model name). Prints one line on stdout:
 *   {"ok": RESULT, "chunk_count": N}   or   {"err": DETAILS}
 * where DETAILS is the error's details_json. Exit status 0 either way; 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "foundry.h"

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    char *text = malloc((size_t)size + 1);
    if (!text) { fclose(f); return NULL; }
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[got] = '\0';
    return text;
}

static int count_chunk(const char *chunk_json, void *user_data) {
    (void)chunk_json;
    ++*(long *)user_data;
    return 0;
}

/* Prints the outcome line and frees what it was given. */
static int report(foundry_error *err, char *result, long chunks, int streamed) {
    if (err) {
        printf("{\"err\": %s}\n", err->details_json);
        foundry_error_free(err);
        foundry_string_free(result);
        return 0;
    }
    if (streamed) {
        printf("{\"ok\": %s, \"chunk_count\": %ld}\n", result ? result : "null", chunks);
    } else {
        printf("{\"ok\": %s}\n", result ? result : "null");
    }
    foundry_string_free(result);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s OP CATALOG_FILE|- REQUEST_FILE\n", argv[0]);
        return 2;
    }
    const char *op = argv[1];
    char *request = read_file(argv[3]);
    if (!request) {
        fprintf(stderr, "cannot read %s\n", argv[3]);
        return 2;
    }
    foundry_client *client = NULL;
    foundry_error *err = strcmp(argv[2], "-") == 0
                             ? foundry_client_new_from_env(&client)
                             : foundry_client_new_from_path(argv[2], &client);
    char *result = NULL;
    long chunks = 0;
    int streamed = 0;
    if (!err) {
        if (strcmp(op, "chat") == 0) {
            err = foundry_chat(client, request, &result);
        } else if (strcmp(op, "responses") == 0) {
            err = foundry_responses(client, request, &result);
        } else if (strcmp(op, "chat_stream") == 0) {
            streamed = 1;
            err = foundry_chat_stream(client, request, count_chunk, &chunks, &result);
        } else if (strcmp(op, "responses_stream") == 0) {
            streamed = 1;
            err = foundry_responses_stream(client, request, count_chunk, &chunks, &result);
        } else if (strcmp(op, "embeddings") == 0) {
            err = foundry_embeddings(client, request, &result);
        } else if (strcmp(op, "info") == 0) {
            err = foundry_info(client, request, &result);
        } else if (strcmp(op, "smoke") == 0) {
            err = foundry_smoke(client, &result);
        } else if (strcmp(op, "load_catalog") == 0) {
            err = foundry_client_deployments(client, &result);
        } else {
            fprintf(stderr, "unknown op %s\n", op);
            foundry_client_free(client);
            free(request);
            return 2;
        }
    }
    report(err, result, chunks, streamed);
    foundry_client_free(client);
    free(request);
    return 0;
}
