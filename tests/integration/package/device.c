/*
 * A device program built against an installed syncspec with syncspec/client.h and
 * pkg-config syncspec-client alone: opens a store, signs in, writes a row with plain SQL and
 * finds it queued. Usage: device DB SQLITE_SQL SQLITE_SYNC_SQL
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "syncspec/client.h"

/* The generated descriptors (app_schema.c); declared here, as its header includes all of
 * syncspec.h. */
extern const syncspec_schema app_schema;

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1))) {
        if (fread(text, 1, (size_t)n, f) == (size_t)n)
            text[n] = '\0';
        else
            free(text), text = NULL;
    }
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    int rc = 1;
    syncspec_store *store = NULL;
    syncspec_error error = {0};
    size_t ops = 0, transactions = 0;
    char *schema_sql = argc == 4 ? read_file(argv[2]) : NULL;
    char *capture_sql = argc == 4 ? read_file(argv[3]) : NULL;
    if (!schema_sql || !capture_sql) {
        fputs("usage: device DB SQLITE_SQL SQLITE_SYNC_SQL\n", stderr);
        goto cleanup;
    }
    if (syncspec_store_open(&store, argv[1], &app_schema, schema_sql, capture_sql, &error) != 0 ||
        syncspec_store_set_user(store, "user-1", &error) != 0)
        goto fail;
    if (sqlite3_exec(syncspec_store_db(store),
                     "INSERT INTO projects (id, name, created_at, updated_at) VALUES "
                     "('a0000000-0000-4000-8000-000000000001', 'p', "
                     "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "insert: %s\n", sqlite3_errmsg(syncspec_store_db(store)));
        goto cleanup;
    }
    if (syncspec_store_pending(store, &ops, &transactions, &error) != 0) goto fail;
    printf("device %s: %zu op queued\n", syncspec_store_device_id(store) ? "ready" : "without id",
           ops);
    rc = 0;
    goto cleanup;
fail:
    fprintf(stderr, "store: %s\n", error.message);
cleanup:
    syncspec_store_free(store);
    free(schema_sql);
    free(capture_sql);
    return rc;
}
