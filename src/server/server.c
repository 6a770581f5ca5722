/*
 * Server upload apply: each client transaction in one PostgreSQL transaction, pipelined
 * (BEGIN, the op_id, its statements, COMMIT, then one sync: one round trip), every op
 * sanitized first; a transaction with a bad op is refused whole and recorded.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "core/json_reader.h"
#include "server/server_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

int syncspec_server_new(syncspec_server **out, const syncspec_schema *schema,
                        syncspec_error *error) {
    *out = NULL;
    syncspec_server *server = calloc(1, sizeof *server);
    if (!server) return NOMEM(error);
    server->schema = schema;
    bool laid_out = true;
    for (size_t i = 0; i < schema->table_count; i++) laid_out &= schema->tables[i].row_size > 0;
    if (!laid_out) {
        /* A spec loaded at run time: give it the row layouts the sanitizer works on. */
        if (syncspec_schema_layout(&server->layout, schema) != 0) {
            free(server);
            return NOMEM(error);
        }
        server->schema = server->layout;
    }
    int rc = syncspec_sanitizer_new(&server->sanitizer, server->schema, error);
    if (rc != 0) {
        syncspec_server_free(server);
        return rc;
    }
    *out = server;
    return 0;
}

void syncspec_server_free(syncspec_server *server) {
    if (!server) return;
    syncspec_sanitizer_free(server->sanitizer);
    syncspec_schema_layout_free(server->layout);
    for (size_t i = 0; i < server->prepared.count; i++) free(server->prepared.texts[i]);
    free(server);
}

/* ---- one client transaction ---- */

static json_t *error_item(json_int_t op, const char *column, const char *code,
                          const char *message) {
    json_t *e = json_object();
    if (!e) return NULL;
    json_object_set_new(e, "op", op >= 0 ? json_integer(op) : json_null());
    json_object_set_new(e, "column", column ? json_string(column) : json_null());
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "message", json_string(message));
    return e;
}

/* One client transaction on its way: parsed, sanitized, its statements built. */
typedef struct client_tx {
    json_t *tx;
    const char *op_id;     /* borrowed from tx */
    const char *client_id; /* borrowed from the body's outline; NULL when the body has none */
    char *text;            /* the transaction as the client sent it */
    char digest[33];       /* MD5 of text, in hex */
    json_t *errors;        /* sanitizer errors: when any, the transaction is refused unsent */
    statement_list list;
} client_tx;

/*
 * BEGIN, then, with a client id, the op_id recorded with the digest of the transaction's
 * text: statement 1 fails with a unique violation when this client's op_id was recorded
 * before. Without a client id two devices of one user cannot be told apart (PowerSync's
 * transaction ids start at 1 on each), so nothing is recorded and every transaction is
 * applied: PUT, PATCH and DELETE are safe to repeat, and no device's writes are refused.
 */
static int add_begin(statement_list *list, const syncspec_schema *schema, const client_tx *c,
                     const char *user_id, const char *status) {
    syncspec_buffer b = {0};
    const char *values[5] = {c->op_id, user_id, c->client_id, c->digest, status};
    if (statements_add(list, strdup("BEGIN"), 0, NULL)) return -1;
    if (!c->client_id) return 0;
    if (sync_puts(&b, "INSERT INTO ") ||
        sync_qualified(&b, schema->pg_schema, "syncspec_applied_ops") ||
        sync_puts(&b, " (\"op_id\", \"user_id\", \"client_id\", \"digest\", \"status\") "
                      "VALUES ($1, $2, $3, $4, $5)")) {
        syncspec_buffer_free(&b);
        return -1;
    }
    return statements_add(list, b.data, 5, values);
}

/* Whether a failure is the unique violation of add_begin's record: the op_id was seen. */
static bool recorded_before(const client_tx *c, int outcome, const pipeline_failure *failure) {
    return c->client_id && outcome == 1 && failure->index == 1 &&
           strcmp(failure->sqlstate, "23505") == 0;
}

/*
 * After this client's op_id turned out to be recorded already: "duplicate" when the
 * recorded transaction had the same text (a retry after a lost answer; "rejected" again when
 * it was refused, so the client still learns of it), "conflict" when it had other text (the
 * device reused an op_id, say after a restore from a backup: the client takes a new client
 * id and sends it again), "retry" when that cannot be read now.
 */
