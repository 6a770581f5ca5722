/*
 * The change feed. The checkpoint is the PostgreSQL snapshot the client last read at: the
 * next pull returns every row whose log entry was written by a transaction not visible in
 * that snapshot (and visible now), whatever order the transactions took their log entries
 * in. Rows are read as they are now, in the same REPEATABLE READ transaction as the log
 * and the checksum, so the three agree.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/c_numbers.h"
#include "server/server_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_SYNC_NOMEM, "out of memory")

/* The column as the client stores it, as text. */
static int value_expr(syncspec_buffer *b, const char *alias, const syncspec_column *c) {
    syncspec_buffer col = {0};
    int rc = sync_puts(&col, alias) || sync_puts(&col, ".") || sync_ident(&col, c->name);
    if (rc == 0) {
        switch (c->type) {
        case SYNCSPEC_TYPE_BOOLEAN:
            rc = sync_printf(b, "CASE WHEN %s THEN '1' WHEN NOT %s THEN '0' END", col.data,
                             col.data);
            break;
        case SYNCSPEC_TYPE_TIMESTAMP:
            rc = sync_printf(
                b, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", col.data);
            break;
        case SYNCSPEC_TYPE_TEXT:
        case SYNCSPEC_TYPE_ID:
            rc = sync_puts(b, col.data);
            break;
        default:
            rc = sync_printf(b, "%s::text", col.data);
        }
    }
    syncspec_buffer_free(&col);
    return rc;
}

/* The column's part of the checksum row text (sync_internal.h). */
static int checksum_expr(syncspec_buffer *b, const char *alias, const syncspec_column *c) {
    syncspec_buffer v = {0};
    int rc;
    if (c->type == SYNCSPEC_TYPE_REAL) {
        rc = sync_puts(&v, "encode(float8send(") || sync_puts(&v, alias) || sync_puts(&v, ".") ||
             sync_ident(&v, c->name) || sync_puts(&v, " + 0::float8), 'hex')");
    } else {
        rc = value_expr(&v, alias, c);
    }
    if (rc == 0)
        rc = sync_printf(b, " || chr(31) || coalesce(octet_length(%s)::text || ':' || %s, '-')",
                         v.data, v.data);
    syncspec_buffer_free(&v);
    return rc;
}

/* "<schema>:<xmin>:<xmax>:<xip,...>" is checked here so a bad one is refused before SQL. */
static bool snapshot_text_ok(const char *s) {
    int colons = 0;
    if (!*s || strlen(s) > 1 << 20) return false;
    for (const char *p = s; *p; p++) {
        if (*p == ':')
            colons++;
        else if (!isdigit((unsigned char)*p) && !(*p == ',' && colons == 2))
            return false;
    }
    return colons == 2;
}

static json_t *column_value(const syncspec_column *c, const char *text) {
    switch (c->type) {
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_BOOLEAN:
        return json_integer((json_int_t)strtoll(text, NULL, 10));
    case SYNCSPEC_TYPE_REAL: {
        json_t *v = json_real(c_strtod(text, NULL));
        return v ? v : json_null(); /* NaN and infinities have no JSON form */
    }
    default:
        return json_string(text);
    }
}

/* One table's rows and deletions. */
static int table_changes(json_t *tables, PGconn *conn, const syncspec_schema *schema,
                         const syncspec_table *t, const char *user_id, const char *checkpoint,
                         syncspec_sync_error *error) {
    syncspec_buffer sql = {0};
    PGresult *res = NULL;
    int rc = 0;
    bool failed = sync_puts(&sql, "SELECT ");
    /* Column 0: the changed id (NULL on a full read); then the row, all NULL when gone. */
    failed |= sync_puts(&sql, checkpoint ? "c.\"row_id\"" : "NULL");
    for (size_t i = 0; i < t->column_count; i++)
        failed |= sync_puts(&sql, ", ") || value_expr(&sql, "t", &t->columns[i]);
    if (checkpoint) {
        failed |= sync_puts(&sql, " FROM (SELECT DISTINCT \"row_id\" FROM ") ||
                  sync_qualified(&sql, schema->pg_schema, "syncspec_changes") ||
                  sync_puts(&sql, " WHERE \"table_name\" = $2 AND \"owner_id\" = $1"
                                  " AND \"xid\" >= pg_snapshot_xmin($3::pg_snapshot)"
                                  " AND NOT pg_visible_in_snapshot(\"xid\", $3::pg_snapshot)) AS c"
                                  " LEFT JOIN ") ||
                  sync_qualified(&sql, schema->pg_schema, t->name) ||
                  sync_puts(&sql, " AS t ON t.\"id\" = c.\"row_id\" AND t.") ||
                  sync_ident(&sql, schema->owner_name) || sync_puts(&sql, " = $1");
    } else {
        failed |= sync_puts(&sql, " FROM ") || sync_qualified(&sql, schema->pg_schema, t->name) ||
                  sync_puts(&sql, " AS t WHERE t.") || sync_ident(&sql, schema->owner_name) ||
                  sync_puts(&sql, " = $1");
    }
    if (failed) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    const char *values[3] = {user_id, t->name, checkpoint};
    res = PQexecParams(conn, sql.data, checkpoint ? 3 : 1, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_db_error(error, conn, res, t->name);
        PQclear(res);
        return rc;
    }
    int n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return 0;
    }
    json_t *part = json_object(), *columns = json_array(), *rows = json_array(),
           *deleted = json_array();
    if (!part || !columns || !rows || !deleted) goto nomem;
    for (size_t i = 0; i < t->column_count; i++)
        if (json_array_append_new(columns, json_string(t->columns[i].name))) goto nomem;
    for (int r = 0; r < n; r++) {
        if (PQgetisnull(res, r, 1)) { /* the id: gone, or no longer this user's */
            if (json_array_append_new(deleted, json_string(PQgetvalue(res, r, 0)))) goto nomem;
            continue;
        }
        json_t *row = json_array();
        if (!row || json_array_append_new(rows, row)) goto nomem;
        for (size_t i = 0; i < t->column_count; i++) {
            int f = (int)i + 1;
            json_t *v = PQgetisnull(res, r, f)
                            ? json_null()
                            : column_value(&t->columns[i], PQgetvalue(res, r, f));
            if (!v || json_array_append_new(row, v)) goto nomem;
        }
    }
    /* In this order, so a client applies the deletions and then the rows as it reads. */
    json_object_set_new(part, "columns", columns);
    json_object_set_new(part, "deleted", deleted);
    json_object_set_new(part, "rows", rows);
    if (json_object_set_new(tables, t->name, part)) {
        PQclear(res);
        return NOMEM(error);
    }
    PQclear(res);
    return 0;
nomem:
    json_decref(part);
    json_decref(columns);
    json_decref(rows);
    json_decref(deleted);
    PQclear(res);
    return NOMEM(error);
}

