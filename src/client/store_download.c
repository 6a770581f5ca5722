/*
 * The client store's downloads through the PowerSync protocol (syncspec/download.h).
 *
 * A download holds the ops it receives in memory, each read once, until their checkpoint
 * completes: writing an initial sync's ops to SQLite and reading them back would cost about
 * as much as inserting its rows. Three tables keep the state, so a download survives a lost
 * connection or a crash: syncspec_oplog holds the ops received and kept for a later apply
 * (beyond the download's bound, for a checkpoint that waits, or when the app asks), a data
 * line's ops as one row (their JSON, the last op id and the sum of their checksums).
 * syncspec_buckets holds, per bucket, the last op applied and the checksum sum at that
 * point; syncspec_bucket_rows says which bucket holds which row, so a REMOVE, a CLEAR or a
 * bucket that left the checkpoint deletes exactly the rows no other bucket holds. The
 * checksum of a bucket is its applied sum plus the sums of its lines kept then held, or,
 * after a received CLEAR, the sum from that CLEAR on. A fourth, syncspec_revert, holds the
 * rows of uploads the server refused (store_sync.c): the next applied checkpoint deletes
 * those no bucket holds.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/store_internal.h"
#include "core/json_reader.h"
#include "syncspec/download.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

const char store_download_sql[] =
    "CREATE TABLE IF NOT EXISTS \"syncspec_buckets\" (\"name\" TEXT PRIMARY KEY, "
    "\"op_id\" INTEGER NOT NULL, \"checksum\" INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS \"syncspec_oplog\" (\"seq\" INTEGER PRIMARY KEY, "
    "\"bucket\" TEXT NOT NULL, \"last_op_id\" INTEGER NOT NULL, \"cleared\" INTEGER NOT NULL, "
    "\"checksum\" INTEGER NOT NULL, \"count\" INTEGER NOT NULL, \"ops\" TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS \"syncspec_oplog_bucket\" ON \"syncspec_oplog\" (\"bucket\", "
    "\"last_op_id\");"
    "CREATE TABLE IF NOT EXISTS \"syncspec_bucket_rows\" (\"bucket\" TEXT NOT NULL, "
    "\"type\" TEXT NOT NULL, \"row_id\" TEXT NOT NULL, "
    "PRIMARY KEY (\"bucket\", \"type\", \"row_id\")) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS \"syncspec_revert\" (\"type\" TEXT NOT NULL, "
    "\"row_id\" TEXT NOT NULL, PRIMARY KEY (\"type\", \"row_id\")) WITHOUT ROWID;";

const char store_download_clear_sql[] =
    "DELETE FROM \"syncspec_buckets\";DELETE FROM \"syncspec_oplog\";"
    "DELETE FROM \"syncspec_bucket_rows\";DELETE FROM \"syncspec_revert\";"
    "DELETE FROM \"syncspec_state\" WHERE \"key\" = 'write_checkpoint';";

/* A line longer than this is refused rather than buffered: the service sends a few MB. */
enum { MAX_LINE = 64 * 1024 * 1024 };

typedef struct target_bucket {
    char *name;
    uint32_t checksum;
} target_bucket;

/*
 * A data line's new ops held in memory, with what syncspec_oplog keeps of a line (see
 * there), in a form the apply reads without parsing the line again: per op, its kind
 * (OP_*), the lengths of its type, id and row as u32, then their bytes, each decoded (the
 * row is its JSON text).
 */
typedef struct held_line {
    char *bucket;
    syncspec_buffer ops;
    int64_t last_op_id, count;
    bool cleared;      /* a CLEAR is among them: the sum counts from the last one */
    uint32_t checksum; /* wrapping */
} held_line;

/* The kinds of op. A held line keeps no MOVE: it changes no row, only its checksum counts. */
enum { OP_PUT = 'P', OP_REMOVE = 'R', OP_CLEAR = 'C', OP_MOVE = 'M' };

/* A held op's bytes before its strings: its kind and three lengths. */
enum { HELD_OP_HEADER = 1 + 3 * sizeof(uint32_t) };

/*
 * What a download holds in memory before it keeps the lines in the store: writing an
 * initial sync's ops to SQLite and reading them back at checkpoint_complete would cost about
 * as much as inserting its rows. Beyond this, every held line is written to syncspec_oplog.
 */
enum { DEFAULT_HOLD_BYTES = 64 * 1024 * 1024 };

struct syncspec_download {
    syncspec_store *store;
    syncspec_buffer line; /* bytes of the line not complete yet */
    bool have_target;
    int64_t last_op_id;
    int64_t write_checkpoint; /* -1: null */
    target_bucket *buckets;   /* the checkpoint being received */
    size_t count, cap;
    held_line *held; /* received after the lines of syncspec_oplog, in the order received */
    size_t held_count, held_cap, held_bytes, hold_bytes;
    syncspec_download_status status;
};

static int prepare(sqlite3_stmt **st, syncspec_store *store, const char *sql,
                   syncspec_error *error) {
    return sqlite3_prepare_v2(store->db, sql, -1, st, NULL) == SQLITE_OK
               ? 0
               : store_db_error(store, error, "download");
}

/* Runs a prepared statement to its end and resets it. */
static int step_done(sqlite3_stmt *st, syncspec_store *store, syncspec_error *error) {
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : store_db_error(store, error, "download");
}

/* An op id in text: the decimal digits of a non-negative int64. */
static bool op_id_text(const char *s, size_t n, int64_t *out) {
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - (s[i] - '0')) / 10) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return n > 0 && v < INT64_MAX;
}

/* An op id: a decimal string of a non-negative int64 (or a JSON integer). */
static bool op_id_of(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out >= 0;
    }
    return json_is_string(v) && op_id_text(json_string_value(v), json_string_length(v), out);
}

/* A checksum: a JSON integer read as u32. */
static bool checksum_of(const json_t *v, uint32_t *out) {
    if (!json_is_integer(v)) return false;
    *out = (uint32_t)(uint64_t)json_integer_value(v);
    return true;
}

/* ---- the request ---- */

int syncspec_store_stream_request(syncspec_store *store, char **body, syncspec_error *error) {
    *body = NULL;
    sqlite3_stmt *st = NULL;
    syncspec_buffer b = {0};
    int rc = prepare(&st, store,
                     "SELECT \"name\", max(\"op_id\") FROM (SELECT \"name\", \"op_id\" FROM "
                     "\"syncspec_buckets\" UNION ALL SELECT \"bucket\", \"last_op_id\" FROM "
                     "\"syncspec_oplog\") GROUP BY \"name\" ORDER BY \"name\"",
                     error);
    if (rc) return rc;
    if (sync_puts(&b, "{\"buckets\":[")) goto nomem;
    int step;
    for (int i = 0; (step = sqlite3_step(st)) == SQLITE_ROW; i++) {
        if ((i && sync_puts(&b, ",")) || sync_puts(&b, "{\"name\":") ||
            sync_json_string(&b, (const char *)sqlite3_column_text(st, 0),
                             (size_t)sqlite3_column_bytes(st, 0)) ||
            sync_printf(&b, ",\"after\":\"%" PRId64 "\"}", (int64_t)sqlite3_column_int64(st, 1)))
            goto nomem;
    }
    if (step != SQLITE_DONE) {
        rc = store_db_error(store, error, "download request");
        goto cleanup;
    }
    /* The device id is the client id uploads send too. */
    if (sync_printf(&b,
                    "],\"include_checksum\":true,\"raw_data\":true,\"binary_data\":false,"
                    "\"client_id\":\"%s\",\"parameters\":{},"
                    "\"streams\":{\"include_defaults\":true,\"subscriptions\":[]}}",
                    store->device_id))
        goto nomem;
    *body = b.data;
    b.data = NULL;
    goto cleanup;
nomem:
    rc = NOMEM(error);
cleanup:
    sqlite3_finalize(st);
    syncspec_buffer_free(&b);
    return rc;
}

int syncspec_store_wait_for_write_checkpoint(syncspec_store *store, const char *response,
                                             syncspec_error *error) {
    json_t *root = json_loads(response ? response : "", 0, NULL);
    json_t *data = json_object_get(root, "data");
    int64_t n = 0;
    int rc = op_id_of(json_object_get(data, "write_checkpoint"), &n)
                 ? 0
                 : sync_error(error, SYNCSPEC_EINVALID,
                              "write checkpoint: expected {\"data\":{\"write_checkpoint\":\"N\"}}");
    json_decref(root);
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, n);
    return rc ? rc : store_state_set(store, "write_checkpoint", text, error);
}

/* ---- the download object ---- */

