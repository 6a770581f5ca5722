/*
 * The client store's side of downloads: a change feed response applied in one SQLite
 * transaction, read straight from its text (json_reader.h), then verified against the
 * server's checksum.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_reader.h"
#include "client/store_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_SYNC_NOMEM, "out of memory")

/* ---- checksum ---- */

static int column_text(syncspec_buffer *b, sqlite3_stmt *st, int i, const syncspec_column *c) {
    int type = sqlite3_column_type(st, i);
    if (type == SQLITE_NULL) return sync_row_text_null(b);
    char num[32];
    if ((c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_BOOLEAN) &&
        type == SQLITE_INTEGER) {
        int n = snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
        return sync_row_text_value(b, num, (size_t)n);
    }
    if (c->type == SYNCSPEC_TYPE_REAL && (type == SQLITE_FLOAT || type == SQLITE_INTEGER)) {
        sync_real_hex(num, sqlite3_column_double(st, i));
        return sync_row_text_value(b, num, 16);
    }
    const char *text = (const char *)sqlite3_column_text(st, i);
    return sync_row_text_value(b, text ? text : "", (size_t)sqlite3_column_bytes(st, i));
}

static int checksum(uint64_t *sum, syncspec_store *store, syncspec_sync_error *error) {
    *sum = 0;
    syncspec_buffer sql = {0}, row = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    for (size_t k = 0; k < store->schema->table_count && rc == 0; k++) {
        const syncspec_table *t = &store->schema->tables[k];
        if (t->local_only) continue;
        sql.len = 0;
        int ok = !sync_puts(&sql, "SELECT ");
        for (size_t i = 0; i < t->column_count && ok; i++)
            ok = !(i && sync_puts(&sql, ", ")) && !sync_ident(&sql, t->columns[i].name);
        if (!ok || sync_puts(&sql, " FROM ") || sync_ident(&sql, t->name)) {
            rc = NOMEM(error);
            break;
        }
        if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
            rc = store_db_error(store, error, "checksum");
            break;
        }
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            row.len = 0;
            ok = !sync_puts(&row, t->name);
            for (size_t i = 0; i < t->column_count && ok; i++)
                ok = !column_text(&row, st, (int)i, &t->columns[i]);
            if (!ok) {
                rc = NOMEM(error);
                break;
            }
            *sum += sync_row_hash(row.data, row.len);
        }
        if (rc == 0 && step != SQLITE_DONE) rc = store_db_error(store, error, "checksum");
        sqlite3_finalize(st);
        st = NULL;
    }
    syncspec_buffer_free(&sql);
    syncspec_buffer_free(&row);
    return rc;
}

int syncspec_store_checksum(syncspec_store *store, char out[24], syncspec_sync_error *error) {
    uint64_t sum;
    int rc = checksum(&sum, store, error);
    if (rc == 0) snprintf(out, 24, "%" PRIu64, sum);
    return rc;
}

/* ---- applying server changes ---- */

/* A response's text and the reader over it, with the scratch its strings unescape into. */
typedef struct feed_text {
    json_reader r;
    syncspec_buffer scratch;
    syncspec_buffer name; /* a NUL-terminated copy of the last key or column name */
} feed_text;

static int malformed(feed_text *f, syncspec_sync_error *error) {
    return sync_error(error, SYNCSPEC_SYNC_INVALID,
                      "change feed: malformed response at byte %zu: %s", json_reader_offset(&f->r),
                      f->r.error ? f->r.error : "unexpected value");
}

/* A NUL-terminated copy of a string scalar in f->name; NULL when out of memory. */
static const char *name_of(feed_text *f, const json_scalar *v) {
    f->name.len = 0;
    if (syncspec_buffer_append(&f->name, v->text, v->length)) return NULL;
    return f->name.data;
}

