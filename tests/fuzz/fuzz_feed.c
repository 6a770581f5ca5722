/*
 * The client's readers of server answers, on one store (SQLite in memory, the example
 * spec, a signed-in user): the change feed response (syncspec_store_apply_changes, read
 * straight from its text) and the upload response (syncspec_store_upload_complete). The
 * first byte picks which. Whatever the text, the store stays usable: it still makes a
 * pull request.
 */
#include <string.h>

#include "fuzz.h"

static syncspec_store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("schemas/app.yaml");
    syncspec_sync_error err;
    if (!schema ||
        syncspec_store_open(&store, ":memory:", schema, fuzz_generated(schema, "sqlite.sql"),
                            fuzz_generated(schema, "sqlite_sync.sql"), &err) ||
        syncspec_store_set_user(store, "user-1", &err)) {
        fprintf(stderr, "fuzz: cannot open the store\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    char *text = malloc(size); /* the rest, NUL-terminated as the API takes it */
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    syncspec_sync_error err;
    if (data[0] & 1) {
        size_t completed = 0, rejected = 0;
        syncspec_store_upload_complete(store, text, &completed, &rejected, &err);
    } else {
        syncspec_store_apply_changes(store, text, &err);
    }
    free(text);
    char *request = NULL;
    FUZZ_CHECK(syncspec_store_pull_request(store, &request, &err) == 0);
    free(request);
    return 0;
}