/* The checksum of every row of the user, modulo 2^64, as decimal text. */
static int user_checksum(char **out, PGconn *conn, const syncspec_schema *schema,
                         const char *user_id, syncspec_sync_error *error) {
    syncspec_buffer sql = {0};
    bool failed = sync_puts(
        &sql, "SELECT (((s % m) + m) % m)::text FROM (SELECT coalesce(sum(h), 0) "
              "AS s, 18446744073709551616::numeric AS m FROM (SELECT 0::numeric AS h WHERE false");
    for (size_t k = 0; k < schema->table_count; k++) {
        const syncspec_table *t = &schema->tables[k];
        if (t->local_only) continue;
        failed |= sync_puts(&sql, " UNION ALL SELECT ('x' || substr(md5(") ||
                  sync_printf(&sql, "'%s'", t->name); /* names are [a-z0-9_] */
        for (size_t i = 0; i < t->column_count; i++)
            failed |= checksum_expr(&sql, "t", &t->columns[i]);
        failed |= sync_puts(&sql, "), 1, 16))::bit(64)::bigint::numeric FROM ") ||
                  sync_qualified(&sql, schema->pg_schema, t->name) ||
                  sync_puts(&sql, " AS t WHERE t.") || sync_ident(&sql, schema->owner_name) ||
                  sync_puts(&sql, " = $1");
    }
    failed |= sync_puts(&sql, ") AS x) AS y");
    if (failed) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    const char *values[1] = {user_id};
    PGresult *res = PQexecParams(conn, sql.data, 1, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_db_error(error, conn, res, "checksum");
    else if (!(*out = strdup(PQgetvalue(res, 0, 0))))
        rc = NOMEM(error);
    PQclear(res);
    return rc;
}

/*
 * Whether the client's checkpoint must be answered in full, as if it had none, read in the
 * pull's transaction so it agrees with the log read next:
 * - entries it may not have seen were pruned. An entry with xid < xmin(S) is visible in
 *   snapshot S (it committed before S was taken), so a client with xmin(S) > pruned_xid had
 *   already seen every pruned entry and needs none of them; any other client may have
 *   missed one (a deletion, say);
 * - it is ahead of the database (xmax(S) beyond the current one: a snapshot this database
 *   never gave, say from before a restore), so "changed since" would skip real changes;
 * - PostgreSQL refuses it ("10:5:", "0:0:"): `*refused` is then set too, and the error has
 *   aborted the transaction.
 */
static int checkpoint_full(bool *full, bool *refused, PGconn *conn, const syncspec_schema *schema,
                           const char *checkpoint, syncspec_sync_error *error) {
    syncspec_buffer sql = {0};
    *full = *refused = false;
    if (sync_puts(&sql, "SELECT pg_snapshot_xmax($1::pg_snapshot) > "
                        "pg_snapshot_xmax(pg_current_snapshot()) OR EXISTS (SELECT 1 FROM ") ||
        sync_qualified(&sql, schema->pg_schema, "syncspec_feed_horizon") ||
        sync_puts(&sql, " WHERE pg_snapshot_xmin($1::pg_snapshot) <= \"pruned_xid\")")) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    const char *values[1] = {checkpoint};
    PGresult *res = PQexecParams(conn, sql.data, 1, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&sql);
    int rc = 0;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQresultStatus(res) == PGRES_FATAL_ERROR && state && strncmp(state, "22", 2) == 0)
        *full = *refused = true;
    else if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_db_error(error, conn, res, "pull");
    else
        *full = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return rc;
}

