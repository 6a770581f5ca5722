/*
 * The client's reader of an upload answer (syncspec_store_upload_complete), on one store
 * (SQLite in memory, the example spec, a signed-in user) with a transaction queued before
 * each input: what leaves the queue, and the rows of a refused transaction marked to be
 * reverted by the next download. "dev:" in the input stands for the store's device id, so
 * an input can name the store's own op_ids. The first byte is unused (kept for the seeds'
 * form). Whatever the text, the store stays usable: it still builds an upload body and a
 * stream request.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "syncspec/download.h"

static syncspec_store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("schemas/app.yaml");
    syncspec_error err;
    if (!schema ||
        syncspec_store_open(&store, ":memory:", schema, fuzz_generated(schema, "sqlite.sql"),
                            fuzz_generated(schema, "sqlite_sync.sql"), &err) ||
        syncspec_store_set_user(store, "user-1", &err)) {
        fprintf(stderr, "fuzz: cannot open the store\n");
        abort();
    }
    return 0;
}

/* The input after its first byte, "dev:" replaced by the device id and ':'. malloc'd. */
static char *with_device_id(const uint8_t *data, size_t size) {
    const char *device = syncspec_store_device_id(store);
    syncspec_buffer b = {0};
    for (size_t i = 1; i < size; i++) {
        bool dev = size - i >= 4 && memcmp(data + i, "dev:", 4) == 0;
        if (dev ? syncspec_buffer_append(&b, device, strlen(device)) ||
                      syncspec_buffer_append(&b, ":", 1)
                : syncspec_buffer_append(&b, (const char *)data + i, 1))
            abort();
        if (dev) i += 3;
    }
    if (syncspec_buffer_append(&b, "", 0)) abort();
    return b.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    syncspec_error err;
    FUZZ_CHECK(sqlite3_exec(syncspec_store_db(store),
                            "INSERT OR REPLACE INTO projects (id, name, created_at, updated_at) "
                            "VALUES ('11111111-0000-4000-8000-000000000001', 'p', "
                            "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
                            NULL, NULL, NULL) == SQLITE_OK);
    char *text = with_device_id(data, size);
    size_t completed = 0, rejected = 0;
    int rc = syncspec_store_upload_complete(store, text, &completed, &rejected, &err);
    FUZZ_CHECK(rc == 0 || rc == SYNCSPEC_EINVALID);
    FUZZ_CHECK(rejected <= completed);
    free(text);
    char *body = NULL, *request = NULL;
    FUZZ_CHECK(syncspec_store_upload_body(store, &body, 0, &err) == 0);
    FUZZ_CHECK(syncspec_store_stream_request(store, &request, &err) == 0 && request);
    free(body);
    free(request);
    /* A queue that grows with every input would slow the run down. */
    FUZZ_CHECK(sqlite3_exec(syncspec_store_db(store), "DELETE FROM syncspec_crud", NULL, NULL,
                            NULL) == SQLITE_OK);
    return 0;
}