int syncspec_download_new(syncspec_download **out, syncspec_store *store, syncspec_error *error) {
    *out = calloc(1, sizeof **out);
    if (!*out) return NOMEM(error);
    (*out)->store = store;
    (*out)->status.expires_in = -1;
    (*out)->hold_bytes = DEFAULT_HOLD_BYTES;
    return 0;
}

void syncspec_download_set_hold_bytes(syncspec_download *d, size_t bytes) { d->hold_bytes = bytes; }

static void clear_target(syncspec_download *d) {
    for (size_t i = 0; i < d->count; i++) free(d->buckets[i].name);
    d->count = 0;
}

static bool held_in(const held_line *h, const char *bucket, size_t len) {
    return strlen(h->bucket) == len && memcmp(h->bucket, bucket, len) == 0;
}

/* Forgets the held lines of `bucket` (len bytes), or every held line when bucket is NULL. */
static void forget_held(syncspec_download *d, const char *bucket, size_t len) {
    size_t kept = 0;
    for (size_t i = 0; i < d->held_count; i++) {
        held_line *h = &d->held[i];
        if (bucket && !held_in(h, bucket, len)) {
            d->held[kept++] = *h;
            continue;
        }
        d->held_bytes -= h->ops.len;
        free(h->bucket);
        syncspec_buffer_free(&h->ops);
    }
    d->held_count = kept;
}

void syncspec_download_free(syncspec_download *d) {
    if (!d) return;
    clear_target(d);
    free(d->buckets);
    forget_held(d, NULL, 0);
    free(d->held);
    syncspec_buffer_free(&d->line);
    free(d);
}

syncspec_download_status syncspec_download_get_status(const syncspec_download *d) {
    return d->status;
}

static int malformed(syncspec_error *error, const char *what) {
    return sync_error(error, SYNCSPEC_EINVALID, "sync stream: %s", what);
}

/* Sets bucket `name` of the target to `checksum`, adding it when new. */
static int target_set(syncspec_download *d, const char *name, uint32_t checksum) {
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->buckets[i].name, name) == 0) {
            d->buckets[i].checksum = checksum;
            return 0;
        }
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        target_bucket *grown = realloc(d->buckets, cap * sizeof *grown);
        if (!grown) return -1;
        d->buckets = grown;
        d->cap = cap;
    }
    if (!(d->buckets[d->count].name = strdup(name))) return -1;
    d->buckets[d->count++].checksum = checksum;
    return 0;
}

static void target_remove(syncspec_download *d, const char *name) {
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->buckets[i].name, name) == 0) {
            free(d->buckets[i].name);
            d->buckets[i] = d->buckets[--d->count];
            return;
        }
}

/* "checkpoint" (replace: the whole target) or "checkpoint_diff". */
static int take_checkpoint(syncspec_download *d, json_t *c, bool replace, syncspec_error *error) {
    json_t *wc = json_object_get(c, "write_checkpoint");
    json_t *list = json_object_get(c, replace ? "buckets" : "updated_buckets");
    json_t *removed = json_object_get(c, "removed_buckets");
    int64_t last = 0, write = -1;
    if (!op_id_of(json_object_get(c, "last_op_id"), &last) ||
        (wc && !json_is_null(wc) && !op_id_of(wc, &write)) || !json_is_array(list) ||
        (removed && !json_is_array(removed)))
        return malformed(error, replace ? "a checkpoint without last_op_id or buckets"
                                        : "a checkpoint_diff without last_op_id or buckets");
    if (!replace && !d->have_target)
        return malformed(error, "a checkpoint_diff before a checkpoint");
    if (replace) clear_target(d);
    size_t i;
    json_t *b;
    json_array_foreach(list, i, b) {
        const char *name = json_string_value(json_object_get(b, "bucket"));
        uint32_t sum;
        if (!name || !checksum_of(json_object_get(b, "checksum"), &sum))
            return malformed(error, "a checkpoint bucket without a name or checksum");
        if (target_set(d, name, sum)) return NOMEM(error);
    }
    json_array_foreach(removed, i, b) {
        if (!json_is_string(b)) return malformed(error, "removed_buckets holds a non-string");
        target_remove(d, json_string_value(b));
    }
    d->have_target = true;
    d->last_op_id = last;
    if (replace || wc) d->write_checkpoint = write; /* a diff without one keeps the last */
    return 0;
}

/* One op of a data line as read: strings point into the line or into the op's scratch. */
typedef struct data_op {
    json_scalar kind, type, id;
    const char *data; /* a PUT's row: the JSON string's value, or an object's text */
    size_t data_len;
    bool has_op_id, has_checksum;
    int64_t op_id;
    uint32_t checksum;
} data_op;

/* Scratch for each string of an op that may hold escapes (valid until the next op). */
typedef struct op_scratch {
    syncspec_buffer key, kind, type, id, data;
} op_scratch;

/* A string member's value into `out`; anything else leaves out->kind null. */
static bool read_string_member(json_reader *r, json_scalar *out, syncspec_buffer *scratch) {
    if (json_reader_peek(r) != '"') {
        out->kind = JSON_SCALAR_NULL;
        return json_reader_skip(r);
    }
    return json_reader_scalar(r, out, scratch);
}

/* Reads the op object at the reader. False on a JSON failure (the reader says which). */
static bool read_op(json_reader *r, data_op *op, op_scratch *x) {
    json_scalar key, v;
    memset(op, 0, sizeof *op);
    if (!json_reader_object_begin(r)) return false;
    for (size_t i = 0; json_reader_object_next(r, &i, &key, &x->key); i++) {
        char peek = json_reader_peek(r);
        if (json_scalar_is(&key, "op")) {
            if (!read_string_member(r, &op->kind, &x->kind)) return false;
        } else if (json_scalar_is(&key, "object_type")) {
            if (!read_string_member(r, &op->type, &x->type)) return false;
        } else if (json_scalar_is(&key, "object_id")) {
            if (!read_string_member(r, &op->id, &x->id)) return false;
        } else if (json_scalar_is(&key, "data") && (peek == '{' || peek == '"')) {
            /* An object is kept as its text: the apply reads it as the string's value. */
            size_t from = json_reader_offset(r);
            if (peek == '{') {
                if (!json_reader_skip(r)) return false;
                op->data = r->start + from;
                op->data_len = json_reader_offset(r) - from;
            } else {
                if (!json_reader_scalar(r, &v, &x->data)) return false;
                op->data = v.text;
                op->data_len = v.length;
            }
        } else if (json_scalar_is(&key, "op_id") && peek != '{' && peek != '[') {
            if (!json_reader_scalar(r, &v, NULL)) return false;
            op->has_op_id =
                v.kind == JSON_SCALAR_INTEGER
                    ? (op->op_id = v.integer) >= 0
                    : v.kind == JSON_SCALAR_STRING && op_id_text(v.text, v.length, &op->op_id);
        } else if (json_scalar_is(&key, "checksum") && peek != '{' && peek != '[') {
            if (!json_reader_scalar(r, &v, NULL)) return false;
            op->has_checksum = v.kind == JSON_SCALAR_INTEGER;
            op->checksum = (uint32_t)(uint64_t)v.integer;
        } else {
            if (json_scalar_is(&key, "data")) op->data = NULL; /* null, or not a row */
            if (!json_reader_skip(r)) return false;
        }
    }
    return r->error == NULL;
}

/* The kind of `op` (OP_*), or 0 for a kind the protocol does not have. */
static char op_kind(const data_op *op) {
    static const struct {
        const char *name;
        char kind;
    } kinds[] = {{"PUT", OP_PUT}, {"REMOVE", OP_REMOVE}, {"CLEAR", OP_CLEAR}, {"MOVE", OP_MOVE}};
    for (size_t i = 0; op->kind.kind == JSON_SCALAR_STRING && i < sizeof kinds / sizeof *kinds; i++)
        if (json_scalar_is(&op->kind, kinds[i].name)) return kinds[i].kind;
    return 0;
}

/* The kind of `op` when it is one the protocol allows, with what its kind requires, else 0. */
static char valid_op_kind(const data_op *op) {
    char kind = op_kind(op);
    bool row = op->type.kind == JSON_SCALAR_STRING && op->id.kind == JSON_SCALAR_STRING;
    bool valid = kind && op->has_op_id && op->has_checksum &&
                 ((kind != OP_PUT && kind != OP_REMOVE) || row) && (kind != OP_PUT || op->data);
    return valid ? kind : 0;
}

static int json_failed(syncspec_error *error, const json_reader *r) {
    return sync_error(error, SYNCSPEC_EINVALID, "sync stream: a line is not JSON: %s at byte %zu",
                      r->error, json_reader_offset(r));
}

