/*
 * The op log's writers: the sequencer, write checkpoints and compaction. Each is a few
 * statements built from the schema, so rows, row data and checksums never travel through
 * this process: PostgreSQL reads the changed rows, writes their JSON and hashes it.
 */
#include <stdlib.h>
#include <string.h>

#include "server/protocol_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

/* Held by the sequencer and compaction (per database): one writer of the op log at a time. */
#define OPLOG_LOCK "7306894628771066880"

size_t protocol_bucket_count(const syncspec_schema *schema) {
    if (schema->sync_format != SYNCSPEC_SYNC_STREAMS) return 1;
    size_t n = 0;
    for (size_t i = 0; i < schema->table_count; i++) n += !schema->tables[i].local_only;
    return n;
}

const syncspec_table *protocol_bucket_table(const syncspec_schema *schema, size_t index) {
    if (schema->sync_format != SYNCSPEC_SYNC_STREAMS) return NULL;
    for (size_t i = 0; i < schema->table_count; i++) {
        if (schema->tables[i].local_only) continue;
        if (index-- == 0) return &schema->tables[i];
    }
    return NULL;
}

/* 'text' as an SQL literal (quotes doubled). */
static int sql_literal(syncspec_buffer *b, const char *text) {
    if (sync_puts(b, "'")) return -1;
    for (const char *p = text; *p; p++)
        if (syncspec_buffer_append(b, p, 1) || (*p == '\'' && syncspec_buffer_append(b, p, 1)))
            return -1;
    return sync_puts(b, "'");
}

int protocol_bucket_sql(syncspec_buffer *b, const syncspec_schema *schema, size_t index,
                        const char *owner) {
    const syncspec_table *t = protocol_bucket_table(schema, index);
    /* A stream's bucket: the stream, then "|0", its only way of choosing rows. */
    int rc = t ? sync_puts(b, "(") || sql_literal(b, t->name) || sync_puts(b, " || '|0'")
               : sync_puts(b, "(") || sql_literal(b, schema->bucket);
    return rc || sync_printf(b, " || to_json(ARRAY[(%s)::text])::text)", owner);
}

