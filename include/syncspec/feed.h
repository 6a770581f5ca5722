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
 * "full" means the client must drop its synced rows first (no checkpoint, or one older
 * than entries pruned from the log: see syncspec_server_prune_changes).
 * Keys come in this order, so a client applies a part as it reads it; a client reads them
 * in any order.
 */
#ifndef SYNCSPEC_FEED_H
#define SYNCSPEC_FEED_H

#include <stdint.h>

#include "syncspec/export.h"
#include "syncspec/server.h"

/*
 * Answers a pull request ({"checkpoint": "..." | null}) for `user_id` on `conn` (idle;
 * one REPEATABLE READ transaction). Sets *response (malloc'd). Returns 0,
 * SYNCSPEC_SYNC_INVALID for a malformed request, or SYNCSPEC_SYNC_RETRY on a database
 * error.
 */
SYNCSPEC_API int syncspec_server_changes(syncspec_server *server, char **response, PGconn *conn,
                                         const char *user_id, const char *request,
                                         syncspec_sync_error *error);

/*
 * The change log grows with every write; this keeps it bounded. Call it from a periodic job
 * (daily, say) on `conn` (idle; one statement, so one transaction): it deletes the log
 * entries written more than `older_than` ago (a PostgreSQL interval, such as "7 days",
 * sent as a parameter) and raises the feed's horizon (syncspec_feed_horizon) to the
 * highest transaction id it deleted. A client whose checkpoint is older than what was
 * pruned (one that has not pulled within about `older_than`) then gets a full resync: all
 * its user's rows with "full": true, which it applies like a first pull; every other
 * client keeps its incremental pulls. Sets *pruned to the number of entries deleted.
 * Returns 0, SYNCSPEC_SYNC_INVALID when `older_than` is not a positive interval, or
 * SYNCSPEC_SYNC_RETRY on a database error.
 */
SYNCSPEC_API int syncspec_server_prune_changes(syncspec_server *server, PGconn *conn,
                                               const char *older_than, int64_t *pruned,
                                               syncspec_sync_error *error);

#endif