static void bind_scalar(sqlite3_stmt *st, int p, const json_scalar *v) {
    sqlite3_bind_text64(st, p, v->text, v->length, SQLITE_STATIC, SQLITE_UTF8);
}

static void op_scratch_free(op_scratch *x) {
    syncspec_buffer *scratch[] = {&x->key, &x->kind, &x->type, &x->id, &x->data};
    for (size_t i = 0; i < sizeof scratch / sizeof *scratch; i++) syncspec_buffer_free(scratch[i]);
}

/* What a data line keeps: its bucket, and its new ops as a held line. */
typedef struct kept_ops {
    json_scalar bucket;
    syncspec_buffer bucket_text;
    held_line line; /* all but the bucket */
} kept_ops;

static void kept_ops_free(kept_ops *k) {
    syncspec_buffer_free(&k->bucket_text);
    syncspec_buffer_free(&k->line.ops);
}

/* Appends `op` (of kind OP_*) to held ops. */
static int pack_op(syncspec_buffer *ops, char kind, const data_op *op) {
    bool row = kind != OP_CLEAR, put = kind == OP_PUT;
    uint32_t lengths[3] = {row ? (uint32_t)op->type.length : 0, row ? (uint32_t)op->id.length : 0,
                           put ? (uint32_t)op->data_len : 0};
    return syncspec_buffer_append(ops, &kind, 1) ||
           syncspec_buffer_append(ops, (const char *)lengths, sizeof lengths) ||
           syncspec_buffer_append(ops, op->type.text, lengths[0]) ||
           syncspec_buffer_append(ops, op->id.text, lengths[1]) ||
           syncspec_buffer_append(ops, op->data, lengths[2]);
}

/* The op at *at of held ops into `op` (strings point into them); returns its kind. */
static char unpack_op(const syncspec_buffer *ops, size_t *at, data_op *op) {
    const char *p = ops->data + *at;
    uint32_t lengths[3];
    memcpy(lengths, p + 1, sizeof lengths);
    memset(op, 0, sizeof *op);
    const char *strings = p + HELD_OP_HEADER;
    op->type = (json_scalar){.kind = JSON_SCALAR_STRING, .text = strings, .length = lengths[0]};
    op->id = (json_scalar){
        .kind = JSON_SCALAR_STRING, .text = strings + lengths[0], .length = lengths[1]};
    op->data = strings + lengths[0] + lengths[1];
    op->data_len = lengths[2];
    *at += HELD_OP_HEADER + (size_t)lengths[0] + lengths[1] + lengths[2];
    return p[0];
}

/* Held ops as the JSON array syncspec_oplog keeps: what the apply reads of each op. */
static int held_json(syncspec_buffer *out, const syncspec_buffer *ops) {
    static const char *const kinds[] = {
        [OP_PUT] = "PUT", [OP_REMOVE] = "REMOVE", [OP_CLEAR] = "CLEAR"};
    int rc = sync_puts(out, "[");
    for (size_t at = 0; at < ops->len && rc == 0;) {
        data_op op;
        char kind = unpack_op(ops, &at, &op);
        rc = sync_printf(out, "%s{\"op\":\"%s\"", out->len > 1 ? "," : "", kinds[(int)kind]);
        if (rc == 0 && kind != OP_CLEAR)
            rc = sync_puts(out, ",\"object_type\":") ||
                 sync_json_string(out, op.type.text, op.type.length) ||
                 sync_puts(out, ",\"object_id\":") ||
                 sync_json_string(out, op.id.text, op.id.length);
        if (rc == 0 && kind == OP_PUT)
            rc = sync_puts(out, ",\"data\":") || sync_json_string(out, op.data, op.data_len);
        if (rc == 0) rc = sync_puts(out, "}");
    }
    return rc || sync_puts(out, "]");
}

/* The last op of `bucket` held in memory, or 0. */
static int64_t held_until(const syncspec_download *d, const char *bucket, size_t len) {
    int64_t last = 0;
    for (size_t i = 0; i < d->held_count; i++)
        if (held_in(&d->held[i], bucket, len) && d->held[i].last_op_id > last)
            last = d->held[i].last_op_id;
    return last;
}

/* The last op of `bucket` the store has, applied or received: ops up to it are ignored. */
static int received_until(int64_t *out, syncspec_download *d, const json_scalar *bucket,
                          syncspec_error *error) {
    syncspec_store *store = d->store;
    sqlite3_stmt *st = NULL;
    int rc = prepare(&st, store,
                     "SELECT max(coalesce((SELECT \"op_id\" FROM \"syncspec_buckets\" WHERE "
                     "\"name\" = ?1), 0), coalesce((SELECT max(\"last_op_id\") FROM "
                     "\"syncspec_oplog\" WHERE \"bucket\" = ?1), 0))",
                     error);
    if (rc) return rc;
    bind_scalar(st, 1, bucket);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = store_db_error(store, error, "download");
    sqlite3_finalize(st);
    int64_t held = held_until(d, bucket->text, bucket->length);
    if (held > *out) *out = held;
    return rc;
}

/* The ops array at the reader, each checked as it is read (no tree of thousands of ops is
 * built); those after kept->last_op_id are added to `kept`. */
static int read_ops(syncspec_download *d, json_reader *r, kept_ops *kept, syncspec_error *error) {
    op_scratch x = {0};
    data_op op;
    int rc = received_until(&kept->line.last_op_id, d, &kept->bucket, error);
    json_reader_array_begin(r);
    for (size_t i = 0; rc == 0 && json_reader_array_next(r, &i); i++) {
        if (!read_op(r, &op, &x)) break;
        char kind = valid_op_kind(&op);
        if (!kind) {
            rc = malformed(error, "an op without op_id, a known op, checksum or its row");
            break;
        }
        d->status.ops++;
        held_line *line = &kept->line;
        if (op.op_id <= line->last_op_id) continue; /* sent again */
        line->last_op_id = op.op_id;
        line->count++;
        if (kind == OP_CLEAR) {
            line->cleared = true;
            line->checksum = op.checksum;
        } else {
            line->checksum += op.checksum;
        }
        if (kind != OP_MOVE && pack_op(&line->ops, kind, &op)) rc = NOMEM(error);
    }
    op_scratch_free(&x);
    if (rc == 0 && r->error) rc = json_failed(error, r);
    return rc;
}

/*
 * A "data" line's value, at the reader: its bucket and the ops after the bucket's last op
 * received or applied (ops sent again are ignored), into `kept`. The bucket usually comes
 * first and the ops are read at once; when it follows them, they are read after it.
 */
static int read_data(syncspec_download *d, json_reader *r, kept_ops *kept, syncspec_error *error) {
    syncspec_buffer key_scratch = {0};
    json_scalar key;
    size_t ops_at = 0;
    bool have_ops = false, read = false;
    int rc = 0;
    json_reader_object_begin(r);
    for (size_t i = 0; rc == 0 && json_reader_object_next(r, &i, &key, &key_scratch); i++) {
        bool is_data = json_scalar_is(&key, "data");
        if (json_scalar_is(&key, "bucket") && json_reader_peek(r) == '"') {
            json_reader_scalar(r, &kept->bucket, &kept->bucket_text);
        } else if (is_data && json_reader_peek(r) == '[' &&
                   kept->bucket.kind == JSON_SCALAR_STRING && !read) {
            have_ops = read = true;
            rc = read_ops(d, r, kept, error);
        } else {
            if (is_data) {
                have_ops = json_reader_peek(r) == '[';
                ops_at = json_reader_offset(r);
                read = false;
            }
            json_reader_skip(r);
        }
    }
    syncspec_buffer_free(&key_scratch);
    if (rc) return rc;
    if (r->error) return json_failed(error, r);
    if (kept->bucket.kind != JSON_SCALAR_STRING || !have_ops)
        return malformed(error, "a data line without bucket or data");
    if (read) return 0;
    size_t end = json_reader_offset(r);
    json_reader_seek(r, ops_at);
    rc = read_ops(d, r, kept, error);
    json_reader_seek(r, end);
    return rc;
}