static const char *recorded_status(PGconn *conn, const syncspec_schema *schema, const client_tx *c,
                                   const char *user_id) {
    syncspec_buffer b = {0};
    const char *values[3] = {c->op_id, user_id, c->client_id};
    if (sync_puts(&b, "SELECT \"digest\", \"status\" FROM ") ||
        sync_qualified(&b, schema->pg_schema, "syncspec_applied_ops") ||
        sync_puts(&b, " WHERE \"op_id\" = $1 AND \"user_id\" = $2 AND \"client_id\" = $3")) {
        syncspec_buffer_free(&b);
        return "retry";
    }
    PGresult *r = PQexecParams(conn, b.data, 3, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&b);
    const char *status = "retry";
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        const char *recorded = PQgetvalue(r, 0, 0);
        /* '': recorded before digests existed, so not comparable: a duplicate, as it was then. */
        bool same = !*recorded || strcmp(recorded, c->digest) == 0;
        bool refused = strcmp(PQgetvalue(r, 0, 1), "rejected") == 0;
        status = !same ? "conflict" : refused ? "rejected" : "duplicate";
    }
    PQclear(r);
    return status;
}

/*
 * Records a refused transaction whole, exactly as sent, with its errors. Returns the status
 * to report: "rejected", "duplicate" or "conflict" (its op_id was recorded first, see
 * recorded_status) or "retry".
 */
static const char *record_rejection(PGconn *conn, const syncspec_schema *schema, const client_tx *c,
                                    const char *user_id) {
    statement_list list = {0};
    syncspec_buffer b = {0};
    char *errors_text = json_dumps(c->errors, JSON_COMPACT);
    const char *status = "retry";
    const char *values[5] = {c->op_id, user_id, c->client_id ? c->client_id : "", c->text,
                             errors_text};
    if (!errors_text || add_begin(&list, schema, c, user_id, "rejected")) goto cleanup;
    if (sync_puts(&b, "INSERT INTO ") ||
        sync_qualified(&b, schema->pg_schema, "syncspec_rejected_uploads") ||
        sync_puts(&b, " (\"op_id\", \"user_id\", \"client_id\", \"transaction\", \"errors\") "
                      "VALUES ($1, $2, $3, $4, $5)")) {
        syncspec_buffer_free(&b);
        goto cleanup;
    }
    /* statements_add owns the text from here, even when it fails. */
    if (statements_add(&list, b.data, 5, values) ||
        statements_add(&list, strdup("COMMIT"), 0, NULL))
        goto cleanup;
    pipeline_failure failure;
    int outcome = run_pipeline(conn, NULL, &list, &failure);
    if (outcome == 0)
        status = "rejected";
    else if (recorded_before(c, outcome, &failure))
        status = recorded_status(conn, schema, c, user_id);
cleanup:
    statements_free(&list);
    free(errors_text);
    return status;
}

/* Whether a statement error is about the data (the transaction can never apply) rather
 * than the database (it may apply later). */
static const char *data_error_code(const char *sqlstate) {
    if (strcmp(sqlstate, "SY403") == 0) return "forbidden";
    if (strncmp(sqlstate, "23", 2) == 0) return "constraint";
    if (strncmp(sqlstate, "22", 2) == 0) return "invalid";
    return NULL;
}

/* PUTs gathered into one statement at most. Large enough to amortize the statement and its
 * triggers, small enough to keep each parameter array modest. */
enum { PUTS_PER_STATEMENT = 500 };

static void client_tx_free(client_tx *c) {
    if (!c) return;
    json_decref(c->tx);
    free(c->text);
    json_decref(c->errors);
    statements_free(&c->list);
    free(c);
}

/*
 * Sanitizes a parsed transaction and builds its statements: BEGIN, the op_id, the ops (runs
 * of PUTs in batches of `puts_per_statement`), COMMIT. Returns 0, or -1 when memory is
 * exhausted. Errors in the ops go to c->errors and leave no statements.
 */