/* Begins the pull's transaction and sets `*snapshot` (the caller frees it) to the snapshot it
 * reads in; on failure nothing is left open. */
static int begin_pull(char **snapshot, PGconn *conn, syncspec_sync_error *error) {
    PGresult *res = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_db_error(error, conn, res, "pull");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    /* The first statement fixes the transaction's snapshot: this is it. */
    res = PQexec(conn, "SELECT pg_current_snapshot()::text");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_db_error(error, conn, res, "pull");
    else if (!(*snapshot = strdup(PQgetvalue(res, 0, 0))))
        rc = NOMEM(error);
    PQclear(res);
    if (rc != 0) PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

int syncspec_server_changes(syncspec_server *server, char **response, PGconn *conn,
                            const char *user_id, const char *request, syncspec_sync_error *error) {
    *response = NULL;
    const syncspec_schema *schema = server->schema;
    json_error_t jerr;
    json_t *req = json_loads(request ? request : "", 0, &jerr);
    json_t *cp = json_object_get(req, "checkpoint");
    json_t *out = NULL, *tables = NULL;
    char *snapshot = NULL, *sum = NULL;
    PGresult *res = NULL;
    int rc = 0;
    if (!user_id || !*user_id || !json_is_object(req) ||
        !(json_is_null(cp) || json_is_string(cp))) {
        rc = sync_error(error, SYNCSPEC_SYNC_INVALID,
                        "pull: expected {\"checkpoint\": <checkpoint or null>} and a user");
        goto cleanup;
    }
    /* A checkpoint that is not one (a damaged store) is answered as none: a full resync, not
     * an error that every later pull would meet again. */
    const char *checkpoint = json_string_value(cp);
    if (checkpoint && !snapshot_text_ok(checkpoint)) checkpoint = NULL;
    if ((rc = begin_pull(&snapshot, conn, error)) != 0) goto cleanup;
    bool full = false, refused = false;
    if (checkpoint && (rc = checkpoint_full(&full, &refused, conn, schema, checkpoint, error)) != 0)
        goto rollback;
    if (refused) { /* its error aborted the transaction: begin again, without it */
        PQclear(PQexec(conn, "ROLLBACK"));
        free(snapshot);
        snapshot = NULL;
        if ((rc = begin_pull(&snapshot, conn, error)) != 0) goto cleanup;
    }
    if (full) checkpoint = NULL; /* a full answer: all the user's rows, "full": true */
    if (!(out = json_object()) || !(tables = json_object())) goto nomem;
    for (size_t k = 0; k < schema->table_count; k++) {
        const syncspec_table *t = &schema->tables[k];
        if (t->local_only) continue;
        if ((rc = table_changes(tables, conn, schema, t, user_id, checkpoint, error)) != 0)
            goto rollback;
    }
    if ((rc = user_checksum(&sum, conn, schema, user_id, error)) != 0) goto rollback;
    res = PQexec(conn, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_db_error(error, conn, res, "pull");
        goto cleanup;
    }
    json_object_set_new(out, "checkpoint", json_string(snapshot));
    json_object_set_new(out, "full", json_boolean(checkpoint == NULL));
    json_object_set_new(out, "checksum", json_string(sum));
    json_object_set(out, "tables", tables);
    if (!(*response = json_dumps(out, JSON_COMPACT))) rc = NOMEM(error);
    goto cleanup;
nomem:
    rc = NOMEM(error);
rollback:
    PQclear(res);
    res = PQexec(conn, "ROLLBACK");
cleanup:
    PQclear(res);
    json_decref(tables);
    json_decref(out);
    json_decref(req);
    free(snapshot);
    free(sum);
    return rc;
}

/* Deletes the old entries, raises the horizon to the highest xid deleted (never lowers it:
 * GREATEST, and an upsert so a lost horizon row comes back) and counts them, in one
 * statement, so one transaction: a pull sees either all of it or none of it. */
static int prune_sql(syncspec_buffer *sql, const syncspec_schema *schema) {
    return sync_puts(sql, "WITH \"gone\" AS (DELETE FROM ") ||
           sync_qualified(sql, schema->pg_schema, "syncspec_changes") ||
           sync_puts(sql, " WHERE \"written_at\" < now() - $1::interval RETURNING \"xid\"),"
                          " \"top\" AS (SELECT count(*) AS \"n\", (SELECT \"xid\" FROM \"gone\""
                          " ORDER BY \"xid\" DESC LIMIT 1) AS \"x\" FROM \"gone\"),"
                          " \"raised\" AS (INSERT INTO ") ||
           sync_qualified(sql, schema->pg_schema, "syncspec_feed_horizon") ||
           sync_puts(sql,
                     " AS \"h\" (\"one\", \"pruned_xid\") SELECT true, \"x\" FROM \"top\""
                     " WHERE \"x\" IS NOT NULL ON CONFLICT (\"one\") DO UPDATE SET"
                     " \"pruned_xid\" = GREATEST(\"h\".\"pruned_xid\", EXCLUDED.\"pruned_xid\"))"
                     " SELECT \"n\" FROM \"top\"");
}

/* `older_than` as PostgreSQL reads it, and positive: "-1 day" or "0" would prune the whole
 * log and send every client a full resync. The text is a parameter, never read as SQL. */
static int check_interval(PGconn *conn, const char *older_than, syncspec_sync_error *error) {
    if (!older_than || !*older_than)
        return sync_error(error, SYNCSPEC_SYNC_INVALID, "prune: expected an interval");
    const char *values[1] = {older_than};
    PGresult *res =
        PQexecParams(conn, "SELECT $1::interval > interval '0'", 1, NULL, values, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    int rc = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
            rc = sync_error(error, SYNCSPEC_SYNC_INVALID,
                            "prune: the interval must be positive (it would prune every entry)");
    } else if (state && strncmp(state, "22", 2) == 0) { /* data exception: not an interval */
        rc = sync_error(error, SYNCSPEC_SYNC_INVALID, "prune: %s", PQresultErrorMessage(res));
    } else {
        rc = pg_db_error(error, conn, res, "prune");
    }
    PQclear(res);
    return rc;
}

int syncspec_server_prune_changes(syncspec_server *server, PGconn *conn, const char *older_than,
                                  int64_t *pruned, syncspec_sync_error *error) {
    *pruned = 0;
    int rc = check_interval(conn, older_than, error);
    if (rc) return rc;
    syncspec_buffer sql = {0};
    if (prune_sql(&sql, server->schema)) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    const char *values[1] = {older_than};
    PGresult *res = PQexecParams(conn, sql.data, 1, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&sql);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        *pruned = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        rc = pg_db_error(error, conn, res, "prune");
    PQclear(res);
    return rc;
}