int syncspec_download_keep(syncspec_download *d, syncspec_error *error) {
    if (!d->held_count) return 0;
    syncspec_store *store = d->store;
    sqlite3_stmt *st = NULL;
    int rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc) return rc;
    rc = prepare(&st, store,
                 "INSERT INTO \"syncspec_oplog\" (\"bucket\", \"last_op_id\", \"cleared\", "
                 "\"checksum\", \"count\", \"ops\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                 error);
    syncspec_buffer text = {0};
    for (size_t i = 0; i < d->held_count && rc == 0; i++) {
        const held_line *h = &d->held[i];
        text.len = 0;
        if (held_json(&text, &h->ops)) {
            rc = NOMEM(error);
            break;
        }
        sqlite3_bind_text(st, 1, h->bucket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, h->last_op_id);
        sqlite3_bind_int(st, 3, h->cleared);
        sqlite3_bind_int64(st, 4, h->checksum);
        sqlite3_bind_int64(st, 5, h->count);
        sqlite3_bind_text64(st, 6, text.data, text.len, SQLITE_STATIC, SQLITE_UTF8);
        rc = step_done(st, store, error);
    }
    syncspec_buffer_free(&text);
    sqlite3_finalize(st);
    if (rc == 0) rc = store_exec(store, "COMMIT", error);
    if (rc) {
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    forget_held(d, NULL, 0);
    return 0;
}

/* Holds a data line's new ops, taking its text; keeps every held line in the store once
 * they pass the download's bound. */
static int hold_ops(syncspec_download *d, kept_ops *kept, syncspec_error *error) {
    if (!kept->line.count) return 0;
    if (d->held_count == d->held_cap) {
        size_t cap = d->held_cap ? d->held_cap * 2 : 16;
        held_line *grown = realloc(d->held, cap * sizeof *grown);
        if (!grown) return NOMEM(error);
        d->held = grown;
        d->held_cap = cap;
    }
    char *bucket = strndup(kept->bucket.text, kept->bucket.length);
    if (!bucket) return NOMEM(error);
    held_line *h = &d->held[d->held_count++];
    *h = kept->line;
    h->bucket = bucket;
    kept->line.ops = (syncspec_buffer){0};
    d->held_bytes += h->ops.len;
    return d->held_bytes > d->hold_bytes ? syncspec_download_keep(d, error) : 0;
}

/* ---- checkpoint_complete ---- */

/* The wrapping u32 sum of bucket `name`'s ops: applied, then kept in the store (the
 * statement below), then held. */
static int bucket_sum(uint32_t *out, syncspec_download *d, sqlite3_stmt *st, const char *name,
                      syncspec_error *error) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? (uint32_t)(uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    for (size_t i = 0; i < d->held_count; i++) {
        const held_line *h = &d->held[i];
        if (held_in(h, name, strlen(name))) *out = h->cleared ? h->checksum : *out + h->checksum;
    }
    return step == SQLITE_ROW ? 0 : store_db_error(d->store, error, "checksum");
}

static const char bucket_sum_sql[] =
    "SELECT (CASE WHEN k.\"at\" IS NULL THEN coalesce((SELECT \"checksum\" FROM "
    "\"syncspec_buckets\" WHERE \"name\" = ?1), 0) ELSE 0 END + coalesce((SELECT "
    "sum(\"checksum\") FROM \"syncspec_oplog\" WHERE \"bucket\" = ?1 AND \"seq\" >= "
    "coalesce(k.\"at\", 0)), 0)) & 4294967295 FROM (SELECT max(\"seq\") AS \"at\" FROM "
    "\"syncspec_oplog\" WHERE \"bucket\" = ?1 AND \"cleared\") AS k";

/*
 * Drops what was received of each bucket whose sum is wrong and marks it for a full
 * download: a CLEAR at op 0 (so the rows it held go unless sent again) and "after" 0.
 * Sets *failed to the count. One transaction.
 */
static int drop_failed_buckets(size_t *failed, syncspec_download *d, syncspec_error *error) {
    syncspec_store *store = d->store;
    sqlite3_stmt *sum = NULL, *drop = NULL, *mark = NULL, *reset = NULL;
    *failed = 0;
    int rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc) return rc;
    if ((rc = prepare(&sum, store, bucket_sum_sql, error)) ||
        (rc = prepare(&drop, store, "DELETE FROM \"syncspec_oplog\" WHERE \"bucket\" = ?1",
                      error)) ||
        (rc = prepare(&mark, store,
                      "INSERT INTO \"syncspec_oplog\" (\"bucket\", \"last_op_id\", \"cleared\", "
                      "\"checksum\", \"count\", \"ops\") VALUES (?1, " STORE_OPLOG_CLEAR_LINE ")",
                      error)) ||
        (rc = prepare(&reset, store,
                      "UPDATE \"syncspec_buckets\" SET \"op_id\" = 0, \"checksum\" = 0 WHERE "
                      "\"name\" = ?1",
                      error)))
        goto cleanup;
    for (size_t i = 0; i < d->count && rc == 0; i++) {
        uint32_t local;
        const char *name = d->buckets[i].name;
        if ((rc = bucket_sum(&local, d, sum, name, error)) || local == d->buckets[i].checksum)
            continue;
        if (++*failed == 1)
            sync_error(error, SYNCSPEC_ECHECKSUM,
                       "checksum of bucket %s: %" PRIu32 " here, %" PRIu32
                       " on the server: downloading it again",
                       name, local, d->buckets[i].checksum);
        forget_held(d, name, strlen(name));
        sqlite3_bind_text(drop, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(mark, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(reset, 1, name, -1, SQLITE_STATIC);
        if (!(rc = step_done(drop, store, error)) && !(rc = step_done(mark, store, error)))
            rc = step_done(reset, store, error);
    }
cleanup:
    sqlite3_finalize(sum);
    sqlite3_finalize(drop);
    sqlite3_finalize(mark);
    sqlite3_finalize(reset);
    if (rc == 0) rc = store_exec(store, "COMMIT", error);
    if (rc) sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/*
 * Binds the value at the reader, from a PUT's row data, to parameter `p`: JSON objects and
 * arrays as their text, timestamps in the store's form. Text read in place is bound without
 * a copy: the row data outlives the statement's step. Returns an SQLite result code; a
 * malformed value leaves the reader failed instead.
 */
static int bind_value(sqlite3_stmt *st, int p, const syncspec_column *c, json_reader *r,
                      syncspec_buffer *scratch) {
    char peek = json_reader_peek(r);
    if (peek == '{' || peek == '[') {
        size_t from = json_reader_offset(r);
        if (!json_reader_skip(r)) return SQLITE_OK;
        return sqlite3_bind_text64(st, p, r->start + from, json_reader_offset(r) - from,
                                   SQLITE_STATIC, SQLITE_UTF8);
    }
    json_scalar v;
    if (!json_reader_scalar(r, &v, scratch)) return SQLITE_OK;
    char ts[SYNCSPEC_TIMESTAMP_SIZE];
    int64_t ms;
    switch (v.kind) {
    case JSON_SCALAR_STRING:
        if (c->type == SYNCSPEC_TYPE_TIMESTAMP && v.length < sizeof ts) {
            memcpy(ts, v.text, v.length);
            ts[v.length] = '\0';
            /* Already in the store's form (the usual case), the text is bound in place. */
            if (syncspec_timestamp_parse(&ms, ts) == 0 && syncspec_timestamp_format(ts, ms) == 0 &&
                (v.in_scratch || strlen(ts) != v.length || memcmp(ts, v.text, v.length) != 0))
                return sqlite3_bind_text(st, p, ts, -1, SQLITE_TRANSIENT);
        }
        return sqlite3_bind_text64(st, p, v.text, v.length,
                                   v.in_scratch ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8);
    case JSON_SCALAR_INTEGER:
        return sqlite3_bind_int64(st, p, (sqlite3_int64)v.integer);
    case JSON_SCALAR_REAL:
        return sqlite3_bind_double(st, p, v.real);
    case JSON_SCALAR_TRUE:
        return sqlite3_bind_int(st, p, 1);
    case JSON_SCALAR_FALSE:
        return sqlite3_bind_int(st, p, 0);
    default:
        return sqlite3_bind_null(st, p);
    }
}

static bool column_named(const syncspec_column *c, const json_scalar *key) {
    return strlen(c->name) == key->length && memcmp(c->name, key->text, key->length) == 0;
}

/* The index of the column of `t` named by a key, or -1. Rows usually list the columns in
 * the table's order: column `hint` is tried first. */
static int column_index(const syncspec_table *t, const json_scalar *key, size_t hint) {
    if (hint < t->column_count && column_named(&t->columns[hint], key)) return (int)hint;
    for (size_t i = 0; i < t->column_count; i++)
        if (column_named(&t->columns[i], key)) return (int)i;
    return -1;
}

/*
 * Which bucket holds which row is written MEMBER_BATCH rows to a statement: an initial sync
 * writes one such row per row it brings, and running a statement costs about what writing
 * the row does.
 */
enum { MEMBER_BATCH = 100 };

/* Rows of syncspec_bucket_rows waiting for their statement: (type, row id, bucket) each. */
typedef struct member_batch {
    syncspec_buffer text;            /* their strings, one after another */
    size_t length[MEMBER_BATCH * 3]; /* of each string */
    size_t count;
    sqlite3_stmt *whole; /* the statement of a whole batch */
} member_batch;

/*
 * Rows of one table are upserted up to PUT_BATCH to a statement (fewer for a wide table:
 * SQLite takes at most so many parameters), which costs about half of a statement per row.
 */
enum { PUT_BATCH = 50 };

/* PUTs of held lines waiting for their statement, all of one table. */
typedef struct put_batch {
    const syncspec_table *table;
    size_t count, whole; /* a whole batch of this table: `whole` rows */
    const char *bucket[PUT_BATCH];
    data_op ops[PUT_BATCH]; /* their strings are in the held lines */
} put_batch;

/* The statements of one apply: the upserts per synced table, prepared when first used. */
typedef struct apply_statements {
    member_batch members;
    put_batch puts_waiting;
    sqlite3_stmt **upsert;       /* per table of the schema: one row */
    sqlite3_stmt **upsert_batch; /* per table: a whole batch */
    /* Per column, the PUT that last bound it: a column the row leaves out is bound to null,
     * which costs less than clearing every binding before each row. */
    uint64_t *bound_in;
    uint64_t puts;
    sqlite3_stmt *member, *unmember, *touch, *clear_touched, *clear;
    syncspec_buffer scratch; /* for the values of rows that hold escapes */
    op_scratch op;           /* for the strings of the op being applied */
} apply_statements;

/* How a row of the checkpoint meets a local row: by id (the upsert), or by any unique key
 * (the local row gives way). */
typedef enum { UPSERT_BY_ID, REPLACE_CLASHING } put_statement;

/* The statement of `rows` rows of `t`, each its columns in order. */
static int prepare_put(sqlite3_stmt **st, syncspec_store *store, const syncspec_table *t,
                       size_t rows, put_statement kind, syncspec_error *error) {
    syncspec_buffer sql = {0};
    bool ok =
        !sync_puts(&sql, kind == REPLACE_CLASHING ? "INSERT OR REPLACE INTO " : "INSERT INTO ") &&
        !sync_ident(&sql, t->name) && !sync_puts(&sql, " (");
    for (size_t i = 0; i < t->column_count && ok; i++)
        ok = !(i && sync_puts(&sql, ", ")) && !sync_ident(&sql, t->columns[i].name);
    ok = ok && !sync_puts(&sql, ") VALUES ");
    for (size_t row = 0; row < rows && ok; row++) {
        ok = !sync_puts(&sql, row ? ", (" : "(");
        for (size_t i = 0; i < t->column_count && ok; i++) ok = !sync_puts(&sql, i ? ", ?" : "?");
        ok = ok && !sync_puts(&sql, ")");
    }
    ok = ok &&
         (kind == REPLACE_CLASHING || !sync_puts(&sql, " ON CONFLICT (\"id\") DO UPDATE SET "));
    int set = kind == REPLACE_CLASHING ? -1 : 0; /* -1: no SET clause */
    for (size_t i = 0; i < t->column_count && ok && set >= 0; i++) {
        const syncspec_column *c = &t->columns[i];
        if (c->role == SYNCSPEC_ROLE_ID) continue;
        ok = !(set++ && sync_puts(&sql, ", ")) && !sync_ident(&sql, c->name) &&
             !sync_puts(&sql, " = excluded.") && !sync_ident(&sql, c->name);
    }
    if (ok && !set) ok = !sync_puts(&sql, "\"id\" = excluded.\"id\"");
    int rc = ok ? prepare(st, store, sql.data, error) : NOMEM(error);
    syncspec_buffer_free(&sql);
    return rc;
}

static int prepare_member_batch(sqlite3_stmt **st, syncspec_store *store, syncspec_error *error) {
    syncspec_buffer sql = {0};
    int rc =
        sync_puts(&sql, "INSERT OR IGNORE INTO \"syncspec_bucket_rows\" (\"type\", \"row_id\", "
                        "\"bucket\") VALUES ");
    for (size_t i = 0; i < MEMBER_BATCH && rc == 0; i++)
        rc = sync_puts(&sql, i ? ",(?,?,?)" : "(?,?,?)");
    rc = rc ? NOMEM(error) : prepare(st, store, sql.data, error);
    syncspec_buffer_free(&sql);
    return rc;
}

/* Writes the waiting rows of syncspec_bucket_rows: a whole batch with one statement, fewer
 * one by one. Called before anything that reads or deletes those rows. */
static int flush_members(apply_statements *s, syncspec_store *store, syncspec_error *error) {
    member_batch *m = &s->members;
    sqlite3_stmt *st = m->count == MEMBER_BATCH ? m->whole : s->member;
    int rc = 0;
    const char *text = m->text.data;
    for (size_t i = 0, p = 1; i < m->count && rc == 0; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t n = m->length[i * 3 + k];
            sqlite3_bind_text64(st, (int)p++, text, n, SQLITE_STATIC, SQLITE_UTF8);
            text += n;
        }
        if (st == s->member) {
            rc = step_done(st, store, error);
            p = 1;
        }
    }
    if (rc == 0 && st == m->whole) rc = step_done(st, store, error);
    m->count = 0;
    m->text.len = 0;
    return rc;
}

/* Adds a row of syncspec_bucket_rows to the batch, writing the batch when it is whole. */
static int add_member(apply_statements *s, syncspec_store *store, const char *type,
                      const json_scalar *id, const char *bucket, syncspec_error *error) {
    member_batch *m = &s->members;
    const char *text[3] = {type, id->text, bucket};
    size_t length[3] = {strlen(type), id->length, strlen(bucket)};
    for (size_t k = 0; k < 3; k++) {
        if (syncspec_buffer_append(&m->text, text[k], length[k])) return NOMEM(error);
        m->length[m->count * 3 + k] = length[k];
    }
    return ++m->count == MEMBER_BATCH ? flush_members(s, store, error) : 0;
}

/* The synced table named `type`, or NULL. */
static const syncspec_table *synced_table(const syncspec_schema *schema, const json_scalar *type) {
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        if (!t->local_only && strlen(t->name) == type->length &&
            memcmp(t->name, type->text, type->length) == 0)
            return t;
    }
    return NULL;
}

/* Binds a PUT's row of `t` to the parameters after `base`: the row as the op carries it,
 * read straight from its text (a column it lacks becomes null). */
static int bind_row(apply_statements *s, syncspec_store *store, sqlite3_stmt *st, int base,
                    const syncspec_table *t, const data_op *op, syncspec_error *error) {
    int rc = 0;
    json_reader r;
    syncspec_buffer *scratch = &s->scratch;
    json_scalar key;
    json_reader_init(&r, op->data, op->data_len);
    uint64_t put = ++s->puts; /* s->bound_in[k] == put: column k is bound */
    bool object = json_reader_object_begin(&r);
    for (size_t i = 0; object && rc == 0 && json_reader_object_next(&r, &i, &key, scratch); i++) {
        int k = column_index(t, &key, i);
        if (k < 0 || t->columns[k].role == SYNCSPEC_ROLE_ID) { /* not ours, or the op's id */
            json_reader_skip(&r);
        } else if (bind_value(st, base + k + 1, &t->columns[k], &r, scratch) != SQLITE_OK) {
            rc = store_db_error(store, error, t->name);
        } else {
            s->bound_in[k] = put;
        }
    }
    for (size_t k = 0; k < t->column_count && rc == 0; k++) {
        int bound = SQLITE_OK;
        if (t->columns[k].role == SYNCSPEC_ROLE_ID) /* the op outlives the step */
            bound = sqlite3_bind_text64(st, base + (int)k + 1, op->id.text, op->id.length,
                                        SQLITE_STATIC, SQLITE_UTF8);
        else if (s->bound_in[k] != put)
            bound = sqlite3_bind_null(st, base + (int)k + 1);
        if (bound != SQLITE_OK) rc = store_db_error(store, error, t->name);
    }
    if (rc == 0 && (!object || r.error || !json_reader_end(&r)))
        rc = sync_error(error, SYNCSPEC_EINVALID,
                        "sync stream: the data of %s %.*s is not a JSON object: %s at byte %zu",
                        t->name, (int)op->id.length, op->id.text,
                        r.error ? r.error : "unexpected value", json_reader_offset(&r));
    return rc;
}

/*
 * A server row that clashes on a unique key other than id with a local row (one the server
 * refused, or one written around the capture): the local row gives way, as it would have
 * on the server. The row runs again as an INSERT OR REPLACE, which deletes the clashing
 * rows; a row the checkpoint holds comes back with its own PUT, since the server's rows at
 * a checkpoint keep every unique key. Rare, so prepared each time.
 */
static int replace_clashing(apply_statements *s, syncspec_store *store, const syncspec_table *t,
                            const data_op *op, syncspec_error *error) {
    sqlite3_stmt *replace = NULL;
    int rc = prepare_put(&replace, store, t, 1, REPLACE_CLASHING, error);
    if (rc == 0) rc = bind_row(s, store, replace, 0, t, op, error);
    if (rc == 0) rc = step_done(replace, store, error);
    sqlite3_finalize(replace);
    return rc;
}

/* A PUT of `t`, held by `bucket`, with a statement of its own. */
static int apply_put(apply_statements *s, syncspec_store *store, const syncspec_table *t,
                     const char *bucket, const data_op *op, syncspec_error *error) {
    sqlite3_stmt **st = &s->upsert[t - store->schema->tables];
    int rc = *st ? 0 : prepare_put(st, store, t, 1, UPSERT_BY_ID, error);
    if (rc == 0) rc = bind_row(s, store, *st, 0, t, op, error);
    if (rc == 0) rc = step_done(*st, store, error);
    if (rc && sqlite3_extended_errcode(store->db) == SQLITE_CONSTRAINT_UNIQUE)
        rc = replace_clashing(s, store, t, op, error);
    if (rc) return rc;
    return add_member(s, store, t->name, &op->id, bucket, error);
}

/*
 * Upserts the waiting PUTs: a whole batch with one statement, fewer one by one. A batch
 * that clashes on a unique key other than id is undone by SQLite as a whole and its rows
 * run again one by one, where each clash is resolved (replace_clashing).
 */
static int flush_puts(apply_statements *s, syncspec_store *store, syncspec_error *error) {
    put_batch *b = &s->puts_waiting;
    const syncspec_table *t = b->table;
    int rc = 0;
    if (!b->count) return 0;
    bool one_by_one = b->count < b->whole;
    if (!one_by_one) {
        sqlite3_stmt **st = &s->upsert_batch[t - store->schema->tables];
        if (!*st) rc = prepare_put(st, store, t, b->whole, UPSERT_BY_ID, error);
        for (size_t i = 0; i < b->count && rc == 0; i++)
            rc = bind_row(s, store, *st, (int)(i * t->column_count), t, &b->ops[i], error);
        if (rc == 0) rc = step_done(*st, store, error);
        if (rc && sqlite3_extended_errcode(store->db) == SQLITE_CONSTRAINT_UNIQUE) {
            one_by_one = true;
            rc = 0;
        }
        for (size_t i = 0; i < b->count && rc == 0 && !one_by_one; i++)
            rc = add_member(s, store, t->name, &b->ops[i].id, b->bucket[i], error);
    }
    for (size_t i = 0; i < b->count && rc == 0 && one_by_one; i++)
        rc = apply_put(s, store, t, b->bucket[i], &b->ops[i], error);
    b->count = 0;
    return rc;
}

/* A PUT of a held line: it waits in the batch of its table. */
static int add_put(apply_statements *s, syncspec_store *store, const char *bucket,
                   const data_op *op, syncspec_error *error) {
    const syncspec_table *t = synced_table(store->schema, &op->type);
    if (!t) return 0; /* a table this client does not sync */
    put_batch *b = &s->puts_waiting;
    int rc = b->count && b->table != t ? flush_puts(s, store, error) : 0;
    if (rc) return rc;
    if (!b->count) {
        int most = sqlite3_limit(store->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
        b->table = t;
        b->whole = (size_t)most / t->column_count;
        if (b->whole > PUT_BATCH) b->whole = PUT_BATCH;
        if (b->whole < 1) b->whole = 1;
    }
    b->bucket[b->count] = bucket;
    b->ops[b->count++] = *op;
    return b->count == b->whole ? flush_puts(s, store, error) : 0;
}

/* Rows that lost a bucket, or that a refused upload wrote, are noted in
 * temp.syncspec_touched; those no bucket holds any more are deleted at the end of the
 * apply. */
static const char apply_begin_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS \"syncspec_touched\" (\"type\" TEXT, \"row_id\" TEXT, "
    "PRIMARY KEY (\"type\", \"row_id\")) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS \"syncspec_checkpoint\" (\"name\" TEXT PRIMARY KEY) "
    "WITHOUT ROWID;"
    "DELETE FROM temp.\"syncspec_touched\";DELETE FROM temp.\"syncspec_checkpoint\";"
    "INSERT OR IGNORE INTO temp.\"syncspec_touched\" SELECT \"type\", \"row_id\" FROM "
    "\"syncspec_revert\";DELETE FROM \"syncspec_revert\";";

/* Buckets no longer in the checkpoint: what they held goes. Each bucket holding rows has a
 * position in syncspec_buckets, so the rows are found through the few buckets that left,
 * never by reading every row held. Their received ops are left out of the apply, and
 * dropped with the others at its end. */
static const char apply_removed_buckets_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS \"syncspec_gone\" (\"name\" TEXT PRIMARY KEY) "
    "WITHOUT ROWID;DELETE FROM temp.\"syncspec_gone\";"
    "INSERT INTO temp.\"syncspec_gone\" SELECT \"name\" FROM \"syncspec_buckets\" WHERE "
    "\"name\" NOT IN (SELECT \"name\" FROM temp.\"syncspec_checkpoint\");"
    "INSERT OR IGNORE INTO temp.\"syncspec_touched\" SELECT \"type\", \"row_id\" FROM "
    "\"syncspec_bucket_rows\" WHERE \"bucket\" IN (SELECT \"name\" FROM temp.\"syncspec_gone\");"
    "DELETE FROM \"syncspec_bucket_rows\" WHERE \"bucket\" IN (SELECT \"name\" FROM "
    "temp.\"syncspec_gone\");"
    "DELETE FROM \"syncspec_buckets\" WHERE \"name\" IN (SELECT \"name\" FROM "
    "temp.\"syncspec_gone\");";

/* The checkpoint's buckets, with their new last op and checksum (validated: the server's). */
static int record_buckets(syncspec_download *d, syncspec_error *error) {
    syncspec_store *store = d->store;
    sqlite3_stmt *name = NULL, *state = NULL;
    int rc =
        prepare(&name, store,
                "INSERT OR IGNORE INTO temp.\"syncspec_checkpoint\" (\"name\") VALUES (?1)", error);
    if (rc == 0)
        rc = prepare(&state, store,
                     "INSERT INTO \"syncspec_buckets\" (\"name\", \"op_id\", \"checksum\") VALUES "
                     "(?1, max(coalesce((SELECT max(\"last_op_id\") FROM \"syncspec_oplog\" WHERE "
                     "\"bucket\" = ?1), 0), ?3), ?2) ON CONFLICT (\"name\") DO UPDATE SET "
                     "\"op_id\" = max(\"op_id\", excluded.\"op_id\"), \"checksum\" = "
                     "excluded.\"checksum\"",
                     error);
    for (size_t i = 0; i < d->count && rc == 0; i++) {
        sqlite3_bind_text(name, 1, d->buckets[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(state, 1, d->buckets[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(state, 2, d->buckets[i].checksum);
        sqlite3_bind_int64(state, 3, held_until(d, d->buckets[i].name, strlen(d->buckets[i].name)));
        if ((rc = step_done(name, store, error)) == 0) rc = step_done(state, store, error);
    }
    sqlite3_finalize(name);
    sqlite3_finalize(state);
    return rc;
}

/* One op of `bucket`, of kind OP_*. The PUTs of held lines wait in batches; before any
 * other op, what waits is written. */
static int apply_op(apply_statements *s, syncspec_store *store, const char *bucket, char kind,
                    const data_op *op, bool held, syncspec_error *error) {
    if (kind == OP_PUT && held) return add_put(s, store, bucket, op, error);
    int rc = flush_puts(s, store, error);
    if (rc || kind == OP_PUT) {
        const syncspec_table *t = rc ? NULL : synced_table(store->schema, &op->type);
        return t ? apply_put(s, store, t, bucket, op, error) : rc;
    }
    if ((rc = flush_members(s, store, error))) {
        return rc;
    } else if (kind == OP_REMOVE) {
        bind_scalar(s->unmember, 1, &op->type);
        bind_scalar(s->unmember, 2, &op->id);
        sqlite3_bind_text(s->unmember, 3, bucket, -1, SQLITE_STATIC);
        bind_scalar(s->touch, 1, &op->type);
        bind_scalar(s->touch, 2, &op->id);
        if ((rc = step_done(s->unmember, store, error)) == 0)
            rc = step_done(s->touch, store, error);
    } else if (kind == OP_CLEAR) {
        sqlite3_bind_text(s->clear_touched, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->clear, 1, bucket, -1, SQLITE_STATIC);
        if ((rc = step_done(s->clear_touched, store, error)) == 0)
            rc = step_done(s->clear, store, error);
    } /* MOVE: only its checksum counts */
    return rc;
}

/* The ops of one line kept in the store, in order. */
static int apply_kept_line(apply_statements *s, syncspec_store *store, const char *bucket,
                           const char *ops, size_t len, syncspec_error *error) {
    json_reader r;
    data_op op;
    int rc = 0;
    json_reader_init(&r, ops, len);
    json_reader_array_begin(&r);
    for (size_t i = 0; rc == 0 && json_reader_array_next(&r, &i); i++) {
        if (!read_op(&r, &op, &s->op)) break;
        rc = apply_op(s, store, bucket, op_kind(&op), &op, false, error);
    }
    if (rc == 0 && r.error) rc = json_failed(error, &r); /* checked when it arrived */
    return rc;
}

/* Whether `bucket` is one of the checkpoint's. */
static bool in_target(const syncspec_download *d, const char *bucket) {
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->buckets[i].name, bucket) == 0) return true;
    return false;
}

/* Every line of the checkpoint's buckets, in the order received (each bucket's ops in op
 * id order): those kept in the store, then those held. The kept lines are read in the
 * table's order ("+" keeps SQLite from reading them through the bucket index and then
 * sorting them, texts and all). */
static int apply_ops(apply_statements *s, syncspec_download *d, syncspec_error *error) {
    syncspec_store *store = d->store;
    sqlite3_stmt *lines = NULL;
    int rc = prepare(&lines, store,
                     "SELECT \"bucket\", \"ops\" FROM \"syncspec_oplog\" WHERE +\"bucket\" IN "
                     "(SELECT \"name\" FROM temp.\"syncspec_checkpoint\") ORDER BY \"seq\"",
                     error);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(lines)) == SQLITE_ROW)
        rc = apply_kept_line(s, store, (const char *)sqlite3_column_text(lines, 0),
                             (const char *)sqlite3_column_text(lines, 1),
                             (size_t)sqlite3_column_bytes(lines, 1), error);
    if (rc == 0 && step != SQLITE_DONE) rc = store_db_error(store, error, "download");
    sqlite3_finalize(lines);
    for (size_t i = 0; i < d->held_count && rc == 0; i++) {
        const held_line *h = &d->held[i];
        if (!in_target(d, h->bucket)) continue;
        for (size_t at = 0; at < h->ops.len && rc == 0;) {
            data_op op;
            char kind = unpack_op(&h->ops, &at, &op);
            rc = apply_op(s, store, h->bucket, kind, &op, true, error);
        }
    }
    if (rc == 0) rc = flush_puts(s, store, error);
    return rc ? rc : flush_members(s, store, error);
}

/* Deletes the touched rows of every synced table that no bucket holds. syncspec_bucket_rows
 * is keyed by bucket first (one B-tree to write per row held, not two): a row is looked up
 * in each bucket the store has, a handful (CROSS JOIN keeps SQLite to that order). */
static int delete_orphans(syncspec_store *store, syncspec_error *error) {
    syncspec_buffer sql = {0};
    int rc = 0;
    for (size_t k = 0; k < store->schema->table_count && rc == 0; k++) {
        const syncspec_table *t = &store->schema->tables[k];
        if (t->local_only) continue;
        /* Table names are [a-z0-9_]: the name is its own SQL string. */
        if (sync_puts(&sql, "DELETE FROM ") || sync_ident(&sql, t->name) ||
            sync_puts(&sql, " WHERE \"id\" IN (SELECT x.\"row_id\" FROM temp.\"syncspec_touched\" "
                            "AS x WHERE x.\"type\" = '") ||
            sync_puts(&sql, t->name) ||
            sync_puts(&sql, "' AND NOT EXISTS (SELECT 1 FROM \"syncspec_buckets\" AS b CROSS JOIN "
                            "\"syncspec_bucket_rows\" AS r ON r.\"bucket\" = b.\"name\" AND "
                            "r.\"type\" = x.\"type\" AND r.\"row_id\" = x.\"row_id\"));"))
            rc = NOMEM(error);
    }
    if (rc == 0 && sql.data) rc = store_exec(store, sql.data, error);
    syncspec_buffer_free(&sql);
    return rc;
}

static const char *const apply_sql[] = {
    "INSERT OR IGNORE INTO \"syncspec_bucket_rows\" (\"type\", \"row_id\", \"bucket\") VALUES "
    "(?1, ?2, ?3)",
    "DELETE FROM \"syncspec_bucket_rows\" WHERE \"type\" = ?1 AND \"row_id\" = ?2 AND "
    "\"bucket\" = ?3",
    "INSERT OR IGNORE INTO temp.\"syncspec_touched\" (\"type\", \"row_id\") VALUES (?1, ?2)",
    "INSERT OR IGNORE INTO temp.\"syncspec_touched\" SELECT \"type\", \"row_id\" FROM "
    "\"syncspec_bucket_rows\" WHERE \"bucket\" = ?1",
    "DELETE FROM \"syncspec_bucket_rows\" WHERE \"bucket\" = ?1",
};

/*
 * A checkpoint of this many ops or more is applied with the capture triggers set aside:
 * their WHEN keeps server rows out of the queue, but a trigger that does nothing still runs
 * a trigger program for each row, about a fifth of a large apply. They are dropped inside
 * the apply's transaction and created again before its commit, so a rollback or a crash
 * brings them back too. A small checkpoint is not worth the schema change.
 */
enum { OPS_BEFORE_SETTING_ASIDE = 1000 };

/* The CREATE text of the triggers set aside. */
typedef struct aside_triggers {
    char **sql;
    size_t count;
} aside_triggers;

static int triggers_aside(aside_triggers *a, const syncspec_download *d, syncspec_error *error) {
    syncspec_store *store = d->store;
    int64_t ops = 0;
    int rc = store_query_int64(&ops, store,
                               "SELECT coalesce(sum(\"count\"), 0) FROM \"syncspec_oplog\" WHERE "
                               "\"bucket\" IN (SELECT \"name\" FROM temp.\"syncspec_checkpoint\")",
                               error);
    for (size_t i = 0; i < d->held_count; i++)
        if (in_target(d, d->held[i].bucket)) ops += d->held[i].count;
    if (rc == 0 && ops >= OPS_BEFORE_SETTING_ASIDE)
        rc = store_drop_capture_triggers(store, NULL, &a->sql, &a->count, error);
    return rc;
}

/* Creates the triggers set aside again (when `restore`) and forgets them. */
static int triggers_back(aside_triggers *a, syncspec_store *store, bool restore,
                         syncspec_error *error) {
    int rc = 0;
    for (size_t i = 0; i < a->count; i++) {
        if (restore && rc == 0) rc = store_exec(store, a->sql[i], error);
        free(a->sql[i]);
    }
    free(a->sql);
    *a = (aside_triggers){0};
    return rc;
}

/*
 * Applies the received checkpoint in one transaction when no local write is queued and the
 * write checkpoint is reached. Sets *applied.
 */
static int apply_checkpoint(bool *applied, syncspec_download *d, syncspec_error *error) {
    syncspec_store *store = d->store;
    apply_statements s = {0};
    aside_triggers aside = {0};
    int64_t wait_for = 0;
    size_t pending = 0;
    *applied = false;
    int rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc) return rc;
    if ((rc = syncspec_store_pending(store, &pending, NULL, error)) ||
        (rc = store_query_int64(&wait_for, store,
                                "SELECT CAST(\"value\" AS INTEGER) FROM \"syncspec_state\" "
                                "WHERE \"key\" = 'write_checkpoint'",
                                error)))
        goto rollback;
    /* As PowerSync does: a queued write would be overwritten, and an upload not yet in the
     * server's state would be reverted. The ops stay for the next checkpoint. */
    if (pending || (wait_for > 0 && d->write_checkpoint < wait_for)) goto rollback;
    size_t widest = 1;
    for (size_t i = 0; i < store->schema->table_count; i++)
        if (store->schema->tables[i].column_count > widest)
            widest = store->schema->tables[i].column_count;
    if (!(s.upsert = calloc(store->schema->table_count, sizeof *s.upsert)) ||
        !(s.upsert_batch = calloc(store->schema->table_count, sizeof *s.upsert_batch)) ||
        !(s.bound_in = calloc(widest, sizeof *s.bound_in))) {
        rc = NOMEM(error);
        goto rollback;
    }
    sqlite3_stmt **one[] = {&s.member, &s.unmember, &s.touch, &s.clear_touched, &s.clear};
    rc = store_exec(store, apply_begin_sql, error);
    for (size_t i = 0; i < sizeof one / sizeof *one && rc == 0; i++)
        rc = prepare(one[i], store, apply_sql[i], error);
    if (rc == 0) rc = prepare_member_batch(&s.members.whole, store, error);
    if (rc || (rc = record_buckets(d, error)) ||
        (rc = store_exec(store, apply_removed_buckets_sql, error)) ||
        (rc = triggers_aside(&aside, d, error)))
        goto rollback;
    store->cap->capture = 0; /* server rows are never queued for upload */
    rc = apply_ops(&s, d, error);
    if (rc == 0) rc = delete_orphans(store, error);
    store->cap->capture = 1;
    if (rc || (rc = triggers_back(&aside, store, true, error)) ||
        (rc = store_exec(store, "DELETE FROM \"syncspec_oplog\"", error)) ||
        (rc = store_exec(store, "COMMIT", error)))
        goto rollback;
    forget_held(d, NULL, 0);
    *applied = true;
    goto cleanup;
rollback:
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
cleanup:
    triggers_back(&aside, store, false, NULL); /* after a rollback: back with it */
    for (size_t i = 0; s.upsert && i < store->schema->table_count; i++)
        sqlite3_finalize(s.upsert[i]);
    for (size_t i = 0; s.upsert_batch && i < store->schema->table_count; i++)
        sqlite3_finalize(s.upsert_batch[i]);
    free(s.upsert);
    free(s.upsert_batch);
    free(s.bound_in);
    syncspec_buffer_free(&s.scratch);
    op_scratch_free(&s.op);
    sqlite3_finalize(s.member);
    sqlite3_finalize(s.members.whole);
    syncspec_buffer_free(&s.members.text);
    sqlite3_finalize(s.unmember);
    sqlite3_finalize(s.touch);
    sqlite3_finalize(s.clear_touched);
    sqlite3_finalize(s.clear);
    return rc;
}

static int take_complete(syncspec_download *d, json_t *c, syncspec_error *error) {
    int64_t last;
    if (!op_id_of(json_object_get(c, "last_op_id"), &last))
        return malformed(error, "a checkpoint_complete without last_op_id");
    if (!d->have_target) return malformed(error, "a checkpoint_complete before a checkpoint");
    size_t failed = 0;
    syncspec_error mismatch = {0};
    int rc = drop_failed_buckets(&failed, d, &mismatch);
    if (rc) {
        if (error) *error = mismatch;
        return rc;
    }
    if (failed) {
        if (error) *error = mismatch;
        return SYNCSPEC_ECHECKSUM;
    }
    bool applied;
    if ((rc = apply_checkpoint(&applied, d, error))) return rc;
    if (applied) {
        d->status.applied++;
        return 0;
    }
    /* Kept for a later checkpoint, so that the next connection need not ask for them. */
    d->status.deferred++;
    return syncspec_download_keep(d, error);
}

/* ---- lines ---- */

/*
 * A line. A data line (the bulk of a download) is read from the text in one pass, its ops
 * kept once the whole line has proved to be JSON; the others are small and read as a tree.
 * A line that holds a checkpoint besides data is a checkpoint, as the order below says.
 */
static int take_line(syncspec_download *d, const char *text, size_t len, syncspec_error *error) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) i++;
    if (i == len) return 0; /* blank lines are allowed */
    json_reader r;
    syncspec_buffer scratch = {0};
    kept_ops kept = {0};
    json_scalar key;
    bool data = false, other = false;
    int rc = 0;
    json_reader_init(&r, text, len);
    r.allow_nul = true;
    if (json_reader_peek(&r) != '{') json_reader_fail(&r, "not an object");
    json_reader_object_begin(&r);
    for (size_t k = 0; rc == 0 && json_reader_object_next(&r, &k, &key, &scratch); k++) {
        if (json_scalar_is(&key, "data") && !data && !other) {
            data = true;
            if (json_reader_peek(&r) == '{')
                rc = read_data(d, &r, &kept, error);
            else
                rc = malformed(error, "a data line without bucket or data");
        } else {
            other |= json_scalar_is(&key, "checkpoint") || json_scalar_is(&key, "checkpoint_diff");
            json_reader_skip(&r);
        }
    }
    if (rc == 0) json_reader_end(&r);
    syncspec_buffer_free(&scratch);
    if (rc == 0 && r.error)
        rc = sync_error(error, SYNCSPEC_EINVALID,
                        "sync stream: a line is not a JSON object: %s at byte %zu", r.error,
                        json_reader_offset(&r));
    if (rc == 0 && data && !other) rc = hold_ops(d, &kept, error);
    kept_ops_free(&kept);
    if (rc || (data && !other)) return rc;
    json_error_t jerr;
    json_t *line = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    if (!line)
        return sync_error(error, SYNCSPEC_EINVALID, "sync stream: a line is not a JSON object: %s",
                          jerr.text);
    json_t *v;
    if ((v = json_object_get(line, "checkpoint"))) {
        rc = take_checkpoint(d, v, true, error);
    } else if ((v = json_object_get(line, "checkpoint_diff"))) {
        rc = take_checkpoint(d, v, false, error);
    } else if ((v = json_object_get(line, "checkpoint_complete"))) {
        rc = take_complete(d, v, error);
    } else if ((v = json_object_get(line, "token_expires_in"))) {
        if (!json_is_integer(v)) {
            rc = malformed(error, "token_expires_in is not an integer");
        } else {
            d->status.expires_in = json_integer_value(v);
            if (d->status.expires_in <= 0)
                rc = sync_error(error, SYNCSPEC_ERETRY,
                                "the token expired: connect again with a new one");
        }
    } /* other lines (partial_checkpoint_complete, unknown ones) need nothing */
    json_decref(line);
    return rc;
}

