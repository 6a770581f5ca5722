/*
 * Pruning the change log (syncspec_sync_prune_changes): entries the sequencer has turned
 * into ops are needed no more, and the horizon tells it when entries it had not read yet
 * were pruned, so that it reads every row again instead (protocol_oplog.c).
 */
#include <stdlib.h>
#include <string.h>

#include "server/protocol_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

/* Deletes the old entries, raises the horizon to the highest xid deleted (never lowers it:
 * GREATEST, and an upsert so a lost horizon row comes back) and counts them, in one
 * statement, so one transaction: the sequencer sees either all of it or none of it. */
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
 * log. The text is a parameter, never read as SQL. */
static int check_interval(PGconn *conn, const char *older_than, syncspec_error *error) {
    if (!older_than || !*older_than)
        return sync_error(error, SYNCSPEC_EINVALID, "prune: expected an interval");
    const char *values[1] = {older_than};
    PGresult *res =
        PQexecParams(conn, "SELECT $1::interval > interval '0'", 1, NULL, values, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    int rc = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
            rc = sync_error(error, SYNCSPEC_EINVALID,
                            "prune: the interval must be positive (it would prune every entry)");
    } else if (state && strncmp(state, "22", 2) == 0) { /* data exception: not an interval */
        rc = sync_error(error, SYNCSPEC_EINVALID, "prune: %s", PQresultErrorMessage(res));
    } else {
        rc = pg_db_error(error, conn, res, "prune");
    }
    PQclear(res);
    return rc;
}

int syncspec_sync_prune_changes(syncspec_server *server, PGconn *conn, const char *older_than,
                                int64_t *pruned, syncspec_error *error) {
    *pruned = 0;
    int rc = check_interval(conn, older_than, error);
    if (rc) return rc;
    syncspec_buffer sql = {0};
    if (prune_sql(&sql, server->schema)) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    rc = protocol_query_int64(conn, sql.data, older_than, pruned, "prune", error);
    syncspec_buffer_free(&sql);
    return rc;
}
