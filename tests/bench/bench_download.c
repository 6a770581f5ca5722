/*
 * Downloads through the PowerSync protocol into the client store (docs/client-download.md):
 *
 * - a 100,000-row initial sync (one checkpoint, data lines of 1,000 PUTs in the form
 *   `syncspec serve` sends them) fed to syncspec_download_feed, beside the floor measured
 *   in the same run: plain inserts of the same rows into the same schema (one prepared
 *   statement, one transaction, the store's pragmas). Target: at most 2x the floor.
 * - the cost of one checkpoint_diff that changes one row, on a store holding 1,000 rows and
 *   on one holding 100,000: it must not grow with the rows held.
 *
 * Times are CPU time of the process (a shared machine's load moves wall time both ways).
 * Usage: bench_download SQLITE_SQL SQLITE_SYNC_SQL [STREAM_OUT] (the generated files of
 * schemas/app.yaml). STREAM_OUT receives the initial sync's lines, so that another client
 * can be timed on the very same stream.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_schema.h"
#include "syncspec/download.h"
#include "util/fsutil.h"

enum { ROWS = 100000, SMALL = 1000, PER_LINE = 1000, ROUNDS = 3, CHANGES = 50 };

#define CONTENT "A paragraph of text that stands for a document's content."
#define STAMP "2025-09-22T14:29:30.120Z"

/* CPU seconds of the process: on a shared machine, the part of the time that is its own. */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare);
    return v[n / 2];
}

static void row_id(char id[40], int i) { snprintf(id, 40, "%08x-1111-4111-8111-111111111111", i); }

/* An op's checksum: any u32 will do, as long as the checkpoint carries their sum. */
static uint32_t op_checksum(int64_t op_id) { return (uint32_t)(op_id * 2654435761u); }

/* A growing text. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n =
            vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if (t->data && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->cap + (size_t)n + 1) * 2;
        if (!(t->data = realloc(t->data, t->cap))) abort();
    }
}

/* A PUT of document `row` at `op_id` ("raw_data": the row as a JSON string). */
static void put_op(text *t, int64_t op_id, int row, const char *title) {
    char id[40];
    row_id(id, row);
    add(t,
        "{\"op_id\":\"%" PRId64 "\",\"op\":\"PUT\",\"object_type\":\"documents\",\"object_id\":"
        "\"%s\",\"checksum\":%" PRIu32 ",\"subkey\":null,\"data\":\"{\\\"id\\\":\\\"%s\\\","
        "\\\"title\\\":\\\"%s\\\",\\\"content\\\":\\\"" CONTENT "\\\",\\\"project_id\\\":null,"
        "\\\"device_id\\\":\\\"device-a\\\",\\\"owner_id\\\":\\\"user-1\\\",\\\"created_at\\\":"
        "\\\"" STAMP "\\\",\\\"updated_at\\\":\\\"" STAMP "\\\",\\\"deleted_at\\\":null}\"}",
        op_id, id, op_checksum(op_id), id, title);
}

/* The initial sync of `rows` documents: checkpoint, data lines, checkpoint_complete. */
static text initial_sync(int rows, uint32_t *sum) {
    text t = {0};
    *sum = 0;
    for (int i = 1; i <= rows; i++) *sum += op_checksum(i);
    add(&t,
        "{\"checkpoint\":{\"last_op_id\":\"%d\",\"write_checkpoint\":null,\"buckets\":[{\"bucket\":"
        "\"by_user[\\\"user-1\\\"]\",\"checksum\":%" PRIu32 ",\"priority\":3,\"count\":%d}]}}\n",
        rows, *sum, rows);
    for (int i = 1; i <= rows; i += PER_LINE) {
        add(&t, "{\"data\":{\"bucket\":\"by_user[\\\"user-1\\\"]\",\"data\":[");
        for (int k = i; k < i + PER_LINE && k <= rows; k++) {
            char title[32];
            snprintf(title, sizeof title, "Title %d", k - 1);
            if (k > i) add(&t, ",");
            put_op(&t, k, k - 1, title);
        }
        add(&t, "]}}\n");
    }
    add(&t, "{\"checkpoint_complete\":{\"last_op_id\":\"%d\"}}\n", rows);
    return t;
}

