/*
 * A C device for tests/node/convergence.test.mjs: the client store of schemas/app.yaml on
 * a SQLite file, syncing with a real `syncspec serve` through the libcurl transport.
 *
 * Usage: convergence_device GENERATED_DIR DB ENDPOINT TOKEN USER COMMAND...
 *   exec SQL   a local write on the store's connection (captured for upload)
 *   sync       rounds of syncspec_store_sync_stream until a checkpoint is applied with
 *              nothing left to upload (at most 100, 50 ms apart)
 *   dump       every synced table as JSON on stdout: {"table":[{column: value}, ...]},
 *              rows by id, values as SQLite holds them
 * Commands run in order; the first failure is said on stderr and exits 1.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_schema.h"
#include "syncspec/download.h"
#include "syncspec/http.h"
#include "util/fsutil.h"

typedef struct device {
    const char *endpoint, *token;
} device;

static int credentials(void *context, char **endpoint, char **token, bool refresh) {
    device *d = context;
    (void)refresh; /* the test's token lasts longer than the test */
    *endpoint = strdup(d->endpoint);
    *token = strdup(d->token);
    return *endpoint && *token ? 0 : -1;
}

static int sync_until_applied(syncspec_store *store, const syncspec_transport *transport,
                              syncspec_error *error) {
    for (int round = 0; round < 100; round++) {
        syncspec_sync_result result = {0};
        size_t pending = 1;
        int rc = syncspec_store_sync(store, transport, 0, &result, error);
        if (rc != 0 && rc != SYNCSPEC_ERETRY) return rc;
        if (rc == 0 && result.applied &&
            syncspec_store_pending(store, &pending, NULL, error) == 0 && pending == 0)
            return 0;
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    snprintf(error->message, sizeof error->message, "no checkpoint applied in 100 rounds");
    return SYNCSPEC_ERETRY;
}

/* One table's rows as a JSON array of objects. */
static json_t *table_rows(sqlite3 *db, const char *table) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY \"id\"", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    json_t *rows = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            json_t *v;
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v = json_integer(sqlite3_column_int64(st, i));
                break;
            case SQLITE_FLOAT:
                v = json_real(sqlite3_column_double(st, i));
                break;
            case SQLITE_NULL:
                v = json_null();
                break;
            default:
                v = json_stringn((const char *)sqlite3_column_text(st, i),
                                 (size_t)sqlite3_column_bytes(st, i));
            }
            json_object_set_new(row, sqlite3_column_name(st, i), v);
        }
        json_array_append_new(rows, row);
    }
    sqlite3_finalize(st);
    return rows;
}

static int dump(syncspec_store *store) {
    json_t *all = json_object();
    for (size_t k = 0; k < app_schema.table_count; k++) {
        const syncspec_table *t = &app_schema.tables[k];
        if (t->local_only) continue;
        json_t *rows = table_rows(syncspec_store_db(store), t->name);
        if (!rows) return -1;
        json_object_set_new(all, t->name, rows);
    }
    int rc = json_dumpf(all, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(all);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fputs("usage: convergence_device GENERATED_DIR DB ENDPOINT TOKEN USER COMMAND...\n",
              stderr);
        return 2;
    }
    device d = {argv[3], argv[4]};
    char *schema_sql = NULL, *capture_sql = NULL, path[4096];
    size_t length;
    snprintf(path, sizeof path, "%s/sqlite.sql", argv[1]);
    if (fs_read_file(&schema_sql, &length, path, SIZE_MAX) == 0) {
        snprintf(path, sizeof path, "%s/sqlite_sync.sql", argv[1]);
        fs_read_file(&capture_sql, &length, path, SIZE_MAX);
    }
    syncspec_store *store = NULL;
    syncspec_http *http = NULL;
    syncspec_error error = {0};
    syncspec_http_options options = {credentials, &d, NULL, 0};
    int rc = schema_sql && capture_sql ? 0 : -1;
    if (rc) snprintf(error.message, sizeof error.message, "no generated SQL in %s", argv[1]);
    if (rc == 0)
        rc = syncspec_store_open(&store, argv[2], &app_schema, schema_sql, capture_sql, &error);
    if (rc == 0) rc = syncspec_store_set_user(store, argv[5], &error);
    if (rc == 0) rc = syncspec_http_new(&http, &options, &error);
    syncspec_transport transport = syncspec_http_transport(http);
    for (int i = 6; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "exec") == 0 && i + 1 < argc) {
            char *message = NULL;
            if (sqlite3_exec(syncspec_store_db(store), argv[++i], NULL, NULL, &message) !=
                SQLITE_OK) {
                snprintf(error.message, sizeof error.message, "%s: %s", argv[i], message);
                rc = -1;
            }
            sqlite3_free(message);
        } else if (strcmp(argv[i], "sync") == 0) {
            rc = sync_until_applied(store, &transport, &error);
        } else if (strcmp(argv[i], "dump") == 0) {
            if ((rc = dump(store)) != 0)
                snprintf(error.message, sizeof error.message, "dump failed");
        } else {
            snprintf(error.message, sizeof error.message, "unknown command %s", argv[i]);
            rc = -1;
        }
    }
    if (rc)
        fprintf(stderr, "convergence_device: %s (%s)\n", error.message,
                http ? syncspec_http_last_error(http) : "");
    syncspec_http_free(http);
    syncspec_store_free(store);
    free(schema_sql);
    free(capture_sql);
    return rc ? 1 : 0;
}