static int build_transaction(syncspec_server *server, client_tx *c, const char *user_id,
                             size_t puts_per_statement) {
    const syncspec_schema *schema = server->schema;
    const json_t *ops = json_object_get(c->tx, "ops");
    statements_free(&c->list);
    if (!json_is_array(ops)) /* refused whole, like an op with errors */
        return json_array_append_new(c->errors, error_item(-1, NULL, SYNCSPEC_E_BAD_DATA,
                                                           "a transaction needs an \"ops\" list"));
    /* A key given twice ("ops", "op_id"): which was meant cannot be known, as in an op. */
    if (json_object_getn(c->tx, UPLOAD_JSON_DUPLICATES, UPLOAD_JSON_DUPLICATES_LENGTH))
        return json_array_append_new(c->errors,
                                     error_item(-1, NULL, SYNCSPEC_E_BAD_DATA,
                                                "the transaction gives a key more than once"));
    put_batch *batch = put_batch_new(puts_per_statement);
    int rc = !batch || add_begin(&c->list, schema, c, user_id, "applied") ? -1 : 0;
    size_t i;
    json_t *op_json;
    json_array_foreach(ops, i, op_json) {
        if (rc) break;
        /* The SDK's CrudEntry.toJSON() names the table "type". */
        const json_t *type = json_object_get(op_json, "type");
        if (json_is_object(op_json) && !json_object_get(op_json, "table") && json_is_string(type) &&
            json_object_set(op_json, "table", (json_t *)type))
            rc = -1;
        syncspec_op op;
        int sanitized = syncspec_sanitize(&op, server->sanitizer, op_json, user_id);
        if (sanitized < 0) rc = -1;
        if (sanitized > 0) {
            size_t stored = op.error_count < SYNCSPEC_MAX_FIELD_ERRORS ? op.error_count
                                                                       : SYNCSPEC_MAX_FIELD_ERRORS;
            for (size_t e = 0; e < stored; e++)
                json_array_append_new(c->errors,
                                      error_item((json_int_t)i, op.errors[e].column,
                                                 op.errors[e].code, op.errors[e].message));
        }
        if (sanitized != 0 || json_array_size(c->errors)) continue; /* only errors matter now */
        /* Ops keep their order: a PATCH or DELETE first sends the PUTs before it. */
        if (op.kind == SYNCSPEC_OP_PUT)
            rc = put_batch_add(batch, &c->list, schema, &op, i, user_id);
        else if ((rc = put_batch_flush(batch, &c->list, schema, user_id)) == 0)
            rc = add_op_statement(&c->list, schema, &op, i, user_id);
    }
    if (rc == 0 && !json_array_size(c->errors) &&
        (put_batch_flush(batch, &c->list, schema, user_id) ||
         statements_add(&c->list, strdup("COMMIT"), 0, NULL)))
        rc = -1;
    put_batch_free(batch);
    if (json_array_size(c->errors)) statements_free(&c->list);
    return rc;
}

/*
 * Finishes a transaction whose statements were sent: "applied", "duplicate" or "conflict"
 * (see recorded_status), "rejected" (recorded with its errors) or "retry" (a database or
 * connection failure). When a batch of
 * PUTs fails on its data, the transaction is run again one op a statement, so the error
 * names the op that caused it.
 */
static const char *finish_transaction(syncspec_server *server, client_tx *c, PGconn *conn,
                                      const char *user_id, int outcome,
                                      const pipeline_failure *failure) {
    if (outcome == 0) return "applied";
    /* Statement 1 records the op_id: this transaction was applied before. */
    if (recorded_before(c, outcome, failure))
        return recorded_status(conn, server->schema, c, user_id);
    if (outcome != 1 || !data_error_code(failure->sqlstate)) return "retry";
    const pg_statement *failed = &c->list.items[failure->index];
    if (failed->op_count > 1) {
        pipeline_failure again;
        if (build_transaction(server, c, user_id, 1) != 0) return "retry";
        if (json_array_size(c->errors)) return record_rejection(conn, server->schema, c, user_id);
        int rerun = run_pipeline(conn, &server->prepared, &c->list, &again);
        return finish_transaction(server, c, conn, user_id, rerun, &again);
    }
    json_array_append_new(c->errors,
                          error_item(failed->op_count ? (json_int_t)failed->first_op : -1, NULL,
                                     data_error_code(failure->sqlstate), failure->message));
    return record_rejection(conn, server->schema, c, user_id);
}

/* ---- the upload body ---- */

/*
 * Where each client transaction of a body stands, found without building a tree of it. A
 * body is {"transactions": [{"op_id", "ops": [op...]}...]} or {"batch": [op...]} (PowerSync's
 * CrudEntry.toJSON() ops: a transaction a run of one "tx_id"), with an optional
 * "client_id" naming the device (PowerSync's db.getClientId()).
 */
typedef struct body_outline {
    char *client_id; /* owned; NULL when the body names none */
    bool batch;
    size_t count, cap;
    struct {
        size_t start, end; /* the transaction object; in a batch, its ops, commas between */
        char op_id[24];    /* in a batch: the tx_id */
    } * items;
} body_outline;

