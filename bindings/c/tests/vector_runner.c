/*
 * vector_runner: one conformance vector's call through the public C API, for
 * bindings/c/tests/run_vectors.py (which loads the vector, registers its scenario, matches the
 * outcome and checks the request log). It knows no JSON beyond handing strings through and
 * quoting the error's string fields.
 *
 *   vector_runner OP SETTINGS_FILE REQUEST_FILE [--with-options FILE] [--token FILE | --token-error FILE]
 *
 * OP is chat, chat_stream, responses, responses_stream, embeddings, info, smoke or load_catalog.
 * SETTINGS_FILE holds foundry_client_new()'s settings JSON; REQUEST_FILE the request JSON (for
 * info: the model name). --with-options derives the client with foundry_client_with_options()
 * (and frees the original first); --token / --token-error build it with a token callback that
 * answers the file's text as the token / as its failure. Streams are read with the pull API
 * (foundry_stream_next()). Prints one line on stdout:
 *   {"ok": RESULT, "chunk_count": N}   or
 *   {"err": DETAILS, "kind": KIND, "code": CODE, "cause": CAUSE, "kind_code_name": NAME}
 * where DETAILS is the error's details_json and the rest its struct fields (NULL as null;
 * kind_code_name is foundry_error_kind_name(kind_code)). Exit status 0 either way; 2 on a
 * usage error.
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

/* `s` as a JSON string, or null. */
static void print_json_string(const char *s) {
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

/* Prints the outcome line and frees what it was given. */
static void report(foundry_error *err, char *result, long chunks, int streamed) {
    if (err) {
        printf("{\"err\": %s, \"kind\": ", err->details_json);
        print_json_string(err->kind);
        fputs(", \"code\": ", stdout);
        print_json_string(err->code);
        fputs(", \"cause\": ", stdout);
        print_json_string(err->cause);
        fputs(", \"kind_code_name\": ", stdout);
        print_json_string(foundry_error_kind_name((int)err->kind_code));
        puts("}");
        foundry_error_free(err);
    } else if (streamed) {
        printf("{\"ok\": %s, \"chunk_count\": %ld}\n", result ? result : "null", chunks);
    } else {
        printf("{\"ok\": %s}\n", result ? result : "null");
    }
    foundry_string_free(result);
}

/* What the token callback answers: a token, or a failure's message. */
struct token_spec {
    const char *text;
    int fails;
};

static void answer_token(void *user_data, foundry_token_reply *reply) {
    const struct token_spec *spec = user_data;
    if (spec->fails) {
        foundry_token_reply_error(reply, spec->text);
    } else {
        foundry_token_reply_token(reply, spec->text);
    }
}

/* Reads the stream to its end: the folded result, and the chunks counted. */
static foundry_error *read_stream(foundry_error *opened, foundry_stream *stream, char **result, long *chunks) {
    foundry_error *err = opened;
    while (!err) {
        char *chunk = NULL;
        err = foundry_stream_next(stream, &chunk);
        if (!chunk) break;
        ++*chunks;
        foundry_string_free(chunk);
    }
    if (!err) err = foundry_stream_result(stream, result);
    foundry_stream_free(stream);
    return err;
}

static foundry_error *call(const foundry_client *client, const char *op, const char *request, char **result,
                           long *chunks, int *streamed) {
    foundry_stream *stream = NULL;
    if (strcmp(op, "chat") == 0) return foundry_chat(client, request, result);
    if (strcmp(op, "responses") == 0) return foundry_responses(client, request, result);
    if (strcmp(op, "embeddings") == 0) return foundry_embeddings(client, request, result);
    if (strcmp(op, "info") == 0) return foundry_info(client, request, result);
    if (strcmp(op, "smoke") == 0) return foundry_smoke(client, result);
    if (strcmp(op, "load_catalog") == 0) return foundry_client_deployments(client, result);
    *streamed = 1;
    foundry_error *opened = strcmp(op, "chat_stream") == 0 ? foundry_chat_stream_open(client, request, &stream)
                                                           : foundry_responses_stream_open(client, request, &stream);
    return read_stream(opened, stream, result, chunks);
}

int main(int argc, char **argv) {
    static const char *const ops[] = {"chat",       "chat_stream", "responses", "responses_stream",
                                      "embeddings", "info",        "smoke",     "load_catalog"};
    int known = 0;
    for (size_t i = 0; argc >= 4 && i < sizeof ops / sizeof *ops; i++) known |= strcmp(argv[1], ops[i]) == 0;
    const char *with_options = NULL, *token_file = NULL;
    struct token_spec token = {NULL, 0};
    for (int i = 4; known && i < argc; i += 2) {
        if (i + 1 == argc) {
            known = 0;
        } else if (strcmp(argv[i], "--with-options") == 0) {
            with_options = argv[i + 1];
        } else if (strcmp(argv[i], "--token") == 0 || strcmp(argv[i], "--token-error") == 0) {
            token_file = argv[i + 1];
            token.fails = strcmp(argv[i], "--token-error") == 0;
        } else {
            known = 0;
        }
    }
    if (!known) {
        fprintf(stderr, "usage: %s OP SETTINGS_FILE REQUEST_FILE [--with-options FILE] [--token|--token-error FILE]\n",
                argv[0]);
        return 2;
    }
    char *settings = read_file(argv[2]);
    char *request = read_file(argv[3]);
    char *overrides = with_options ? read_file(with_options) : NULL;
    char *token_text = token_file ? read_file(token_file) : NULL;
    if (!settings || !request || (with_options && !overrides) || (token_file && !token_text)) {
        fprintf(stderr, "cannot read an input file\n");
        return 2;
    }
    token.text = token_text;
    foundry_client *client = NULL;
    foundry_error *err = token_file ? foundry_client_new_with_token_provider(settings, answer_token, &token, &client)
                                    : foundry_client_new(settings, &client);
    if (!err && overrides) {
        foundry_client *derived = NULL;
        err = foundry_client_with_options(client, overrides, &derived);
        /* The derived client outlives the one it came from. */
        foundry_client_free(client);
        client = derived;
    }
    char *result = NULL;
    long chunks = 0;
    int streamed = 0;
    if (!err) err = call(client, argv[1], request, &result, &chunks, &streamed);
    report(err, result, chunks, streamed);
    foundry_client_free(client);
    free(settings);
    free(request);
    free(overrides);
    free(token_text);
    return 0;
}
