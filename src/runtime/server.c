/*
 * Server upload apply: each client transaction in one PostgreSQL transaction, pipelined
 * (BEGIN, the op_id, every op, COMMIT, then one sync: one round trip), every op sanitized,
 * every value a parameter, every identifier quoted from the model.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/server_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_SYNC_NOMEM, "out of memory")

int syncspec_server_new(syncspec_server **out, const syncspec_schema *schema,
                        syncspec_sync_error *error) {
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
    char message[256] = "";
    if (syncspec_sanitizer_new(&server->sanitizer, server->schema, message, sizeof message) != 0) {
        syncspec_server_free(server);
        return sync_error(error, SYNCSPEC_SYNC_INVALID, "sanitizer: %s", message);
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

/* ---- pipelines ---- */

enum { MAX_PARAMS = 1600 };

typedef struct pg_statement {
    char *sql;
    int nparams;
    char **values; /* owned, NULL for SQL NULL */
} pg_statement;

typedef struct statement_list {
    pg_statement *items;
    size_t count, cap;
} statement_list;

static void statements_free(statement_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].sql);
        for (int p = 0; p < list->items[i].nparams; p++) free(list->items[i].values[p]);
        free(list->items[i].values);
    }
    free(list->items);
    *list = (statement_list){0};
}

/* Takes ownership of `sql`; copies the values. */
static int statements_add(statement_list *list, char *sql, int nparams, const char *const *values) {
    if (!sql) return -1;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        pg_statement *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            free(sql);
            return -1;
        }
        list->items = items;
        list->cap = cap;
    }
    pg_statement *s = &list->items[list->count];
    s->sql = sql;
    s->nparams = nparams;
    s->values = calloc(nparams ? (size_t)nparams : 1, sizeof *s->values);
    if (!s->values) {
        free(sql);
        return -1;
    }
    list->count++;
    for (int p = 0; p < nparams; p++)
        if (values[p] && !(s->values[p] = strdup(values[p]))) return -1;
    return 0;
}

typedef struct pipeline_failure {
    size_t index;     /* the statement that failed */
    char sqlstate[6]; /* "" for a connection failure */
    char message[256];
} pipeline_failure;

/* The cached statement for `sql` on this connection, or -1. */
static int prepared_find(prepared_cache *cache, PGconn *conn, const char *sql) {
    if (cache->conn != conn || cache->backend_pid != PQbackendPID(conn)) {
        for (size_t i = 0; i < cache->count; i++) free(cache->texts[i]);
        cache->count = 0;
        cache->conn = conn;
        cache->backend_pid = PQbackendPID(conn);
    }
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->texts[i], sql) == 0) return (int)i;
    return -1;
}

/* How a statement was sent: prepared now (its prepare result comes first), from the cache,
 * or as plain parameters (no parameters, or a full cache). */
typedef struct sent {
    bool preparing;
    unsigned name;
} sent;

/*
 * Runs the statements in one pipeline ending with one sync. Returns 0 when all succeeded,
 * 1 when a statement failed (*failure says which and why; the transaction is rolled back),
 * -1 when the connection failed. Statements with parameters go through the cache.
 */