/*
 * Reads the object at the reader: true when its member `name` (the last one, as for jansson)
 * is a non-empty string without NUL (kind JSON_SCALAR_STRING) or an integer
 * (JSON_SCALAR_INTEGER, stored in *integer).
 */
static bool object_member(json_reader *r, const char *name, json_scalar_kind kind, int64_t *integer,
                          syncspec_buffer *scratch) {
    json_scalar key, v;
    bool found = false;
    if (!json_reader_object_begin(r)) return false;
    for (size_t i = 0; json_reader_object_next(r, &i, &key, scratch); i++) {
        if (!json_scalar_is(&key, name)) {
            json_reader_skip(r);
            continue;
        }
        char c = json_reader_peek(r);
        found = false;
        if (c == '{' || c == '[') {
            json_reader_skip(r);
        } else if (json_reader_scalar(r, &v, scratch) && v.kind == kind) {
            found =
                kind == JSON_SCALAR_INTEGER || (v.length > 0 && !memchr(v.text, '\0', v.length));
            if (kind == JSON_SCALAR_INTEGER) *integer = v.integer;
        }
    }
    return found && !r->error;
}

/* Adds a transaction at start .. end. Returns 0 or -1 when memory is exhausted. */
static int outline_add(body_outline *out, size_t start, size_t end) {
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        void *items = realloc(out->items, cap * sizeof *out->items);
        if (!items) return -1;
        out->items = items;
        out->cap = cap;
    }
    out->items[out->count].start = start;
    out->items[out->count].end = end;
    out->items[out->count++].op_id[0] = '\0';
    return 0;
}

/* The elements of the list at the reader: transactions, or ops grouped by tx_id. */
static int outline_list(body_outline *out, json_reader *r, syncspec_buffer *scratch,
                        syncspec_error *error) {
    json_reader_array_begin(r);
    for (size_t i = 0; json_reader_array_next(r, &i); i++) {
        json_reader_peek(r);
        size_t start = json_reader_offset(r);
        int64_t tx = 0;
        bool named = json_reader_peek(r) == '{' &&
                     (out->batch ? object_member(r, "tx_id", JSON_SCALAR_INTEGER, &tx, scratch)
                                 : object_member(r, "op_id", JSON_SCALAR_STRING, &tx, scratch));
        if (!named)
            return out->batch
                       ? sync_error(error, SYNCSPEC_EINVALID,
                                    "upload: batch op %zu is not an op with an integer tx_id", i)
                       : sync_error(error, SYNCSPEC_EINVALID,
                                    "upload: transaction %zu has no op_id", i);
        char op_id[24];
        snprintf(op_id, sizeof op_id, "%" PRId64, tx);
        /* The SDK queues a transaction's ops together: a run of one tx_id is one. */
        if (out->batch && out->count && strcmp(out->items[out->count - 1].op_id, op_id) == 0) {
            out->items[out->count - 1].end = json_reader_offset(r);
            continue;
        }
        if (outline_add(out, start, json_reader_offset(r))) return NOMEM(error);
        if (out->batch) memcpy(out->items[out->count - 1].op_id, op_id, sizeof op_id);
    }
    return 0;
}

enum { MAX_BODY_KEYS = 64 };

/* Records a key of the body's top level in `seen` (each as its length, then its bytes).
 * Returns 0, 1 when it was there already, -1 when memory is exhausted. */
static int key_seen(syncspec_buffer *seen, const json_scalar *key) {
    for (size_t at = 0; at < seen->len;) {
        size_t n;
        memcpy(&n, seen->data + at, sizeof n);
        at += sizeof n;
        if (n == key->length && (n == 0 || memcmp(seen->data + at, key->text, n) == 0)) return 1;
        at += n;
    }
    return syncspec_buffer_append(seen, (const char *)&key->length, sizeof key->length) ||
                   (key->length && syncspec_buffer_append(seen, key->text, key->length))
               ? -1
               : 0;
}

/*
 * Checks the whole body (well-formed JSON, one list of transactions or ops, each named,
 * a string client_id if any) before anything is applied, and notes where each transaction
 * is. Returns 0, or SYNCSPEC_EINVALID / SYNCSPEC_ENOMEM with `error` set.
 */