int syncspec_download_feed(syncspec_download *d, const char *bytes, size_t len,
                           syncspec_error *error) {
    size_t start = 0;
    int rc = 0;
    /* The line begun in an earlier piece, completed by this one. */
    if (d->line.len) {
        const char *nl = len ? memchr(bytes, '\n', len) : NULL;
        size_t take = nl ? (size_t)(nl - bytes) : len;
        if (syncspec_buffer_append(&d->line, bytes, take)) return NOMEM(error);
        if (!nl) {
            if (d->line.len > MAX_LINE) return malformed(error, "a line longer than 64 MiB");
            return 0;
        }
        rc = take_line(d, d->line.data, d->line.len, error);
        d->line.len = 0;
        start = take + 1;
    }
    /* Whole lines are read where they are, never copied. */
    while (rc == 0 && start < len) {
        const char *nl = memchr(bytes + start, '\n', len - start);
        if (!nl) break;
        size_t end = (size_t)(nl - bytes);
        rc = take_line(d, bytes + start, end - start, error);
        start = end + 1;
    }
    if (rc || start >= len) return rc;
    if (len - start > MAX_LINE) return malformed(error, "a line longer than 64 MiB");
    return syncspec_buffer_append(&d->line, bytes + start, len - start) ? NOMEM(error) : 0;
}