int protocol_exec(PGconn *conn, const char *sql, const char *what, syncspec_error *error) {
    PGresult *res = PQexec(conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
                 ? 0
                 : pg_db_error(error, conn, res, what);
    PQclear(res);
    return rc;
}

int protocol_query_int64(PGconn *conn, const char *sql, const char *param, int64_t *out,
                         const char *what, syncspec_error *error) {
    PGresult *res =
        param ? PQexecParams(conn, sql, 1, NULL, &param, NULL, NULL, 0) : PQexec(conn, sql);
    int rc = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        rc = pg_db_error(error, conn, res, what);
    PQclear(res);
    return rc;
}

/* ---- the row as the PowerSync Service sends it ---- */

/*
 * The JSON value of column `c` of the row `t`, as SQL text (never NULL): text as a string,
 * booleans 1/0, integers and reals as numbers, json as its text in a string, timestamps in
 * UTC as the service writes them: "2025-09-22 14:29:30.12Z" for bucket_definitions (no
 * edition config; needs DateStyle ISO), ISO 8601 with microseconds for edition 3.
 */
static int column_json(syncspec_buffer *b, const syncspec_schema *schema,
                       const syncspec_column *c) {
    syncspec_buffer col = {0};
    int rc = sync_puts(&col, "t.") || sync_ident(&col, c->name);
    if (rc == 0) {
        const char *v = col.data;
        switch (c->type) {
        case SYNCSPEC_TYPE_BOOLEAN:
            rc = sync_printf(b, "CASE WHEN %s THEN '1' WHEN NOT %s THEN '0' ELSE 'null' END", v, v);
            break;
        case SYNCSPEC_TYPE_INTEGER:
        case SYNCSPEC_TYPE_REAL:
            rc = sync_printf(b, "coalesce(to_json(%s)::text, 'null')", v);
            break;
        case SYNCSPEC_TYPE_TIMESTAMP:
            rc = schema->sync_format == SYNCSPEC_SYNC_STREAMS
                     ? sync_printf(b,
                                   "coalesce(to_json(to_char(%s AT TIME ZONE 'UTC', "
                                   "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text, 'null')",
                                   v)
                     : sync_printf(b,
                                   "coalesce(to_json((%s AT TIME ZONE 'UTC')::text || 'Z')::text,"
                                   " 'null')",
                                   v);
            break;
        default: /* text, id, json (its text) */
            rc = sync_printf(b, "coalesce(to_json(%s::text)::text, 'null')", v);
        }
    }
    syncspec_buffer_free(&col);
    return rc;
}

/* The row `t` as compact JSON text, its columns in the sync rules' order. */
static int row_json(syncspec_buffer *b, const syncspec_schema *schema, const syncspec_table *t) {
    int rc = sync_puts(b, "'{'");
    for (size_t i = 0; rc == 0 && i < t->column_count; i++)
        rc = sync_printf(b, " || '%s\"%s\":' || ", i ? "," : "", t->columns[i].name) ||
             column_json(b, schema, &t->columns[i]); /* names are [a-z0-9_] */
    return rc || sync_puts(b, " || '}'");
}

/* The bucket of the row of table `t` whose owner the SQL expression `owner` yields. */
static int table_bucket_sql(syncspec_buffer *b, const syncspec_schema *schema,
                            const syncspec_table *t, const char *owner) {
    size_t index = 0;
    if (schema->sync_format == SYNCSPEC_SYNC_STREAMS)
        for (const syncspec_table *x = schema->tables; x < t; x++) index += !x->local_only;
    return protocol_bucket_sql(b, schema, index, owner);
}

/* ---- the sequencer ---- */

/*
 * One statement, so one snapshot for the log, the rows and the state it writes. $1 is the
 * snapshot of the last run (NULL before the first), $2 the last op id, $3 this run's
 * snapshot, $4 whether to read everything. "changed": each row and owner that a
 * transaction invisible to $1 logged; or, reading everything (the first run, or entries
 * the last run had not read were pruned from the log), every row and every row its owner
 * was sent. "rows": the row as it is now if it is still that owner's, else NULL (a
 * REMOVE); then op ids, checksums (the first 4 bytes of the SHA-256 of
 * "put.<type>.<id>.<data>" or "delete.<type>.<id>", little endian), the ops, the bucket
 * states and the sequencer's state.
 */
static int sequence_sql(syncspec_buffer *b, const syncspec_schema *schema) {
    const char *ps = schema->pg_schema;
    bool failed = sync_puts(b, "WITH \"changed\" AS (SELECT DISTINCT * FROM (SELECT"
                               " \"table_name\", \"row_id\", \"owner_id\" FROM ") ||
                  sync_qualified(b, ps, "syncspec_changes") ||
                  sync_puts(b, " WHERE NOT $4::boolean"
                               " AND \"xid\" >= pg_snapshot_xmin($1::pg_snapshot)"
                               " AND NOT pg_visible_in_snapshot(\"xid\", $1::pg_snapshot)"
                               /* the owner is the bucket's parameter: after its first '[' */
                               " UNION ALL SELECT \"object_type\", \"object_id\","
                               " substr(\"bucket\", strpos(\"bucket\", '['))::json ->> 0 FROM ") ||
                  sync_qualified(b, ps, "syncspec_ops") ||
                  sync_puts(b, " WHERE $4::boolean AND \"op\" = 'PUT'");
    for (size_t k = 0; k < schema->table_count; k++) {
        const syncspec_table *t = &schema->tables[k];
        if (t->local_only) continue;
        failed |= sync_puts(b, " UNION ALL SELECT ") || sql_literal(b, t->name) ||
                  sync_puts(b, ", t.\"id\", t.") || sync_ident(b, schema->owner_name) ||
                  sync_puts(b, " FROM ") || sync_qualified(b, ps, t->name) ||
                  sync_puts(b, " AS t WHERE $4::boolean");
    }
    failed |= sync_puts(b, ") AS x)");
    failed |= sync_puts(b, ", \"rows\" AS (SELECT NULL::text AS \"object_type\", NULL::text AS"
                           " \"object_id\", NULL::text AS \"bucket\", NULL::text AS \"data\""
                           " WHERE false");
    for (size_t k = 0; k < schema->table_count; k++) {
        const syncspec_table *t = &schema->tables[k];
        if (t->local_only) continue;
        failed |= sync_puts(b, " UNION ALL SELECT c.\"table_name\", c.\"row_id\", ") ||
                  table_bucket_sql(b, schema, t, "c.\"owner_id\"") ||
                  sync_puts(b, ", CASE WHEN t.\"id\" IS NULL THEN NULL ELSE ") ||
                  row_json(b, schema, t) || sync_puts(b, " END FROM \"changed\" AS c LEFT JOIN ") ||
                  sync_qualified(b, ps, t->name) ||
                  sync_puts(b, " AS t ON t.\"id\" = c.\"row_id\" AND t.") ||
                  sync_ident(b, schema->owner_name) ||
                  sync_puts(b, " = c.\"owner_id\" WHERE c.\"table_name\" = ") ||
                  sql_literal(b, t->name);
    }
    failed |=
        sync_puts(
            b, "), \"numbered\" AS (SELECT $2::bigint + row_number() OVER (ORDER BY r.\"bucket\","
               " r.\"object_type\", r.\"object_id\") AS \"op_id\", r.*, (SELECT get_byte(h, 0)"
               "::bigint + (get_byte(h, 1)::bigint << 8) + (get_byte(h, 2)::bigint << 16)"
               " + (get_byte(h, 3)::bigint << 24) FROM sha256(convert_to(CASE WHEN r.\"data\""
               " IS NULL THEN 'delete.' || r.\"object_type\" || '.' || r.\"object_id\" ELSE"
               " 'put.' || r.\"object_type\" || '.' || r.\"object_id\" || '.' || r.\"data\""
               " END, 'UTF8')) AS h) AS \"checksum\" FROM \"rows\" AS r), \"ops\" AS"
               " (INSERT INTO ") ||
        sync_qualified(b, ps, "syncspec_ops") ||
        sync_puts(b, " (\"op_id\", \"bucket\", \"op\", \"object_type\", \"object_id\","
                     " \"checksum\", \"line\") SELECT \"op_id\", \"bucket\", CASE WHEN \"data\" IS"
                     " NULL THEN 'REMOVE' ELSE 'PUT' END, \"object_type\", \"object_id\","
                     " \"checksum\", '{\"op_id\":\"' || \"op_id\" || '\",\"op\":\"' || CASE WHEN"
                     " \"data\" IS NULL THEN 'REMOVE' ELSE 'PUT' END || '\",\"object_type\":' ||"
                     " to_json(\"object_type\")::text || ',\"object_id\":' ||"
                     " to_json(\"object_id\")::text || ',\"checksum\":' || \"checksum\" || CASE"
                     " WHEN \"data\" IS NULL THEN '}' ELSE ',\"subkey\":null,\"data\":' ||"
                     " to_json(\"data\")::text || '}' END"
                     " FROM \"numbered\"), \"sums\" AS (INSERT INTO ") ||
        sync_qualified(b, ps, "syncspec_buckets") ||
        sync_puts(b, " AS k (\"bucket\", \"checksum\", \"count\", \"last_op_id\") SELECT"
                     " \"bucket\", (sum(\"checksum\") % 4294967296)::bigint, count(*),"
                     " max(\"op_id\") FROM \"numbered\" GROUP BY \"bucket\" ON CONFLICT"
                     " (\"bucket\") DO UPDATE SET \"checksum\" = (k.\"checksum\" +"
                     " EXCLUDED.\"checksum\") % 4294967296, \"count\" = k.\"count\" +"
                     " EXCLUDED.\"count\", \"last_op_id\" = EXCLUDED.\"last_op_id\") UPDATE ") ||
        sync_qualified(b, ps, "syncspec_sequencer") ||
        sync_puts(b, " SET \"snapshot\" = $3, \"last_op_id\" = $2::bigint + (SELECT count(*)"
                     " FROM \"numbered\") RETURNING \"last_op_id\", (SELECT count(*) FROM"
                     " \"numbered\")");
    return failed ? -1 : 0;
}

/*
 * The sequencer's state, read by the transaction's first statement (which fixes its
 * snapshot, after the lock was taken), with the DateStyle the row text needs, and whether
 * to read everything: on the first run, or when the change log was pruned past an entry
 * the last run could not see yet (its xid is at or above that run's xmin).
 */
static int read_state(PGconn *conn, const syncspec_schema *schema, char **last_snapshot,
                      char **last_op_id, char **snapshot, bool *full, syncspec_error *error) {
    syncspec_buffer sql = {0};
    if (sync_puts(&sql, "SELECT set_config('DateStyle', 'ISO, YMD', true), s.\"snapshot\","
                        " s.\"last_op_id\"::text, pg_current_snapshot()::text, s.\"snapshot\""
                        " IS NULL OR EXISTS (SELECT FROM ") ||
        sync_qualified(&sql, schema->pg_schema, "syncspec_feed_horizon") ||
        sync_puts(&sql, " AS h WHERE h.\"pruned_xid\" >= pg_snapshot_xmin(s.\"snapshot\""
                        "::pg_snapshot)) FROM ") ||
        sync_qualified(&sql, schema->pg_schema, "syncspec_sequencer") || sync_puts(&sql, " AS s")) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    PGresult *res = PQexec(conn, sql.data);
    syncspec_buffer_free(&sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_db_error(error, conn, res, "sequencer");
    } else if (PQntuples(res) != 1) {
        rc = sync_error(error, SYNCSPEC_ERETRY,
                        "sequencer: syncspec_sequencer has no row (run postgres_sync.sql)");
    } else {
        *last_snapshot = PQgetisnull(res, 0, 1) ? NULL : strdup(PQgetvalue(res, 0, 1));
        *last_op_id = strdup(PQgetvalue(res, 0, 2));
        *snapshot = strdup(PQgetvalue(res, 0, 3));
        *full = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
        if ((!*last_snapshot && !PQgetisnull(res, 0, 1)) || !*last_op_id || !*snapshot)
            rc = NOMEM(error);
    }
    PQclear(res);
    return rc;
}

/* One run, in the transaction the caller opened. */
static int sequence_in_transaction(PGconn *conn, const syncspec_schema *schema, int64_t *last_op_id,
                                   syncspec_error *error) {
    char *last_snapshot = NULL, *last = NULL, *snapshot = NULL;
    syncspec_buffer sql = {0};
    PGresult *res = NULL;
    bool full = false;
    int rc = read_state(conn, schema, &last_snapshot, &last, &snapshot, &full, error);
    if (rc) goto cleanup;
    if (sequence_sql(&sql, schema)) {
        rc = NOMEM(error);
        goto cleanup;
    }
    const char *values[4] = {last_snapshot, last, snapshot, full ? "true" : "false"};
    res = PQexecParams(conn, sql.data, 4, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        rc = pg_db_error(error, conn, res, "sequencer");
        goto cleanup;
    }
    *last_op_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    bool logged = strcmp(PQgetvalue(res, 0, 1), "0") != 0;
    /* Delivered on commit: streams in other processes wake up. */
    if (logged)
        rc = protocol_exec(conn, "SELECT pg_notify('syncspec_ops', '')", "sequencer", error);
cleanup:
    PQclear(res);
    syncspec_buffer_free(&sql);
    free(last_snapshot);
    free(last);
    free(snapshot);
    return rc;
}

/*
 * Runs `body` in a transaction at `isolation` while holding the op log's lock, which is
 * released only after COMMIT (or ROLLBACK): the next writer's snapshot sees this one's ops.
 */
typedef int (*locked_body)(PGconn *conn, const syncspec_schema *schema, int64_t *out,
                           syncspec_error *error);

static int run_locked(PGconn *conn, const syncspec_schema *schema, const char *isolation,
                      locked_body body, int64_t *out, const char *what, syncspec_error *error) {
    char begin[96];
    snprintf(begin, sizeof begin, "BEGIN ISOLATION LEVEL %s", isolation);
    int rc = protocol_exec(conn, "SELECT pg_advisory_lock(" OPLOG_LOCK ")", what, error);
    if (rc) return rc;
    rc = protocol_exec(conn, begin, what, error);
    if (rc == 0) {
        rc = body(conn, schema, out, error);
        if (rc == 0)
            rc = protocol_exec(conn, "COMMIT", what, error);
        else
            protocol_exec(conn, "ROLLBACK", what, NULL);
    }
    protocol_exec(conn, "SELECT pg_advisory_unlock(" OPLOG_LOCK ")", what, NULL);
    return rc;
}

int syncspec_sync_sequence(syncspec_server *server, PGconn *conn, int64_t *last_op_id,
                           syncspec_error *error) {
    int64_t last = 0;
    int rc = run_locked(conn, server->schema, "REPEATABLE READ", sequence_in_transaction, &last,
                        "sequencer", error);
    if (last_op_id) *last_op_id = rc == 0 ? last : 0;
    return rc;
}

int syncspec_sync_write_checkpoint(syncspec_server *server, PGconn *conn, const char *user_id,
                                   const char *client_id, int64_t *write_checkpoint,
                                   syncspec_error *error) {
    (void)client_id; /* one counter per user serves all of the user's clients */
    *write_checkpoint = 0;
    if (!user_id || !*user_id)
        return sync_error(error, SYNCSPEC_EINVALID, "write checkpoint: no user");
    int rc = syncspec_sync_sequence(server, conn, NULL, error);
    if (rc) return rc;
    syncspec_buffer sql = {0};
    if (sync_puts(&sql, "WITH \"w\" AS (INSERT INTO ") ||
        sync_qualified(&sql, server->schema->pg_schema, "syncspec_write_checkpoints") ||
        sync_puts(&sql, " AS w (\"user_id\", \"write_checkpoint\") VALUES ($1, 1) ON CONFLICT"
                        " (\"user_id\") DO UPDATE SET \"write_checkpoint\" ="
                        " w.\"write_checkpoint\" + 1 RETURNING \"write_checkpoint\")"
                        " SELECT \"write_checkpoint\", pg_notify('syncspec_ops', '') FROM \"w\"")) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    rc = protocol_query_int64(conn, sql.data, user_id, write_checkpoint, "write checkpoint", error);
    syncspec_buffer_free(&sql);
    return rc;
}

/* ---- compaction ---- */

/* Every op with a later op on the same row of its bucket becomes a MOVE. */
static int supersede_sql(syncspec_buffer *b, const char *ps) {
    return sync_puts(b, "UPDATE ") || sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(
               b,
               " AS o SET \"op\" = 'MOVE', \"object_type\" = NULL, \"object_id\" = NULL,"
               " \"line\" = '{\"op_id\":\"' || o.\"op_id\" || '\",\"op\":\"MOVE\",\"checksum\":'"
               " || o.\"checksum\" || '}' FROM (SELECT \"op_id\", lead(\"op_id\") OVER (PARTITION"
               " BY \"bucket\", \"object_type\", \"object_id\" ORDER BY \"op_id\") AS"
               " \"next\" FROM ") ||
           sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(b, " WHERE \"op\" IN ('PUT', 'REMOVE')) AS n WHERE o.\"op_id\" = n.\"op_id\""
                        " AND n.\"next\" IS NOT NULL");
}

/*
 * Each bucket's ops before its first PUT (all of them when it has none) become one CLEAR:
 * the last of them, carrying their summed checksum; the others are deleted. A run that is
 * already one CLEAR stays. Then the bucket counts. Returns the number of ops deleted.
 */
static int clear_sql(syncspec_buffer *b, const char *ps) {
    return sync_puts(b, "WITH \"runs\" AS (SELECT o.\"bucket\", max(o.\"op_id\") AS \"op_id\","
                        " (sum(o.\"checksum\") % 4294967296)::bigint AS \"checksum\", count(*) AS"
                        " \"n\", bool_and(o.\"op\" = 'CLEAR') AS \"cleared\" FROM ") ||
           sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(b, " AS o WHERE o.\"op\" <> 'PUT' AND NOT EXISTS (SELECT FROM ") ||
           sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(b, " AS p WHERE p.\"bucket\" = o.\"bucket\" AND p.\"op\" = 'PUT' AND"
                        " p.\"op_id\" < o.\"op_id\") GROUP BY o.\"bucket\"), \"todo\" AS (SELECT *"
                        " FROM \"runs\" WHERE \"n\" > 1 OR NOT \"cleared\"), \"cleared\" AS"
                        " (UPDATE ") ||
           sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(b,
                     " AS o SET \"op\" = 'CLEAR', \"object_type\" = NULL, \"object_id\" = NULL,"
                     " \"checksum\" = r.\"checksum\", \"line\" = '{\"op_id\":\"' || o.\"op_id\" ||"
                     " '\",\"op\":\"CLEAR\",\"checksum\":' || r.\"checksum\" || '}' FROM \"todo\" "
                     "AS r WHERE"
                     " o.\"op_id\" = r.\"op_id\"), \"gone\" AS (DELETE FROM ") ||
           sync_qualified(b, ps, "syncspec_ops") ||
           sync_puts(b, " AS o USING \"todo\" AS r WHERE o.\"bucket\" = r.\"bucket\" AND"
                        " o.\"op_id\" < r.\"op_id\" RETURNING o.\"bucket\"), \"counted\" AS"
                        " (UPDATE ") ||
           sync_qualified(b, ps, "syncspec_buckets") ||
           sync_puts(b, " AS k SET \"count\" = k.\"count\" - g.\"n\" FROM (SELECT \"bucket\","
                        " count(*) AS \"n\" FROM \"gone\" GROUP BY \"bucket\") AS g WHERE"
                        " k.\"bucket\" = g.\"bucket\") SELECT count(*) FROM \"gone\"");
}

static int compact_in_transaction(PGconn *conn, const syncspec_schema *schema, int64_t *removed,
                                  syncspec_error *error) {
    syncspec_buffer sql = {0};
    if (supersede_sql(&sql, schema->pg_schema)) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    int rc = protocol_exec(conn, sql.data, "compact", error);
    syncspec_buffer_free(&sql);
    if (rc) return rc;
    if (clear_sql(&sql, schema->pg_schema)) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    rc = protocol_query_int64(conn, sql.data, NULL, removed, "compact", error);
    syncspec_buffer_free(&sql);
    /* Streams send the new counts (and a CLEAR to clients inside a cleared run). */
    return rc ? rc : protocol_exec(conn, "SELECT pg_notify('syncspec_ops', '')", "compact", error);
}

int syncspec_sync_compact(syncspec_server *server, PGconn *conn, int64_t *removed,
                          syncspec_error *error) {
    int64_t n = 0;
    int rc = run_locked(conn, server->schema, "READ COMMITTED", compact_in_transaction, &n,
                        "compact", error);
    if (removed) *removed = rc == 0 ? n : 0;
    return rc;
}