static int outline_body(body_outline *out, const char *body, syncspec_error *error) {
    json_reader r;
    syncspec_buffer scratch = {0};
    json_scalar key, v;
    size_t transactions_at = 0, batch_at = 0;
    bool bad_client_id = false;
    int rc = 0;
    syncspec_buffer seen = {0};
    int repeated = 0;
    json_reader_init(&r, body, strlen(body));
    r.allow_nul = true; /* in values; the sanitizer refuses them where they do not belong */
    if (json_reader_object_begin(&r))
        for (size_t i = 0; json_reader_object_next(&r, &i, &key, &scratch); i++) {
            /* A key given twice: which value was meant cannot be known. */
            if (!repeated && (repeated = i < MAX_BODY_KEYS ? key_seen(&seen, &key) : 2) != 0) break;
            size_t at = json_reader_peek(&r) == '[' ? json_reader_offset(&r) : 0;
            if (json_scalar_is(&key, "transactions")) transactions_at = at;
            if (json_scalar_is(&key, "batch")) batch_at = at;
            if (!json_scalar_is(&key, "client_id")) {
                json_reader_skip(&r);
                continue;
            }
            free(out->client_id);
            out->client_id = NULL;
            bad_client_id = json_reader_peek(&r) != '"' && json_reader_peek(&r) != 'n';
            if (bad_client_id) {
                json_reader_skip(&r);
            } else if (json_reader_scalar(&r, &v, &scratch) && v.kind == JSON_SCALAR_STRING &&
                       v.length > 0) {
                /* "" names no client, like null. */
                bad_client_id = memchr(v.text, '\0', v.length) != NULL;
                if (!bad_client_id && !(out->client_id = strndup(v.text, v.length))) {
                    rc = NOMEM(error);
                    goto done;
                }
            }
        }
    if (!repeated) json_reader_end(&r);
    if (repeated) {
        rc = repeated < 0    ? NOMEM(error)
             : repeated == 1 ? sync_error(error, SYNCSPEC_EINVALID,
                                          "upload: a key is given twice (again at byte %zu)",
                                          json_reader_offset(&r))
                             : sync_error(error, SYNCSPEC_EINVALID,
                                          "upload: more than %d keys in the body", MAX_BODY_KEYS);
        goto done;
    }
    if (r.error)
        rc = sync_error(error, SYNCSPEC_EINVALID, "upload: malformed JSON at byte %zu: %s",
                        json_reader_offset(&r), r.error);
    else if (bad_client_id)
        rc = sync_error(error, SYNCSPEC_EINVALID, "upload: client_id must be a string");
    else if (transactions_at && batch_at)
        rc = sync_error(error, SYNCSPEC_EINVALID,
                        "upload: both a \"transactions\" and a \"batch\" list");
    else if (!transactions_at && !batch_at)
        rc = sync_error(error, SYNCSPEC_EINVALID, "upload: no \"transactions\" or \"batch\" list");
    if (rc) goto done;
    out->batch = batch_at != 0;
    json_reader_seek(&r, out->batch ? batch_at : transactions_at);
    rc = outline_list(out, &r, &scratch, error);
done:
    syncspec_buffer_free(&seen);
    syncspec_buffer_free(&scratch);
    return rc;
}

/*
 * The text of transaction k and its tree: the transaction object, or for a batch the object
 * {"op_id": tx_id, "ops": [its ops]}. Returns NULL with `jerr` set when jansson cannot parse
 * what the outline accepted (its limits), or when memory is exhausted (c->text NULL).
 */
static json_t *load_transaction(client_tx *c, const char *body, const body_outline *outline,
                                size_t k, json_error_t *jerr) {
    size_t start = outline->items[k].start, end = outline->items[k].end;
    if (!outline->batch) {
        c->text = strndup(body + start, end - start);
        return upload_json_loadb(body + start, end - start, jerr);
    }
    size_t n = end - start + 2;
    if (!(c->text = malloc(n + 1))) return NULL;
    snprintf(c->text, n + 1, "[%.*s]", (int)(end - start), body + start);
    json_t *ops = upload_json_loadb(c->text, n, jerr);
    json_t *tx = ops ? json_object() : NULL;
    if (tx && (json_object_set_new(tx, "op_id", json_string(outline->items[k].op_id)) ||
               json_object_set(tx, "ops", ops))) {
        json_decref(tx);
        tx = NULL;
    }
    json_decref(ops);
    return tx;
}

/* Parses transaction k of the body and builds its statements. Returns 0, or an error code
 * with `error` set. */
