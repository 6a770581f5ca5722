/*
 * The upload sanitizers on one op, as text (syncspec_sanitize_text: repeated keys, numbers
 * jansson cannot hold) and as a tree parsed elsewhere (syncspec_sanitize), over the example
 * spec and the edge-case spec (every type and option). The first byte picks the spec, the
 * rest is the op. Every refused op has errors, each with a code and a UTF-8 message; a
 * valid op has a table and an id.
 */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"

static syncspec_sanitizer *sanitizers[2];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    static const char *const specs[2] = {"schemas/app.yaml", "tests/golden/edge/spec.yaml"};
    syncspec_error error = {0};
    for (int i = 0; i < 2; i++) {
        const syncspec_schema *schema = fuzz_spec(specs[i]);
        if (!schema || syncspec_sanitizer_new(&sanitizers[i], schema, &error)) {
            fprintf(stderr, "fuzz: no sanitizer for %s: %s\n", specs[i], error.message);
            abort();
        }
    }
    return 0;
}

static void check(const syncspec_op *op, int rc) {
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc == 0) {
        FUZZ_CHECK(op->table != NULL && op->id != NULL);
        return;
    }
    FUZZ_CHECK(op->error_count > 0);
    size_t n =
        op->error_count < SYNCSPEC_MAX_FIELD_ERRORS ? op->error_count : SYNCSPEC_MAX_FIELD_ERRORS;
    for (size_t k = 0; k < n; k++) {
        FUZZ_CHECK(op->errors[k].code && op->errors[k].code[0]);
        FUZZ_CHECK(syncspec_utf8_valid(op->errors[k].message, strlen(op->errors[k].message)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    syncspec_sanitizer *s = sanitizers[data[0] & 1];
    const char *text = (const char *)data + 1;
    syncspec_op op;
    check(&op, syncspec_sanitize_text(&op, s, text, size - 1, "user-1"));
    json_t *tree = json_loadb(text, size - 1, JSON_ALLOW_NUL, NULL);
    if (tree) {
        check(&op, syncspec_sanitize(&op, s, tree, "user-1"));
        json_decref(tree);
    }
    return 0;
}