/* ---- one round ---- */

/* What the stream's receiver carries: the download, and where it stopped. */
typedef struct round_state {
    syncspec_download *d;
    syncspec_error *error;
    int rc;         /* the feed's failure, 0 while none */
    bool completed; /* a checkpoint was complete (applied or kept) */
} round_state;

static int round_receive(void *context, const char *bytes, size_t len) {
    round_state *r = context;
    size_t seen = r->d->status.applied + r->d->status.deferred;
    r->rc = syncspec_download_feed(r->d, bytes, len, r->error);
    r->completed = r->d->status.applied + r->d->status.deferred > seen;
    return r->rc != 0 || r->completed; /* enough: close the response */
}

int store_stream_once(syncspec_store *store, const syncspec_transport *transport,
                      syncspec_sync_result *result, syncspec_error *error) {
    char *body = NULL;
    round_state r = {NULL, error, 0, false};
    int rc = syncspec_store_stream_request(store, &body, error);
    if (rc == 0) rc = syncspec_download_new(&r.d, store, error);
    if (rc) goto cleanup;
    int sent = transport->stream(transport->context, body, round_receive, &r);
    if (r.rc) {
        rc = r.rc;
    } else if (!r.completed) {
        rc = sync_error(error, SYNCSPEC_ERETRY,
                        sent ? "sync stream: no answer from the server"
                             : "sync stream: it ended before a complete checkpoint");
    } else {
        result->applied = r.d->status.applied > 0;
    }
    /* What an incomplete checkpoint brought is kept for the next round (at worst asked for
     * again: a failure here changes nothing that round's error has not said). */
    if (!r.completed) syncspec_download_keep(r.d, NULL);
cleanup:
    syncspec_download_free(r.d);
    free(body);
    return rc;
}