static int bind_scalar(sqlite3_stmt *st, int p, const json_scalar *v) {
    switch (v->kind) {
    case JSON_SCALAR_STRING:
        /* Text in the response outlives the statement step; text in scratch does not. */
        return sqlite3_bind_text64(st, p, v->text, v->length,
                                   v->in_scratch ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8);
    case JSON_SCALAR_INTEGER:
        return sqlite3_bind_int64(st, p, (sqlite3_int64)v->integer);
    case JSON_SCALAR_REAL:
        return sqlite3_bind_double(st, p, v->real);
    case JSON_SCALAR_TRUE:
        return sqlite3_bind_int(st, p, 1);
    case JSON_SCALAR_FALSE:
        return sqlite3_bind_int(st, p, 0);
    default:
        return sqlite3_bind_null(st, p);
    }
}

/* The "deleted" list at the reader: every id deleted. */
static int apply_deleted(syncspec_store *store, const syncspec_table *t, feed_text *f,
                         syncspec_sync_error *error) {
    syncspec_buffer sql = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sync_puts(&sql, "DELETE FROM ") || sync_ident(&sql, t->name) ||
        sync_puts(&sql, " WHERE \"id\" = ?1")) {
        rc = NOMEM(error);
    } else if (sqlite3_prepare_v2(store->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, t->name);
    } else if (!json_reader_array_begin(&f->r)) {
        rc = malformed(f, error);
    }
    json_scalar id;
    for (size_t i = 0; rc == 0 && json_reader_array_next(&f->r, &i); i++) {
        if (!json_reader_scalar(&f->r, &id, &f->scratch) || id.kind != JSON_SCALAR_STRING)
            rc = malformed(f, error);
        else if (bind_scalar(st, 1, &id) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
            rc = store_db_error(store, error, t->name);
        sqlite3_reset(st);
    }
    if (rc == 0 && f->r.error) rc = malformed(f, error);
    sqlite3_finalize(st);
    syncspec_buffer_free(&sql);
    return rc;
}

/*
 * The upsert for the response's columns at the reader: map[i] is the parameter of column
 * i, 0 for a column this client does not declare. *count receives the column count.
 */
static int prepare_upsert(sqlite3_stmt **st, int **map, size_t *count, syncspec_store *store,
                          const syncspec_table *t, feed_text *f, syncspec_sync_error *error) {
    syncspec_buffer sql = {0}, set = {0};
    size_t n = 0, cap = 0;
    int params = 0, has_id = 0, rc = 0;
    bool ok =
        !sync_puts(&sql, "INSERT INTO ") && !sync_ident(&sql, t->name) && !sync_puts(&sql, " (");
    if (!json_reader_array_begin(&f->r)) rc = malformed(f, error);
    json_scalar v;
    for (size_t i = 0; rc == 0 && ok && json_reader_array_next(&f->r, &i); i++, n++) {
        if (!json_reader_scalar(&f->r, &v, &f->scratch) || v.kind != JSON_SCALAR_STRING) {
            rc = malformed(f, error);
            break;
        }
        if (n == cap) {
            int *grown = realloc(*map, (cap = cap ? cap * 2 : 16) * sizeof *grown);
            if (!grown) {
                ok = false;
                break;
            }
            *map = grown;
        }
        const char *name = name_of(f, &v);
        const syncspec_column *c = name ? syncspec_table_column(t, name) : NULL;
        ok = name != NULL;
        (*map)[n] = 0;
        if (!c) continue; /* a column this client does not declare */
        (*map)[n] = ++params;
        has_id |= c->role == SYNCSPEC_ROLE_ID;
        ok = !(params > 1 && sync_puts(&sql, ", ")) && !sync_ident(&sql, c->name);
        if (ok && c->role != SYNCSPEC_ROLE_ID)
            ok = !(set.len && sync_puts(&set, ", ")) && !sync_ident(&set, c->name) &&
                 !sync_puts(&set, " = excluded.") && !sync_ident(&set, c->name);
    }
    if (rc == 0 && f->r.error) rc = malformed(f, error);
    ok = ok && !sync_puts(&sql, ") VALUES (");
    for (int i = 0; i < params && ok; i++) ok = !sync_puts(&sql, i ? ", ?" : "?");
    ok = ok && !sync_puts(&sql, ") ON CONFLICT (\"id\") DO ") &&
         !(set.len ? sync_puts(&sql, "UPDATE SET ") || sync_puts(&sql, set.data)
                   : sync_puts(&sql, "NOTHING"));
    if (rc == 0 && !ok) rc = NOMEM(error);
    if (rc == 0 && !has_id)
        rc = sync_error(error, SYNCSPEC_SYNC_INVALID, "change feed: %s has no \"id\" column",
                        t->name);
    if (rc == 0 && sqlite3_prepare_v2(store->db, sql.data, -1, st, NULL) != SQLITE_OK)
        rc = store_db_error(store, error, t->name);
    *count = n;
    syncspec_buffer_free(&sql);
    syncspec_buffer_free(&set);
    return rc;
}