static int run_pipeline(PGconn *conn, prepared_cache *cache, const statement_list *list,
                        pipeline_failure *failure) {
    memset(failure, 0, sizeof *failure);
    int outcome = 0;
    sent *how = calloc(list->count ? list->count : 1, sizeof *how);
    if (!how) return -1;
    if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF || !PQenterPipelineMode(conn)) goto broken;
    size_t planned = cache ? (prepared_find(cache, conn, ""), cache->count) : 0;
    for (size_t i = 0; i < list->count; i++) {
        const pg_statement *s = &list->items[i];
        const char *const *values = (const char *const *)s->values;
        int found = cache && s->nparams ? prepared_find(cache, conn, s->sql) : -1;
        /* A text sent twice in one pipeline is prepared once: the earlier send counts. */
        for (size_t k = 0; found < 0 && cache && s->nparams && k < i; k++)
            if (how[k].preparing && strcmp(list->items[k].sql, s->sql) == 0) {
                how[i].name = how[k].name;
                found = -2;
            }
        char name[32];
        if (found >= 0 || found == -2) {
            snprintf(name, sizeof name, "syncspec_%u",
                     found >= 0 ? cache->names[found] : how[i].name);
            if (!PQsendQueryPrepared(conn, name, s->nparams, values, NULL, NULL, 0)) goto broken;
        } else if (cache && s->nparams && planned < PREPARED_MAX) {
            planned++;
            how[i].preparing = true;
            how[i].name = cache->next_name++;
            snprintf(name, sizeof name, "syncspec_%u", how[i].name);
            if (!PQsendPrepare(conn, name, s->sql, s->nparams, NULL) ||
                !PQsendQueryPrepared(conn, name, s->nparams, values, NULL, NULL, 0))
                goto broken;
        } else if (!PQsendQueryParams(conn, s->sql, s->nparams, NULL, values, NULL, NULL, 0)) {
            goto broken;
        }
    }
    if (!PQpipelineSync(conn)) goto broken;
    for (size_t i = 0; i < list->count; i++) {
        /* A statement prepared here answers twice: the prepare, then the execution. */
        for (int part = how[i].preparing ? 0 : 1; part < 2; part++) {
            PGresult *res = PQgetResult(conn);
            if (!res) goto broken;
            ExecStatusType st = PQresultStatus(res);
            if (part == 0 && st != PGRES_COMMAND_OK) how[i].preparing = false;
            if (st == PGRES_FATAL_ERROR && outcome == 0) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
                failure->index = i;
                snprintf(failure->sqlstate, sizeof failure->sqlstate, "%s", state ? state : "");
                snprintf(failure->message, sizeof failure->message, "%s",
                         primary ? primary : PQerrorMessage(conn));
                outcome = state && *state && strncmp(state, "08", 2) != 0 ? 1 : -1;
            } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
                       st != PGRES_PIPELINE_ABORTED && st != PGRES_FATAL_ERROR) {
                PQclear(res);
                goto broken;
            }
            PQclear(res);
            PGresult *end = PQgetResult(conn); /* the NULL that ends each result */
            if (end) {
                PQclear(end);
                goto broken;
            }
        }
    }
    PGresult *sync = PQgetResult(conn);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        PQclear(sync);
        goto broken;
    }
    PQclear(sync);
    /* Statements prepared by a pipeline that failed may have gone with its transaction:
     * remember them only when everything succeeded. */
    for (size_t i = 0; outcome == 0 && i < list->count; i++) {
        if (!how[i].preparing || cache->count == PREPARED_MAX) continue;
        cache->texts[cache->count] = strdup(list->items[i].sql);
        if (cache->texts[cache->count]) cache->names[cache->count++] = how[i].name;
    }
    /* A cached statement the server does not know (26000): forget them all. */
    if (cache && strcmp(failure->sqlstate, "26000") == 0) {
        for (size_t i = 0; i < cache->count; i++) free(cache->texts[i]);
        cache->count = 0;
    }
    free(how);
    if (!PQexitPipelineMode(conn)) goto broken_after_free;
    /* A failed statement leaves the explicit transaction aborted, not ended. */
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) PQclear(PQexec(conn, "ROLLBACK"));
    if (PQstatus(conn) != CONNECTION_OK) return -1;
    return outcome;
broken:
    free(how);
broken_after_free:
    if (!failure->message[0])
        snprintf(failure->message, sizeof failure->message, "%s", PQerrorMessage(conn));
    return -1;
}

/* ---- statements built from the model ---- */

typedef struct sql_builder {
    syncspec_buffer b;
    const char *values[MAX_PARAMS];
    int n;
    bool failed;
} sql_builder;

static void put(sql_builder *s, const char *text) { s->failed |= sync_puts(&s->b, text) != 0; }
static void ident(sql_builder *s, const char *name) { s->failed |= sync_ident(&s->b, name) != 0; }
static void qualified(sql_builder *s, const char *schema, const char *name) {
    s->failed |= sync_qualified(&s->b, schema, name) != 0;
}
/* Appends $n for a new parameter. */
static int param(sql_builder *s, const char *value) {
    if (s->n == MAX_PARAMS) {
        s->failed = true;
        return 0;
    }
    s->values[s->n++] = value;
    s->failed |= sync_printf(&s->b, "$%d", s->n) != 0;
    return s->n;
}

/*
 * The tail every op statement shares: raise SY403 when the row exists under another owner
 * and the statement changed nothing, so the whole client transaction stops.
 */