static int prepare_transaction(client_tx **out, syncspec_server *server, const char *body,
                               const body_outline *outline, size_t k, const char *user_id,
                               syncspec_error *error) {
    client_tx *c = *out = calloc(1, sizeof *c);
    if (!c) return NOMEM(error);
    json_error_t jerr;
    /* As the sanitizer wants it: numbers jansson cannot hold and repeated keys are errors of
     * their op, not of the whole upload. */
    c->tx = load_transaction(c, body, outline, k, &jerr);
    if (c->text) {
        unsigned char md5[16];
        sync_md5(md5, c->text, strlen(c->text));
        for (int i = 0; i < 16; i++) snprintf(c->digest + 2 * i, 3, "%02x", md5[i]);
    }
    c->op_id = json_string_value(json_object_get(c->tx, "op_id"));
    c->client_id = outline->client_id;
    c->errors = json_array();
    int rc = 0;
    if (!c->text || !c->errors)
        rc = NOMEM(error);
    else if (!c->tx || !c->op_id) /* the outline checked the text, so this is jansson's limit */
        rc = sync_error(error, SYNCSPEC_EINVALID, "upload: transaction %zu: %s", k,
                        c->tx ? "no op_id" : jerr.text);
    else if (build_transaction(server, c, user_id, PUTS_PER_STATEMENT) != 0)
        rc = NOMEM(error);
    if (rc) {
        client_tx_free(c);
        *out = NULL;
    }
    return rc;
}

static int add_result(json_t *results, const client_tx *c, const char *status) {
    json_t *item = json_object();
    if (!item || json_array_append_new(results, item) ||
        json_object_set_new(item, "op_id", json_string(c->op_id)) ||
        json_object_set_new(item, "status", json_string(status)) ||
        json_object_set(item, "errors", c->errors))
        return -1;
    return 0;
}

/*
 * Applies the transactions in order, overlapped: while the server runs transaction k, the
 * client parses and sanitizes k + 1. After a database error the later transactions wait
 * ("retry"): they may depend on it.
 */
static int apply_all(syncspec_server *server, json_t *results, PGconn *conn, const char *user_id,
                     const char *body, const body_outline *outline, syncspec_error *error) {
    client_tx *next = NULL;
    int rc =
        outline->count ? prepare_transaction(&next, server, body, outline, 0, user_id, error) : 0;
    bool retry = false;
    for (size_t k = 0; k < outline->count && rc == 0; k++) {
        client_tx *c = next;
        next = NULL;
        const char *status = "retry";
        pipeline_sent *sent = NULL;
        bool sending = !retry && !json_array_size(c->errors) &&
                       pipeline_send(&sent, conn, &server->prepared, &c->list) == 0;
        int prepared = k + 1 < outline->count ? prepare_transaction(&next, server, body, outline,
                                                                    k + 1, user_id, error)
                                              : 0;
        if (sending) {
            pipeline_failure failure;
            int outcome = pipeline_collect(conn, &server->prepared, &c->list, sent, &failure);
            status = finish_transaction(server, c, conn, user_id, outcome, &failure);
        } else if (!retry && json_array_size(c->errors)) {
            status = record_rejection(conn, server->schema, c, user_id);
        }
        /* A transaction not applied holds back the ones after it: they may depend on it. */
        retry = strcmp(status, "retry") == 0 || strcmp(status, "conflict") == 0;
        rc = add_result(results, c, status) ? NOMEM(error) : prepared;
        client_tx_free(c);
    }
    client_tx_free(next);
    return rc;
}

int syncspec_server_upload(syncspec_server *server, char **response, PGconn *conn,
                           const char *user_id, const char *body, syncspec_error *error) {
    *response = NULL;
    body_outline outline = {0};
    json_t *out = json_object(), *results = json_array();
    int rc = 0;
    if (!out || !results || json_object_set(out, "transactions", results)) {
        rc = NOMEM(error);
        goto cleanup;
    }
    if (!user_id || !*user_id) {
        rc = sync_error(error, SYNCSPEC_EINVALID, "upload: no authenticated user");
        goto invalid;
    }
    if ((rc = outline_body(&outline, body ? body : "", error)) != 0) {
        if (rc == SYNCSPEC_ENOMEM) goto cleanup;
        goto invalid;
    }
    if ((rc = apply_all(server, results, conn, user_id, body, &outline, error)) != 0) goto cleanup;
    goto dump;
invalid:
    json_object_set_new(out, "error", json_string(error ? error->message : "invalid upload"));
dump:
    *response = json_dumps(out, JSON_COMPACT);
    if (!*response) rc = NOMEM(error);
cleanup:
    free(outline.items);
    free(outline.client_id);
    json_decref(results);
    json_decref(out);
    return rc;
}