/* Inserts the same rows with one prepared statement in one transaction; seconds, or -1. */
static double plain_inserts(sqlite3 *db, int rows) {
    sqlite3_stmt *st;
    const char *sql = "INSERT INTO documents (id, title, content, project_id, device_id, owner_id, "
                      "created_at, updated_at, deleted_at) VALUES (?1, ?2, ?3, NULL, 'device-a', "
                      "'user-1', ?4, ?4, NULL)";
    double t0 = now();
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    char id[40], title[32];
    for (int i = 0; i < rows; i++) {
        row_id(id, i);
        snprintf(title, sizeof title, "Title %d", i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, CONTENT, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, STAMP, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) return -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return -1;
    return now() - t0;
}

static int count_rows(sqlite3 *db) {
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM documents WHERE title IS NOT NULL", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

typedef struct bench {
    const char *dir;
    char *schema_sql, *capture_sql;
    int files;
} bench;

static syncspec_store *open_store(bench *b) {
    char file[256];
    snprintf(file, sizeof file, "%s/store%d.db", b->dir, b->files++);
    syncspec_store *store;
    syncspec_error error;
    if (syncspec_store_open(&store, file, &app_schema, b->schema_sql, b->capture_sql, &error) !=
            0 ||
        syncspec_store_set_user(store, "user-1", &error) != 0) {
        fprintf(stderr, "bench_download: %s\n", error.message);
        exit(1);
    }
    return store;
}

static void feed(syncspec_download *d, const text *t) {
    syncspec_error error;
    if (syncspec_download_feed(d, t->data, t->len, &error) != 0) {
        fprintf(stderr, "bench_download: %s\n", error.message);
        exit(1);
    }
}

/*
 * A store synced with `rows` documents, then the median seconds of one checkpoint_diff
 * changing one row (its data line and checkpoint_complete), over CHANGES rounds.
 */
static double one_change(bench *b, int rows) {
    syncspec_store *store = open_store(b);
    syncspec_download *d;
    syncspec_error error;
    uint32_t sum;
    text t = initial_sync(rows, &sum);
    if (syncspec_download_new(&d, store, &error) != 0) exit(1);
    feed(d, &t);
    double took[CHANGES];
    int64_t op = rows;
    for (int c = 0; c < CHANGES; c++) {
        char title[32];
        snprintf(title, sizeof title, "Changed %d", c);
        sum += op_checksum(++op);
        t.len = 0;
        add(&t,
            "{\"checkpoint_diff\":{\"last_op_id\":\"%" PRId64 "\",\"write_checkpoint\":null,"
            "\"updated_buckets\":[{\"bucket\":\"by_user[\\\"user-1\\\"]\",\"checksum\":%" PRIu32
            ",\"priority\":3,\"count\":%d}],\"removed_buckets\":[]}}\n"
            "{\"data\":{\"bucket\":\"by_user[\\\"user-1\\\"]\",\"data\":[",
            op, sum, rows);
        put_op(&t, op, (c * 7919) % rows, title);
        add(&t, "]}}\n{\"checkpoint_complete\":{\"last_op_id\":\"%" PRId64 "\"}}\n", op);
        double t0 = now();
        feed(d, &t);
        took[c] = now() - t0;
    }
    syncspec_download_status status = syncspec_download_get_status(d);
    if (status.applied != CHANGES + 1 || count_rows(syncspec_store_db(store)) != rows) {
        fprintf(stderr, "bench_download: %zu checkpoints applied of %d\n", status.applied,
                CHANGES + 1);
        exit(1);
    }
    syncspec_download_free(d);
    syncspec_store_free(store);
    free(t.data);
    return median(took, CHANGES);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) return 2;
    char path[] = "/tmp/syncspec-bench-XXXXXX";
    bench b = {path, NULL, NULL, 0};
    size_t length;
    if (fs_read_file(&b.schema_sql, &length, argv[1], SIZE_MAX) != 0 ||
        fs_read_file(&b.capture_sql, &length, argv[2], SIZE_MAX) != 0 || !mkdtemp(path))
        return 2;
    uint32_t sum;
    text stream = initial_sync(ROWS, &sum);
    if (argc == 4) {
        FILE *f = fopen(argv[3], "wb");
        if (!f || fwrite(stream.data, 1, stream.len, f) != stream.len || fclose(f) != 0) return 2;
    }
    double plain[ROUNDS], applied[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        char file[256];
        snprintf(file, sizeof file, "%s/plain%d.db", path, r);
        sqlite3 *db;
        /* The store's own settings, so the difference is the download's alone. */
        if (sqlite3_open(file, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                         "PRAGMA temp_store = MEMORY;",
                         NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, b.schema_sql, NULL, NULL, NULL) != SQLITE_OK)
            return 1;
        plain[r] = plain_inserts(db, ROWS);
        sqlite3_close(db);

        syncspec_store *store = open_store(&b);
        syncspec_download *d;
        syncspec_error error;
        if (syncspec_download_new(&d, store, &error) != 0) return 1;
        double t0 = now();
        feed(d, &stream);
        applied[r] = now() - t0;
        int n = count_rows(syncspec_store_db(store));
        syncspec_download_free(d);
        syncspec_store_free(store);
        if (plain[r] < 0 || n != ROWS) {
            fprintf(stderr, "bench_download: %d of %d rows downloaded\n", n, ROWS);
            return 1;
        }
    }
    double p = median(plain, ROUNDS), a = median(applied, ROUNDS);
    printf(
        "initial sync, 100,000 rows through the protocol into the store: %.0f ms (%.0f rows/s)\n",
        a * 1e3, ROWS / a);
    printf("  floor  plain inserts of the same rows: %.0f ms (%.0f rows/s)\n", p * 1e3, ROWS / p);
    printf("  ratio  %.2fx the floor (target <= 2.00)\n", a / p);
    double small = one_change(&b, SMALL), large = one_change(&b, ROWS);
    printf("one changed row, one checkpoint: %.2f ms holding 1,000 rows, %.2f ms holding "
           "100,000 (%.2fx; target: no growth)\n",
           small * 1e3, large * 1e3, large / small);
    free(stream.data);
    free(b.schema_sql);
    free(b.capture_sql);
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf '%s'", path);
    return system(rm) == 0 ? 0 : 1;
}
