/*
 * The change feed (the embedded default, for one PostgreSQL): every committed change to a
 * synced table, from any writer, is logged by the triggers of postgres_sync.sql with the
 * id of the transaction that made it. A client sends its checkpoint, the PostgreSQL
 * snapshot it last read at, and receives the current state of every row of its user that
 * a transaction invisible to that snapshot touched: rows, deletions (rows gone or now owned
 * by someone else), the new checkpoint and a checksum of all the user's rows. Because the
 * checkpoint is a snapshot, not a counter, a transaction that took its log entries early
 * and committed late is still delivered on the next pull.
 *
 * Response: {"checkpoint": "<snapshot>", "full": bool, "checksum": "<decimal>",
 *            "tables": {"<table>": {"columns": [...], "deleted": [ids], "rows": [[...]]}}}
 * "full" means the client must drop its synced rows first (no or unusable checkpoint).
 * Keys come in this order, so a client applies a part as it reads it; a client reads them
 * in any order.
 */
#ifndef SYNCSPEC_FEED_H
#define SYNCSPEC_FEED_H

#include "syncspec/server.h"

/*
 * Answers a pull request ({"checkpoint": "..." | null}) for `user_id` on `conn` (idle;
 * one REPEATABLE READ transaction). Sets *response (malloc'd). Returns 0,
 * SYNCSPEC_SYNC_INVALID for a malformed request, or SYNCSPEC_SYNC_RETRY on a database
 * error.
 */
int syncspec_server_changes(syncspec_server *server, char **response, PGconn *conn,
                            const char *user_id, const char *request, syncspec_sync_error *error);

#endif