/*
 * A part's rows past this many are applied with the table's capture triggers set aside.
 * Their WHEN keeps server rows out of the queue, but a trigger that does nothing still runs
 * a trigger program for each row (about 60% more per insert): a large download is where
 * that shows, and a small one is not worth the schema change.
 */
enum { ROWS_BEFORE_SETTING_ASIDE = 1000 };

/* The capture triggers of one table while they are set aside: their own CREATE text. */
typedef struct set_aside {
    char **sql;
    size_t count;
} set_aside;

/* Drops the table's capture triggers, keeping their text. Inside the apply's transaction: a
 * rollback brings them back, and so does set_aside_end before the commit. */
static int set_aside_begin(set_aside *out, syncspec_store *store, const syncspec_table *t,
                           syncspec_sync_error *error) {
    return store_drop_capture_triggers(store, t->name, &out->sql, &out->count, error);
}

/* Creates the set-aside triggers again (when `restore`) and forgets them. */
static int set_aside_end(set_aside *s, syncspec_store *store, bool restore,
                         syncspec_sync_error *error) {
    int rc = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (restore && rc == 0) rc = store_exec(store, s->sql[i], error);
        free(s->sql[i]);
    }
    free(s->sql);
    *s = (set_aside){0};
    return rc;
}

/* The "rows" list at the reader: each row, exactly as many values as columns, upserted. */
static int apply_rows(syncspec_store *store, const syncspec_table *t, sqlite3_stmt *st,
                      const int *map, size_t n, feed_text *f, set_aside *aside,
                      syncspec_sync_error *error) {
    if (!json_reader_array_begin(&f->r)) return malformed(f, error);
    json_scalar v;
    for (size_t r = 0; json_reader_array_next(&f->r, &r); r++) {
        /* The statement is reset here, so it prepares itself again after the change. */
        int rc = r == ROWS_BEFORE_SETTING_ASIDE ? set_aside_begin(aside, store, t, error) : 0;
        if (rc) return rc;
        if (!json_reader_array_begin(&f->r)) return malformed(f, error);
        size_t i = 0;
        for (; json_reader_array_next(&f->r, &i); i++) {
            if (i == n || !json_reader_scalar(&f->r, &v, &f->scratch)) {
                json_reader_fail(&f->r, "a row with more values than columns");
                return malformed(f, error);
            }
            if (map[i] && bind_scalar(st, map[i], &v) != SQLITE_OK)
                return store_db_error(store, error, t->name);
        }
        if (f->r.error) return malformed(f, error);
        if (i != n) {
            json_reader_fail(&f->r, "a row with fewer values than columns");
            return malformed(f, error);
        }
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) return store_db_error(store, error, t->name);
    }
    return f->r.error ? malformed(f, error) : 0;
}

/*
 * One table's part at the reader: {"columns": [...], "deleted": [...], "rows": [...]}.
 * Deletions go first, so a row that replaces a deleted one under a unique key never meets
 * it. The rows are applied as they are read when the columns and the deletions came before
 * them (the feed's order); otherwise they are read again at the end.
 */