static void forbidden_check(sql_builder *s, const syncspec_schema *schema, const syncspec_table *t,
                            int id_param, int owner_param) {
    put(s, " SELECT ");
    qualified(s, schema->pg_schema, "syncspec_forbidden");
    put(s, "(");
    param(s, t->name);
    sync_printf(&s->b,
                "::text, $%d::text) WHERE NOT EXISTS (SELECT 1 FROM w) AND EXISTS (SELECT 1 FROM ",
                id_param);
    qualified(s, schema->pg_schema, t->name);
    sync_printf(&s->b, " WHERE \"id\" = $%d AND ", id_param);
    ident(s, schema->owner_column);
    sync_printf(&s->b, " IS DISTINCT FROM $%d)", owner_param);
}

static const char *value_text(char (*scratch)[SYNCSPEC_TIMESTAMP_SIZE], size_t i,
                              const syncspec_column *c, const void *row) {
    return syncspec_row_text(scratch[i], c, row);
}

/* The statement for one sanitized op; *skip when it changes nothing (an empty PATCH). */
static int op_statement(statement_list *list, bool *skip, const syncspec_schema *schema,
                        const syncspec_op *op, const char *user_id) {
    const syncspec_table *t = op->table;
    const syncspec_column *owner = &t->columns[t->owner_column];
    char(*scratch)[SYNCSPEC_TIMESTAMP_SIZE] = calloc(t->column_count, sizeof *scratch);
    sql_builder *s = calloc(1, sizeof *s);
    int rc = -1;
    *skip = false;
    if (!scratch || !s) goto cleanup;
    put(s, "WITH w AS (");
    if (op->kind == SYNCSPEC_OP_PUT) {
        int id_param = 0, owner_param = 0;
        put(s, "INSERT INTO ");
        qualified(s, schema->pg_schema, t->name);
        put(s, " AS \"target\" (");
        for (size_t i = 0; i < t->column_count; i++) {
            if (i) put(s, ", ");
            ident(s, t->columns[i].name);
        }
        put(s, ") VALUES (");
        for (size_t i = 0; i < t->column_count; i++) {
            const syncspec_column *c = &t->columns[i];
            if (i) put(s, ", ");
            syncspec_state state = syncspec_row_state(c, op->row);
            if (c == owner)
                owner_param = param(s, user_id);
            else if (state == SYNCSPEC_ABSENT && c->default_value)
                put(s, "DEFAULT");
            else if (state == SYNCSPEC_ABSENT &&
                     (c->role == SYNCSPEC_ROLE_CREATED_AT || c->role == SYNCSPEC_ROLE_UPDATED_AT))
                put(s, "now()");
            else if (c->role == SYNCSPEC_ROLE_ID)
                id_param = param(s, op->id);
            else
                param(s, value_text(scratch, i, c, op->row));
        }
        put(s, ") ON CONFLICT (\"id\") DO ");
        if (t->insert_only) {
            put(s, "NOTHING");
        } else {
            put(s, "UPDATE SET ");
            bool first = true;
            for (size_t i = 1; i < t->column_count; i++) {
                const syncspec_column *c = &t->columns[i];
                if (c == owner) continue;
                if (!first) put(s, ", ");
                first = false;
                ident(s, c->name);
                put(s, " = EXCLUDED.");
                ident(s, c->name);
            }
            /* The guard: a conflicting row of another user is never taken over. */
            put(s, " WHERE \"target\".");
            ident(s, owner->name);
            put(s, " = EXCLUDED.");
            ident(s, owner->name);
        }
        put(s, " RETURNING 1)");
        forbidden_check(s, schema, t, id_param, owner_param);
    } else {
        bool soft = op->kind == SYNCSPEC_OP_DELETE && t->soft_delete;
        if (op->kind == SYNCSPEC_OP_DELETE && !soft) {
            put(s, "DELETE FROM ");
            qualified(s, schema->pg_schema, t->name);
        } else {
            put(s, "UPDATE ");
            qualified(s, schema->pg_schema, t->name);
            put(s, " SET ");
            size_t n = 0;
            for (size_t i = 1; i < t->column_count; i++) {
                const syncspec_column *c = &t->columns[i];
                if (soft) {
                    if (c->role == SYNCSPEC_ROLE_DELETED_AT) {
                        put(s, n++ ? ", " : "");
                        put(s, "\"deleted_at\" = coalesce(\"deleted_at\", now())");
                    } else if (c->role == SYNCSPEC_ROLE_UPDATED_AT) {
                        put(s, n++ ? ", " : "");
                        put(s, "\"updated_at\" = now()");
                    }
                    continue;
                }
                if (c == owner || syncspec_row_state(c, op->row) == SYNCSPEC_ABSENT) continue;
                put(s, n++ ? ", " : "");
                ident(s, c->name);
                put(s, " = ");
                param(s, value_text(scratch, i, c, op->row));
            }
            if (n == 0) {
                *skip = true;
                rc = 0;
                goto cleanup;
            }
        }
        put(s, " WHERE \"id\" = ");
        int id_param = param(s, op->id);
        put(s, " AND ");
        ident(s, owner->name);
        put(s, " = ");
        int owner_param = param(s, user_id);
        put(s, " RETURNING 1)");
        forbidden_check(s, schema, t, id_param, owner_param);
    }
    if (s->failed) goto cleanup;
    rc = statements_add(list, s->b.data, s->n, s->values);
    s->b.data = NULL;
cleanup:
    if (s) syncspec_buffer_free(&s->b);
    free(s);
    free(scratch);
    return rc;
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

static int add_begin(statement_list *list, const syncspec_schema *schema, const char *op_id,
                     const char *user_id, const char *status) {
    syncspec_buffer b = {0};
    const char *values[3] = {op_id, user_id, status};
    if (statements_add(list, strdup("BEGIN"), 0, NULL) || sync_puts(&b, "INSERT INTO ") ||
        sync_qualified(&b, schema->pg_schema, "syncspec_applied_ops") ||
        sync_puts(&b, " (\"op_id\", \"user_id\", \"status\") VALUES ($1, $2, $3)")) {
        syncspec_buffer_free(&b);
        return -1;
    }
    return statements_add(list, b.data, 3, values);
}

/*
 * Records a refused transaction whole with its errors. Returns the status to report:
 * "rejected", "duplicate" (another attempt recorded it first) or "retry".
 */
static const char *record_rejection(PGconn *conn, const syncspec_schema *schema, const char *op_id,
                                    const char *user_id, const json_t *tx, const json_t *errors) {
    statement_list list = {0};
    syncspec_buffer b = {0};
    char *tx_text = json_dumps(tx, JSON_COMPACT);
    char *errors_text = json_dumps(errors, JSON_COMPACT);
    const char *status = "retry";
    const char *values[4] = {op_id, user_id, tx_text, errors_text};
    if (!tx_text || !errors_text || add_begin(&list, schema, op_id, user_id, "rejected"))
        goto cleanup;
    if (sync_puts(&b, "INSERT INTO ") ||
        sync_qualified(&b, schema->pg_schema, "syncspec_rejected_uploads") ||
        sync_puts(&b, " (\"op_id\", \"user_id\", \"transaction\", \"errors\") "
                      "VALUES ($1, $2, $3, $4)")) {
        syncspec_buffer_free(&b);
        goto cleanup;
    }
    /* statements_add owns the text from here, even when it fails. */
    if (statements_add(&list, b.data, 4, values) ||
        statements_add(&list, strdup("COMMIT"), 0, NULL))
        goto cleanup;
    pipeline_failure failure;
    int outcome = run_pipeline(conn, NULL, &list, &failure);
    if (outcome == 0)
        status = "rejected";
    else if (outcome == 1 && failure.index == 1 && strcmp(failure.sqlstate, "23505") == 0)
        status = "duplicate";
cleanup:
    statements_free(&list);
    free(tx_text);
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

static const char *apply_transaction(syncspec_server *server, json_t *errors, PGconn *conn,
                                     const char *op_id, const char *user_id, const json_t *tx) {
    const syncspec_schema *schema = server->schema;
    const json_t *ops = json_object_get(tx, "ops");
    statement_list list = {0};
    const char *status = "retry";
    if (!json_is_array(ops)) {
        json_array_append_new(errors, error_item(-1, NULL, SYNCSPEC_E_BAD_DATA,
                                                 "a transaction needs an \"ops\" list"));
        goto reject;
    }
    if (add_begin(&list, schema, op_id, user_id, "applied")) goto cleanup;
    size_t i;
    const json_t *op_json;
    json_array_foreach(ops, i, op_json) {
        syncspec_op op;
        int rc = syncspec_sanitize(&op, server->sanitizer, op_json, user_id);
        if (rc < 0) goto cleanup;
        if (rc > 0) {
            size_t stored = op.error_count < SYNCSPEC_MAX_FIELD_ERRORS ? op.error_count
                                                                       : SYNCSPEC_MAX_FIELD_ERRORS;
            for (size_t e = 0; e < stored; e++)
                json_array_append_new(errors, error_item((json_int_t)i, op.errors[e].column,
                                                         op.errors[e].code, op.errors[e].message));
            continue;
        }
        if (json_array_size(errors)) continue; /* only the errors matter now */
        bool skip;
        if (op_statement(&list, &skip, schema, &op, user_id) != 0) goto cleanup;
    }
    if (json_array_size(errors)) goto reject;
    if (statements_add(&list, strdup("COMMIT"), 0, NULL)) goto cleanup;
    pipeline_failure failure;
    int outcome = run_pipeline(conn, &server->prepared, &list, &failure);
    if (outcome == 0) {
        status = "applied";
    } else if (outcome == 1 && failure.index == 1 && strcmp(failure.sqlstate, "23505") == 0) {
        status = "duplicate";
    } else if (outcome == 1 && data_error_code(failure.sqlstate)) {
        /* Statement 0 is BEGIN and 1 the op_id: op k is statement k + 2 (empty PATCHes are
         * skipped, so this is the position among the statements sent). */
        json_array_append_new(errors,
                              error_item(failure.index >= 2 ? (json_int_t)failure.index - 2 : -1,
                                         NULL, data_error_code(failure.sqlstate), failure.message));
        goto reject;
    }
    goto cleanup;
reject:
    status = record_rejection(conn, schema, op_id, user_id, tx, errors);
cleanup:
    statements_free(&list);
    return status;
}

int syncspec_server_upload(syncspec_server *server, char **response, PGconn *conn,
                           const char *user_id, const char *body, syncspec_sync_error *error) {
    *response = NULL;
    json_error_t jerr;
    json_t *root = json_loads(body ? body : "", 0, &jerr);
    json_t *txs = json_object_get(root, "transactions");
    json_t *out = json_object(), *results = json_array();
    int rc = 0;
    if (!out || !results) {
        rc = NOMEM(error);
        goto cleanup;
    }
    json_object_set(out, "transactions", results);
    if (!user_id || !*user_id) {
        rc = sync_error(error, SYNCSPEC_SYNC_INVALID, "upload: no authenticated user");
        goto invalid;
    }
    if (!json_is_array(txs)) {
        rc = sync_error(error, SYNCSPEC_SYNC_INVALID, "upload: %s",
                        root ? "no \"transactions\" list" : jerr.text);
        goto invalid;
    }
    size_t i;
    json_t *tx;
    json_array_foreach(txs, i, tx) {
        const char *op_id = json_string_value(json_object_get(tx, "op_id"));
        if (!op_id || !*op_id) {
            rc =
                sync_error(error, SYNCSPEC_SYNC_INVALID, "upload: transaction %zu has no op_id", i);
            goto invalid;
        }
    }
    bool retry = false;
    json_array_foreach(txs, i, tx) {
        const char *op_id = json_string_value(json_object_get(tx, "op_id"));
        json_t *errors = json_array();
        if (!errors) {
            rc = NOMEM(error);
            goto cleanup;
        }
        /* After a database error, later transactions wait: they may depend on it. */
        const char *status =
            retry ? "retry" : apply_transaction(server, errors, conn, op_id, user_id, tx);
        retry = strcmp(status, "retry") == 0;
        json_t *item = json_object();
        json_object_set_new(item, "op_id", json_string(op_id));
        json_object_set_new(item, "status", json_string(status));
        json_object_set_new(item, "errors", errors);
        json_array_append_new(results, item);
    }
    goto dump;
invalid:
    json_object_set_new(out, "error", json_string(error ? error->message : "invalid upload"));
dump:
    *response = json_dumps(out, JSON_COMPACT);
    if (!*response) rc = NOMEM(error);
cleanup:
    json_decref(results);
    json_decref(out);
    json_decref(root);
    return rc;
}
