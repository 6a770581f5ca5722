/*
 * Local writes with capture: 100,000 inserts into documents in one transaction through the
 * store (every write queued for upload), against the floor measured in the same run: the
 * same inserts into the same table without capture. Target: at most 2.5x the floor.
 * Usage: bench_sync SQLITE_SQL SQLITE_SYNC_SQL (the generated files of schemas/app.yaml).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_schema.h"
#include "util/fsutil.h"

enum { ROWS = 100000, ROUNDS = 5 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Inserts ROWS documents in one transaction; returns the seconds it took, or -1. */
static double insert_rows(sqlite3 *db) {
    sqlite3_stmt *st;
    const char *sql =
        "INSERT INTO documents (id, title, content, device_id, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, 'device-a', '2025-09-22T14:29:30.120Z', "
        "'2025-09-22T14:29:30.120Z')";
    double t0 = now();
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    char id[40], title[32];
    for (int i = 0; i < ROWS; i++) {
        snprintf(id, sizeof id, "%08x-1111-4111-8111-111111111111", i);
        snprintf(title, sizeof title, "Title %d", i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, "A paragraph of text that stands for a document's content.", -1,
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) return -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return -1;
    return now() - t0;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    char *schema_sql = NULL, *capture_sql = NULL;
    size_t length;
    if (fs_read_file(&schema_sql, &length, argv[1], SIZE_MAX) != 0 ||
        fs_read_file(&capture_sql, &length, argv[2], SIZE_MAX) != 0)
        return 2;
    double plain[ROUNDS], captured[ROUNDS];
    char path[] = "/tmp/syncspec-bench-XXXXXX";
    if (!mkdtemp(path)) return 2;
    for (int r = 0; r < ROUNDS; r++) {
        char file[64];
        snprintf(file, sizeof file, "%s/plain%d.db", path, r);
        sqlite3 *db;
        /* The store's own settings, so the difference is the capture alone. */
        if (sqlite3_open(file, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA "
                         "temp_store = MEMORY;",
                         NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
            return 1;
        plain[r] = insert_rows(db);
        sqlite3_close(db);
        unlink(file);

        snprintf(file, sizeof file, "%s/store%d.db", path, r);
        syncspec_store *store;
        syncspec_error error;
        if (syncspec_store_open(&store, file, &app_schema, schema_sql, capture_sql, &error) != 0 ||
            syncspec_store_set_user(store, "user-1", &error) != 0) {
            fprintf(stderr, "bench_sync: %s\n", error.message);
            return 1;
        }
        captured[r] = insert_rows(syncspec_store_db(store));
        size_t ops = 0, transactions = 0;
        syncspec_store_pending(store, &ops, &transactions, &error);
        syncspec_store_free(store);
        unlink(file);
        if (plain[r] < 0 || captured[r] < 0 || ops != ROWS) {
            fprintf(stderr, "bench_sync: insert failed or %zu of %d writes queued\n", ops, ROWS);
            return 1;
        }
    }
    rmdir(path);
    qsort(plain, ROUNDS, sizeof *plain, compare);
    qsort(captured, ROUNDS, sizeof *captured, compare);
    double p = plain[ROUNDS / 2], c = captured[ROUNDS / 2];
    printf("local writes, 100,000 inserts in one transaction with capture: %.0f ms (%.0f rows/s)\n",
           c * 1e3, ROWS / c);
    printf("  floor  the same inserts without capture: %.0f ms (%.0f rows/s)\n", p * 1e3, ROWS / p);
    printf("  ratio  %.2fx the floor (target <= 2.50)\n", c / p);
    free(schema_sql);
    free(capture_sql);
    return 0;
}