static int apply_table(syncspec_store *store, const syncspec_table *t, feed_text *f,
                       syncspec_sync_error *error) {
    size_t columns_at = 0, rows_at = 0, deleted_at = 0, count = 0;
    set_aside aside = {0};
    bool rows_done = false;
    sqlite3_stmt *st = NULL;
    int *map = NULL, rc = 0;
    json_scalar key;
    if (!json_reader_object_begin(&f->r)) return malformed(f, error);
    for (size_t i = 0; rc == 0 && json_reader_object_next(&f->r, &i, &key, &f->scratch); i++) {
        json_reader_peek(&f->r);
        size_t at = json_reader_offset(&f->r);
        if (json_scalar_is(&key, "columns") && !columns_at) {
            columns_at = at;
            rc = prepare_upsert(&st, &map, &count, store, t, f, error);
        } else if (json_scalar_is(&key, "deleted") && !deleted_at) {
            deleted_at = at;
            rc = apply_deleted(store, t, f, error);
        } else if (json_scalar_is(&key, "rows") && !rows_at) {
            rows_at = at;
            if (columns_at && deleted_at) {
                rc = apply_rows(store, t, st, map, count, f, &aside, error);
                rows_done = true;
            } else if (!json_reader_skip(&f->r)) {
                rc = malformed(f, error);
            }
        } else if (!json_reader_skip(&f->r)) {
            rc = malformed(f, error);
        }
    }
    if (rc == 0 && f->r.error) rc = malformed(f, error);
    size_t end = json_reader_offset(&f->r);
    if (rc == 0 && rows_at && !rows_done) {
        if (!columns_at) {
            rc = sync_error(error, SYNCSPEC_SYNC_INVALID, "change feed: rows of %s without columns",
                            t->name);
        } else {
            json_reader_seek(&f->r, rows_at);
            rc = apply_rows(store, t, st, map, count, f, &aside, error);
            json_reader_seek(&f->r, end);
        }
    }
    sqlite3_finalize(st);
    free(map);
    /* After a failure the transaction rolls back, and the triggers with it. */
    int restored = set_aside_end(&aside, store, rc == 0, error);
    return rc ? rc : restored;
}

/* The response's top level: checkpoint, checksum and full are read first, wherever they
 * stand; the offset of "tables" is kept for the apply. */
typedef struct feed_response {
    syncspec_buffer checkpoint, checksum;
    bool full;
    size_t tables_at; /* 0 when absent */
} feed_response;

static int read_string_member(syncspec_buffer *out, feed_text *f) {
    json_scalar v;
    if (!json_reader_scalar(&f->r, &v, &f->scratch)) return -1;
    if (v.kind != JSON_SCALAR_STRING) return json_reader_fail(&f->r, "expected a string"), -1;
    out->len = 0;
    return syncspec_buffer_append(out, v.text, v.length) ? json_reader_fail(&f->r, "out of memory"),
           -1                                            : 0;
}

static int read_response(feed_response *out, feed_text *f, syncspec_sync_error *error) {
    json_scalar key, v;
    if (!json_reader_object_begin(&f->r)) return malformed(f, error);
    for (size_t i = 0; json_reader_object_next(&f->r, &i, &key, &f->scratch); i++) {
        if (json_scalar_is(&key, "checkpoint") || json_scalar_is(&key, "checksum")) {
            read_string_member(
                json_scalar_is(&key, "checkpoint") ? &out->checkpoint : &out->checksum, f);
        } else if (json_scalar_is(&key, "full")) {
            if (json_reader_scalar(&f->r, &v, &f->scratch)) out->full = v.kind == JSON_SCALAR_TRUE;
        } else {
            if (json_scalar_is(&key, "tables") && json_reader_peek(&f->r) == '{')
                out->tables_at = json_reader_offset(&f->r);
            json_reader_skip(&f->r);
        }
    }
    if (f->r.error || !json_reader_end(&f->r)) return malformed(f, error);
    if (!out->checkpoint.data || !out->checksum.data || !out->tables_at)
        return sync_error(error, SYNCSPEC_SYNC_INVALID,
                          "change feed: a response needs \"checkpoint\", \"checksum\" and "
                          "\"tables\"");
    return 0;
}

