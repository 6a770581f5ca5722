/*
 * The client store: SQLite with change capture (sqlite_sync.sql), typed writes, the account
 * switch. Upload batches and applying server changes are in store_sync.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/store_internal.h"
#include "model/implicit.h"

/* ---- the SQL functions the capture triggers call ---- */

static void fn_capture(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    const store_capture *cap = sqlite3_user_data(context);
    sqlite3_result_int(context, cap->capture);
}

/*
 * The current local transaction's id: on its first capture, one past every id in the queue
 * and every id already uploaded, so an op_id (device + tx) is never reused. The commit and
 * rollback hooks end it.
 */
static void fn_tx(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    store_capture *cap = sqlite3_user_data(context);
    if (cap->tx == 0) {
        sqlite3 *db = sqlite3_context_db_handle(context);
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(
            db,
            "SELECT max(coalesce((SELECT max(\"tx_id\") FROM \"syncspec_crud\"), 0), "
            "coalesce((SELECT CAST(\"value\" AS INTEGER) FROM \"syncspec_state\" "
            "WHERE \"key\" = 'last_tx_id'), 0)) + 1",
            -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            cap->tx = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (cap->tx == 0) {
            sqlite3_result_error(context, "syncspec_tx: cannot read the queue", -1);
            return;
        }
    }
    sqlite3_result_int64(context, cap->tx);
}

/* The subtype SQLite's JSON functions give JSON text ('J'). */
enum { JSON_SUBTYPE = 74 };
#ifdef SQLITE_RESULT_SUBTYPE /* SQLite 3.45 and later want functions to say they set one */
#define JSON_VALUE_FLAGS                                                                           \
    (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS | SQLITE_RESULT_SUBTYPE)
#else
#define JSON_VALUE_FLAGS (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)
#endif

/*
 * syncspec_json_value(v): v as json_object() can write it and the server can read it. A BLOB
 * (json_object() refuses one), text that is not UTF-8 (SQLite keeps any bytes) and an
 * infinite real (SQLite before 3.41 writes Inf, which is no JSON) become the JSON object
 * {"syncspec-unsendable": "\u0000blob:<hex>"} ("text:<hex>", "real:Inf"). The server's
 * sanitizer refuses it for every column type (an object where a scalar belongs, a NUL in a
 * JSON column), so the transaction is rejected and recorded with the value in it, instead of
 * the write failing or the queue being stuck. An object, not a string: json_each(), which
 * the PATCH trigger goes through, cuts strings at a NUL.
 */
static void fn_json_value(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    sqlite3_value *v = argv[0];
    int type = sqlite3_value_type(v);
    const char *kind = NULL;
    if (type == SQLITE_BLOB) {
        kind = "blob";
    } else if (type == SQLITE_TEXT) {
        const char *text = (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        /* json_each(), which PATCH data goes through, ends a string at a NUL. */
        if (!syncspec_utf8_valid(text, n) || memchr(text, '\0', n)) kind = "text";
    } else if (type == SQLITE_FLOAT && !isfinite(sqlite3_value_double(v))) {
        kind = "real";
    }
    if (!kind) {
        sqlite3_result_value(context, v);
        return;
    }
    syncspec_buffer b = {0};
    int failed = sync_printf(&b, "{\"syncspec-unsendable\":\"\\u0000%s:", kind);
    if (type == SQLITE_FLOAT) {
        failed = failed || sync_puts(&b, sqlite3_value_double(v) > 0 ? "Inf" : "-Inf");
    } else {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *bytes =
            type == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
        int n = sqlite3_value_bytes(v);
        for (int i = 0; i < n && !failed; i++) {
            char pair[2] = {hex[bytes[i] >> 4], hex[bytes[i] & 15]};
            failed = syncspec_buffer_append(&b, pair, 2);
        }
    }
    failed = failed || sync_puts(&b, "\"}");
    if (failed) {
        sqlite3_result_error_nomem(context);
    } else {
        sqlite3_result_text(context, b.data, (int)b.len, SQLITE_TRANSIENT);
        sqlite3_result_subtype(context, JSON_SUBTYPE); /* JSON to json_object(), not text */
    }
    syncspec_buffer_free(&b);
}

static int hook_commit(void *data) {
    ((store_capture *)data)->tx = 0;
    return 0;
}

static void hook_rollback(void *data) { ((store_capture *)data)->tx = 0; }

static int register_functions(store_capture **out, sqlite3 *db) {
    store_capture *cap = calloc(1, sizeof *cap);
    if (!cap) return SQLITE_NOMEM;
    cap->capture = 1;
    /* The first registration owns `cap` and frees it when the connection closes. */
    int rc =
        sqlite3_create_function_v2(db, "syncspec_tx", 0, SQLITE_UTF8, cap, fn_tx, NULL, NULL, free);
    if (rc != SQLITE_OK) return rc; /* SQLite has called free(cap) */
    rc = sqlite3_create_function_v2(db, "syncspec_capture", 0, SQLITE_UTF8, cap, fn_capture, NULL,
                                    NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "syncspec_json_value", 1, JSON_VALUE_FLAGS, NULL,
                                        fn_json_value, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return rc;
    sqlite3_commit_hook(db, hook_commit, cap);
    sqlite3_rollback_hook(db, hook_rollback, cap);
    if (out) *out = cap;
    return SQLITE_OK;
}

int syncspec_store_register_functions(sqlite3 *db) { return register_functions(NULL, db); }

/* ---- helpers ---- */

/* The code for the connection's last error: busy or locked is another connection writing,
 * which passes, so the caller may try again. */
static int store_error_code(syncspec_store *store) {
    int code = sqlite3_errcode(store->db) & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED ? SYNCSPEC_ERETRY : SYNCSPEC_ERROR;
}

int store_db_error(syncspec_store *store, syncspec_error *error, const char *what) {
    return sync_error(error, store_error_code(store), "%s: %s", what, sqlite3_errmsg(store->db));
}

int store_exec(syncspec_store *store, const char *sql, syncspec_error *error) {
    char *message = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &message) == SQLITE_OK) return 0;
    int rc = sync_error(error, store_error_code(store), "%s", message ? message : "SQLite error");
    sqlite3_free(message);
    return rc;
}

int store_state_get(char **value, syncspec_store *store, const char *key, syncspec_error *error) {
    *value = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT \"value\" FROM \"syncspec_state\" WHERE \"key\" = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "reading the store state");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *value = strdup((const char *)sqlite3_column_text(st, 0));
        if (!*value) rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = store_db_error(store, error, "reading the store state");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_state_set(syncspec_store *store, const char *key, const char *value,
                    syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO \"syncspec_state\" (\"key\", \"value\") VALUES (?1, ?2) "
                           "ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "writing the store state");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (value)
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    int rc = sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : store_db_error(store, error, "writing the store state");
    sqlite3_finalize(st);
    return rc;
}

int store_query_int64(int64_t *out, syncspec_store *store, const char *sql, syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "reading the store");
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? 0
               : store_db_error(store, error, "reading the store");
}

int store_keep_tx_id(syncspec_store *store, int64_t tx, syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO \"syncspec_state\" (\"key\", \"value\") SELECT "
                           "'last_tx_id', max(coalesce((SELECT CAST(\"value\" AS INTEGER) FROM "
                           "\"syncspec_state\" WHERE \"key\" = 'last_tx_id'), 0), ?1) WHERE true "
                           "ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "writing the store state");
    sqlite3_bind_int64(st, 1, tx);
    int rc = sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : store_db_error(store, error, "writing the store state");
    sqlite3_finalize(st);
    return rc;
}

/* A random (version 4) UUID for the device id. */
int store_new_device_id(char out[37]) {
    unsigned char b[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)sizeof b) return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

/* ---- open, close ---- */

int store_drop_capture_triggers(syncspec_store *store, const char *table, char ***kept,
                                size_t *kept_count, syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    syncspec_buffer drop = {0};
    int rc = 0;
    if (sqlite3_prepare_v2(store->db,
                           "SELECT \"name\", \"sql\" FROM \"sqlite_master\" WHERE \"type\" = "
                           "'trigger' AND (?1 IS NULL OR \"tbl_name\" = ?1) AND \"name\" GLOB "
                           "'syncspec_*' AND (instr(\"sql\", 'syncspec_capture()') OR "
                           "instr(\"sql\", '''syncspec: the id of a synced row cannot change''')) "
                           "ORDER BY \"name\"",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
        rc = store_db_error(store, error, "reading the capture triggers");
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (kept) {
            char **grown = realloc(*kept, (*kept_count + 1) * sizeof *grown);
            if (grown) *kept = grown;
            char *sql = grown ? strdup((const char *)sqlite3_column_text(st, 1)) : NULL;
            if (!sql) {
                rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
                break;
            }
            (*kept)[(*kept_count)++] = sql;
        }
        if (sync_puts(&drop, "DROP TRIGGER ") ||
            sync_ident(&drop, (const char *)sqlite3_column_text(st, 0)) || sync_puts(&drop, ";"))
            rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (rc == 0 && drop.len) rc = store_exec(store, drop.data, error);
    syncspec_buffer_free(&drop);
    return rc;
}

int syncspec_store_open(syncspec_store **out, const char *path, const syncspec_schema *schema,
                        const char *schema_sql, const char *capture_sql, syncspec_error *error) {
    *out = NULL;
    if (!path || !schema || !schema_sql || !capture_sql)
        return sync_error(error, SYNCSPEC_EINVALID, "store_open: missing argument");
    syncspec_store *store = calloc(1, sizeof *store);
    if (!store) return sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    store->schema = schema;
    int rc = 0;
    char *device = NULL;
    if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = sync_error(error, SYNCSPEC_ERROR, "cannot open %s: %s", path,
                        store->db ? sqlite3_errmsg(store->db) : "out of memory");
        goto cleanup;
    }
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, 5000);
    if (register_functions(&store->cap, store->db) != SQLITE_OK) {
        rc = store_db_error(store, error, "registering the capture functions");
        goto cleanup;
    }
    /* WAL: a killed process leaves the last committed state, and readers never block the
     * writer. NORMAL is durable against process crashes, which is what a client sees most.
     * Statement journals in memory: every write that fires a capture trigger needs one, and
     * as temporary files they cost more than the write itself (about 5x on 100,000 inserts). */
    if ((rc = store_exec(store,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                         "PRAGMA temp_store = MEMORY;",
                         error)) != 0)
        goto cleanup;
    if ((rc = store_exec(store, "BEGIN IMMEDIATE", error)) != 0) goto cleanup;
    if ((rc = store_exec(store, schema_sql, error)) != 0 ||
        /* The capture SQL given now creates them as it says (CREATE TRIGGER IF NOT EXISTS
         * would keep an old body), and a table that left the spec or became local-only
         * loses them. */
        (rc = store_drop_capture_triggers(store, NULL, NULL, NULL, error)) != 0 ||
        (rc = store_exec(store, capture_sql, error)) != 0 ||
        (rc = store_exec(store, store_download_sql, error)) != 0 ||
        (rc = store_state_get(&device, store, "device_id", error)) != 0) {
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        goto cleanup;
    }
    if (!device) {
        char id[37];
        if (store_new_device_id(id) != 0) {
            rc = sync_error(error, SYNCSPEC_ERROR, "cannot read /dev/urandom: %s", strerror(errno));
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            goto cleanup;
        }
        if ((rc = store_state_set(store, "device_id", id, error)) != 0) {
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            goto cleanup;
        }
        device = strdup(id);
    }
    if ((rc = store_exec(store, "COMMIT", error)) != 0) goto cleanup;
    if (!device) {
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
        goto cleanup;
    }
    snprintf(store->device_id, sizeof store->device_id, "%s", device);
    if ((rc = store_state_get(&store->user_id, store, "user_id", error)) != 0) goto cleanup;
    *out = store;
    store = NULL;
cleanup:
    free(device);
    syncspec_store_free(store);
    return rc;
}

static void free_get_strings(syncspec_store *store) {
    for (size_t i = 0; i < store->get_count; i++) free(store->get_strings[i]);
    free(store->get_strings);
    store->get_strings = NULL;
    store->get_count = 0;
}

void syncspec_store_free(syncspec_store *store) {
    if (!store) return;
    free_get_strings(store);
    sqlite3_close(store->db);
    free(store->user_id);
    free(store);
}

sqlite3 *syncspec_store_db(syncspec_store *store) { return store->db; }

const char *syncspec_store_device_id(const syncspec_store *store) { return store->device_id; }

const char *syncspec_store_user_id(const syncspec_store *store) { return store->user_id; }

/* ---- transactions ---- */

int syncspec_store_begin(syncspec_store *store, syncspec_error *error) {
    return store_exec(store, "BEGIN IMMEDIATE", error);
}

int syncspec_store_commit(syncspec_store *store, syncspec_error *error) {
    return store_exec(store, "COMMIT", error);
}

int syncspec_store_rollback(syncspec_store *store, syncspec_error *error) {
    return store_exec(store, "ROLLBACK", error);
}

/* ---- account switch ---- */

int store_clear_synced(syncspec_store *store, syncspec_error *error) {
    syncspec_buffer sql = {0};
    int rc = 0;
    for (size_t i = 0; i < store->schema->table_count && rc == 0; i++) {
        const syncspec_table *t = &store->schema->tables[i];
        if (t->local_only) continue;
        if (sync_puts(&sql, "DELETE FROM ") || sync_ident(&sql, t->name) || sync_puts(&sql, ";"))
            rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    }
    /* The download's ops and buckets describe the rows: they go with them. */
    if (rc == 0 && sync_puts(&sql, store_download_clear_sql))
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    if (rc == 0 && sql.data) {
        store->cap->capture = 0;
        rc = store_exec(store, sql.data, error);
        store->cap->capture = 1;
    }
    syncspec_buffer_free(&sql);
    return rc;
}

int syncspec_store_set_user(syncspec_store *store, const char *user_id, syncspec_error *error) {
    if (!user_id || !*user_id)
        return sync_error(error, SYNCSPEC_EINVALID, "set_user: empty user id");
    if (store->user_id && strcmp(store->user_id, user_id) == 0) return 0;
    char *copy = strdup(user_id);
    if (!copy) return sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    int rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    if (store->user_id) {
        /* Another user: nothing of the previous one may stay, queued or stored. The highest
         * tx id is kept so that this device's op_ids stay unique. */
        int64_t queued = 0;
        rc = store_clear_synced(store, error);
        if (rc == 0)
            rc = store_query_int64(&queued, store, "SELECT max(\"tx_id\") FROM \"syncspec_crud\"",
                                   error);
        if (rc == 0) rc = store_keep_tx_id(store, queued, error);
        if (rc == 0) rc = store_exec(store, "DELETE FROM \"syncspec_crud\"", error);
    }
    if (rc == 0) rc = store_state_set(store, "user_id", user_id, error);
    if (rc == 0) rc = store_exec(store, "COMMIT", error);
    if (rc != 0) {
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        free(copy);
        return rc;
    }
    free(store->user_id);
    store->user_id = copy;
    return 0;
}

/* ---- typed writes ---- */

static const void *field(const void *row, const syncspec_column *c) {
    return (const char *)row + c->offset;
}

void store_now(char buf[SYNCSPEC_TIMESTAMP_SIZE]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    syncspec_timestamp_format(buf, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int bind_column(sqlite3_stmt *st, int p, const syncspec_column *c, const void *row) {
    if (syncspec_row_state(c, row) != SYNCSPEC_SET) return sqlite3_bind_null(st, p);
    const void *f = field(row, c);
    switch (c->type) {
    case SYNCSPEC_TYPE_INTEGER:
        return sqlite3_bind_int64(st, p, ((const syncspec_int_value *)f)->value);
    case SYNCSPEC_TYPE_REAL:
        return sqlite3_bind_double(st, p, ((const syncspec_real_value *)f)->value);
    case SYNCSPEC_TYPE_BOOLEAN:
        return sqlite3_bind_int(st, p, ((const syncspec_bool_value *)f)->value ? 1 : 0);
    case SYNCSPEC_TYPE_TIMESTAMP: {
        char buf[SYNCSPEC_TIMESTAMP_SIZE];
        if (syncspec_timestamp_format(buf, ((const syncspec_int_value *)f)->value) != 0)
            return SQLITE_RANGE;
        return sqlite3_bind_text(st, p, buf, -1, SQLITE_TRANSIENT);
    }
    default: {
        const syncspec_text_value *t = f;
        return sqlite3_bind_text(st, p, t->value ? t->value : "", (int)t->length, SQLITE_TRANSIENT);
    }
    }
}

/* created_at and updated_at: a write that leaves them out stores the current time. */
static bool is_stamped(const syncspec_column *c) {
    const model_implicit *implicit = model_implicit_of(c->role);
    return implicit && implicit->stamped;
}

static int check_table(const syncspec_table *t, const void *row, syncspec_error *error) {
    if (!t || !row || t->row_size == 0)
        return sync_error(error, SYNCSPEC_EINVALID, "typed writes need a table with a row layout");
    const syncspec_column *id = &t->columns[0];
    if (syncspec_row_state(id, row) != SYNCSPEC_SET)
        return sync_error(error, SYNCSPEC_EINVALID, "%s: the row has no id", t->name);
    return 0;
}

int syncspec_store_put(syncspec_store *store, const syncspec_table *t, const void *row,
                       syncspec_error *error) {
    int rc = check_table(t, row, error);
    if (rc) return rc;
    syncspec_buffer sql = {0};
    sqlite3_stmt *st = NULL;
    char now[SYNCSPEC_TIMESTAMP_SIZE];
    store_now(now);
    /* Absent columns are left out, so they take their SQLite default. An upsert, not INSERT
     * OR REPLACE: a row that exists is updated (captured as a PATCH of what changed). An
     * insert-only table's rows never change, so there an existing id is an error. */
    int ok =
        !sync_puts(&sql, "INSERT INTO ") && !sync_ident(&sql, t->name) && !sync_puts(&sql, " (");
    size_t n = 0;
    for (size_t i = 0; i < t->column_count && ok; i++) {
        const syncspec_column *c = &t->columns[i];
        if (syncspec_row_state(c, row) == SYNCSPEC_ABSENT && !is_stamped(c)) continue;
        ok = !(n++ && sync_puts(&sql, ", ")) && !sync_ident(&sql, c->name);
    }
    ok = ok && !sync_puts(&sql, ") VALUES (");
    for (size_t i = 0; i < n && ok; i++) ok = !sync_puts(&sql, i ? ", ?" : "?");
    ok = ok && !sync_puts(&sql, ")");
    size_t set = 0;
    for (size_t i = 1; i < t->column_count && ok && !t->insert_only; i++) {
        const syncspec_column *c = &t->columns[i];
        /* Absent, these keep what the row has: its created_at, and its owner (the server's
         * to give: a PATCH that cleared it would be refused). */
        if ((c->role == SYNCSPEC_ROLE_CREATED_AT || c->role == SYNCSPEC_ROLE_OWNER) &&
            syncspec_row_state(c, row) == SYNCSPEC_ABSENT)
            continue;
        ok = !sync_puts(&sql, set++ ? ", " : " ON CONFLICT (\"id\") DO UPDATE SET ") &&
             !sync_ident(&sql, c->name) && !sync_puts(&sql, " = excluded.") &&
             !sync_ident(&sql, c->name);
    }
    /* Only an owner and created_at, both absent: the row already says all the put does. */
    if (ok && !t->insert_only && set == 0)
        ok = !sync_puts(&sql, " ON CONFLICT (\"id\") DO NOTHING");
    if (!ok) {
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, t->name);
        goto cleanup;
    }
    int p = 0;
    for (size_t i = 0; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        syncspec_state state = syncspec_row_state(c, row);
        if (state == SYNCSPEC_ABSENT && !is_stamped(c)) continue;
        if (state == SYNCSPEC_ABSENT)
            sqlite3_bind_text(st, ++p, now, -1, SQLITE_TRANSIENT);
        else
            bind_column(st, ++p, c, row);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rc = store_db_error(store, error, t->name);
cleanup:
    sqlite3_finalize(st);
    syncspec_buffer_free(&sql);
    return rc;
}

int syncspec_store_patch(syncspec_store *store, const syncspec_table *t, const void *row,
                         syncspec_error *error) {
    int rc = check_table(t, row, error);
    if (rc) return rc;
    syncspec_buffer sql = {0};
    sqlite3_stmt *st = NULL;
    char now[SYNCSPEC_TIMESTAMP_SIZE];
    store_now(now);
    int ok = !sync_puts(&sql, "UPDATE ") && !sync_ident(&sql, t->name) && !sync_puts(&sql, " SET ");
    size_t n = 0;
    for (size_t i = 1; i < t->column_count && ok; i++) {
        const syncspec_column *c = &t->columns[i];
        if (syncspec_row_state(c, row) == SYNCSPEC_ABSENT && c->role != SYNCSPEC_ROLE_UPDATED_AT)
            continue;
        ok = !(n++ && sync_puts(&sql, ", ")) && !sync_ident(&sql, c->name) &&
             !sync_puts(&sql, " = ?");
    }
    ok = ok && !sync_puts(&sql, " WHERE \"id\" = ?");
    if (!ok) {
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (n == 0) goto cleanup; /* nothing to change */
    if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, t->name);
        goto cleanup;
    }
    int p = 0;
    for (size_t i = 1; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        syncspec_state state = syncspec_row_state(c, row);
        if (state == SYNCSPEC_ABSENT && c->role != SYNCSPEC_ROLE_UPDATED_AT) continue;
        if (state == SYNCSPEC_ABSENT)
            sqlite3_bind_text(st, ++p, now, -1, SQLITE_TRANSIENT);
        else
            bind_column(st, ++p, c, row);
    }
    bind_column(st, ++p, &t->columns[0], row);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_db_error(store, error, t->name);
    else if (sqlite3_changes(store->db) == 0)
        rc = 1;
cleanup:
    sqlite3_finalize(st);
    syncspec_buffer_free(&sql);
    return rc;
}

int syncspec_store_delete(syncspec_store *store, const syncspec_table *t, const char *id,
                          syncspec_error *error) {
    if (!t || !id) return sync_error(error, SYNCSPEC_EINVALID, "delete: missing argument");
    syncspec_buffer sql = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sync_puts(&sql, "DELETE FROM ") || sync_ident(&sql, t->name) ||
        sync_puts(&sql, " WHERE \"id\" = ?1")) {
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, t->name);
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = store_db_error(store, error, t->name);
cleanup:
    sqlite3_finalize(st);
    syncspec_buffer_free(&sql);
    return rc;
}

int syncspec_store_get(syncspec_store *store, const syncspec_table *t, const char *id, void *row,
                       syncspec_error *error) {
    if (!t || !id || !row || t->row_size == 0)
        return sync_error(error, SYNCSPEC_EINVALID, "get needs a table with a row layout");
    free_get_strings(store);
    syncspec_buffer sql = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    int ok = !sync_puts(&sql, "SELECT ");
    for (size_t i = 0; i < t->column_count && ok; i++)
        ok = !(i && sync_puts(&sql, ", ")) && !sync_ident(&sql, t->columns[i].name);
    ok = ok && !sync_puts(&sql, " FROM ") && !sync_ident(&sql, t->name) &&
         !sync_puts(&sql, " WHERE \"id\" = ?1");
    if (!ok || !(store->get_strings = calloc(t->column_count, sizeof(char *)))) {
        rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, t->name);
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = 1;
        goto cleanup;
    }
    if (step != SQLITE_ROW) {
        rc = store_db_error(store, error, t->name);
        goto cleanup;
    }
    memset(row, 0, t->row_size);
    for (size_t i = 0; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        void *f = (char *)row + c->offset;
        int null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;
        syncspec_state state = null ? SYNCSPEC_NULL : SYNCSPEC_SET;
        switch (c->type) {
        case SYNCSPEC_TYPE_INTEGER:
            *(syncspec_int_value *)f =
                (syncspec_int_value){state, sqlite3_column_int64(st, (int)i)};
            break;
        case SYNCSPEC_TYPE_REAL:
            *(syncspec_real_value *)f =
                (syncspec_real_value){state, sqlite3_column_double(st, (int)i)};
            break;
        case SYNCSPEC_TYPE_BOOLEAN:
            *(syncspec_bool_value *)f =
                (syncspec_bool_value){state, sqlite3_column_int(st, (int)i) != 0};
            break;
        case SYNCSPEC_TYPE_TIMESTAMP: {
            int64_t ms = 0;
            if (!null &&
                syncspec_timestamp_parse(&ms, (const char *)sqlite3_column_text(st, (int)i)) != 0) {
                rc = sync_error(error, SYNCSPEC_EINVALID, "%s.%s: not a timestamp", t->name,
                                c->name);
                goto cleanup;
            }
            *(syncspec_int_value *)f = (syncspec_int_value){state, ms};
            break;
        }
        default: {
            syncspec_text_value *v = f;
            v->state = state;
            if (null) break;
            const char *text = (const char *)sqlite3_column_text(st, (int)i);
            size_t length = (size_t)sqlite3_column_bytes(st, (int)i);
            char *copy = malloc(length + 1);
            if (!copy) {
                rc = sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
                goto cleanup;
            }
            memcpy(copy, text ? text : "", length);
            copy[length] = '\0';
            store->get_strings[store->get_count++] = copy;
            v->value = copy;
            v->length = length;
        }
        }
    }
cleanup:
    sqlite3_finalize(st);
    syncspec_buffer_free(&sql);
    return rc;
}
