/*
 * The client's reader of a POST /sync/stream answer (syncspec_download_feed): NDJSON lines
 * of checkpoints, data, checkpoint_diff, checkpoint_complete and keepalives, fed in pieces
 * of random sizes as a network gives them, into a store (SQLite in memory, the example
 * spec, user "alice") that starts every input from the same pristine database, so every
 * input reproduces alone. The first byte seeds the piece sizes and says how much of what
 * arrives is held in memory (the default, nothing, or 512 bytes: every line kept in the
 * store as it arrives, or some kept and some held); the rest is the answer. Whatever the
 * answer, a refusal says why, what was held can be kept, and the store still makes its
 * next request.
 */
#include <sqlite3.h>
#include <string.h>

#include "fuzz.h"
#include "syncspec/download.h"

static syncspec_store *store;
/* A copy of the store's database just after it was opened. Opening a store runs the whole
 * schema and capture SQL; copying this back with SQLite's backup API instead makes an input
 * many times cheaper, from the same starting state. */
static sqlite3 *pristine;

/* Copies the database `from` over the database `to`. */
static void copy_database(sqlite3 *to, sqlite3 *from) {
    sqlite3_backup *backup = sqlite3_backup_init(to, "main", from, "main");
    if (!backup || sqlite3_backup_step(backup, -1) != SQLITE_DONE ||
        sqlite3_backup_finish(backup) != SQLITE_OK) {
        fprintf(stderr, "fuzz: cannot copy the store's database: %s\n", sqlite3_errmsg(to));
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("schemas/app.yaml");
    syncspec_error err = {0};
    if (!schema ||
        syncspec_store_open(&store, ":memory:", schema, fuzz_generated(schema, "sqlite.sql"),
                            fuzz_generated(schema, "sqlite_sync.sql"), &err) ||
        syncspec_store_set_user(store, "alice", &err) ||
        sqlite3_open(":memory:", &pristine) != SQLITE_OK) {
        fprintf(stderr, "fuzz: cannot open the store: %s\n", err.message);
        abort();
    }
    copy_database(pristine, syncspec_store_db(store));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    copy_database(syncspec_store_db(store), pristine);
    syncspec_download *download = NULL;
    syncspec_error err = {0};
    if (syncspec_download_new(&download, store, &err)) {
        fprintf(stderr, "fuzz: cannot start a download: %s\n", err.message);
        abort();
    }
    if (data[0] % 3) syncspec_download_set_hold_bytes(download, data[0] % 3 == 1 ? 0 : 512);
    /* Piece sizes from a small generator seeded by the first byte: 1 to 64 bytes. */
    uint32_t state = data[0] * 2654435761u + 1;
    int rc = 0;
    for (size_t at = 1; at < size && rc == 0;) {
        state = state * 1103515245u + 12345u;
        size_t n = 1 + (state >> 16) % 64;
        if (n > size - at) n = size - at;
        /* An exact-size copy of the piece: a read past it is seen. */
        char *piece = malloc(n);
        if (!piece) abort();
        memcpy(piece, data + at, n);
        rc = syncspec_download_feed(download, piece, n, &err);
        free(piece);
        at += n;
    }
    /* ERROR: a row the local schema refuses (a required column left out) */
    FUZZ_CHECK(rc == 0 || rc == SYNCSPEC_EINVALID || rc == SYNCSPEC_ECHECKSUM ||
               rc == SYNCSPEC_ERETRY || rc == SYNCSPEC_ERROR);
    FUZZ_CHECK(rc == 0 || err.message[0]);
    rc = syncspec_download_keep(download, &err);
    FUZZ_CHECK(rc == 0 || rc == SYNCSPEC_ERETRY || rc == SYNCSPEC_ERROR);
    syncspec_download_free(download);
    char *request = NULL;
    FUZZ_CHECK(syncspec_store_stream_request(store, &request, &err) == 0 && request);
    free(request);
    return 0;
}