/* Every table of the "tables" object this client syncs. */
static int apply_tables(syncspec_store *store, feed_text *f, size_t tables_at,
                        syncspec_sync_error *error) {
    json_scalar key;
    int rc = 0;
    json_reader_seek(&f->r, tables_at);
    if (!json_reader_object_begin(&f->r)) return malformed(f, error);
    for (size_t i = 0; rc == 0 && json_reader_object_next(&f->r, &i, &key, &f->scratch); i++) {
        const char *name = name_of(f, &key);
        if (!name) return NOMEM(error);
        const syncspec_table *t = syncspec_schema_table(store->schema, name);
        if (!t || t->local_only) { /* a table this client does not sync */
            if (!json_reader_skip(&f->r)) rc = malformed(f, error);
            continue;
        }
        rc = apply_table(store, t, f, error);
    }
    return rc == 0 && f->r.error ? malformed(f, error) : rc;
}

int syncspec_store_apply_changes(syncspec_store *store, const char *response,
                                 syncspec_sync_error *error) {
    feed_text f = {0};
    feed_response head = {0};
    /* The reader's numbers rely on the NUL that ends `response`. */
    json_reader_init(&f.r, response ? response : "", response ? strlen(response) : 0);
    int rc = read_response(&head, &f, error);
    if (rc == 0) rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc) goto cleanup;
    size_t pending = 0;
    if ((rc = syncspec_store_pending(store, &pending, NULL, error)) != 0) goto rollback;
    if (pending) {
        /* As PowerSync does: server state is applied only over no local change, or a write
         * not yet uploaded would be overwritten and then lost. */
        rc = sync_error(error, SYNCSPEC_SYNC_PENDING, "%zu local writes are not uploaded yet",
                        pending);
        goto rollback;
    }
    if (head.full && (rc = store_clear_synced(store, error))) goto rollback;
    store->cap->capture = 0; /* server changes are never queued for upload */
    if ((rc = apply_tables(store, &f, head.tables_at, error))) {
        /* A server row that clashes with a local one on another unique key (a local row the
         * server never had, as INSERT OR REPLACE can leave): the server is right, so the
         * next pull reloads every row, which cannot clash (the server has the same unique
         * keys). Other failures would fail a reload too, so they keep the checkpoint. */
        if (rc == SYNCSPEC_SYNC_ERROR && !head.full &&
            sqlite3_extended_errcode(store->db) == SQLITE_CONSTRAINT_UNIQUE) {
            store->cap->capture = 1;
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            int reset = store_state_set(store, "checkpoint", NULL, error);
            rc = reset ? reset
                       : sync_error(error, SYNCSPEC_SYNC_CHECKSUM,
                                    "change feed: a server row clashes with a local one on a "
                                    "unique key: resync");
            goto cleanup;
        }
        goto rollback;
    }
    store->cap->capture = 1;
    uint64_t sum;
    if ((rc = checksum(&sum, store, error)) != 0) goto rollback;
    char actual[24];
    snprintf(actual, sizeof actual, "%" PRIu64, sum);
    int match = strcmp(actual, head.checksum.data) == 0;
    /* On a mismatch the next pull must be a full one. */
    if ((rc = store_state_set(store, "checkpoint", match ? head.checkpoint.data : NULL, error)) ||
        (rc = store_exec(store, "COMMIT", error)))
        goto rollback;
    if (!match)
        rc = sync_error(error, SYNCSPEC_SYNC_CHECKSUM,
                        "checksum mismatch (local %s, server %s): resync", actual,
                        head.checksum.data);
    goto cleanup;
rollback:
    store->cap->capture = 1;
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
cleanup:
    syncspec_buffer_free(&head.checkpoint);
    syncspec_buffer_free(&head.checksum);
    syncspec_buffer_free(&f.scratch);
    syncspec_buffer_free(&f.name);
    return rc;
}
