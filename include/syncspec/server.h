/*
 * The server side of libsyncspec (PostgreSQL through libpq): applies client uploads safely
 * and exactly once. Needs the generated postgres.sql and postgres_sync.sql installed.
 *
 * Each client transaction is applied in one database transaction, every op through the
 * sanitizer, with the owner taken from the authenticated user: a PUT is an upsert whose
 * conflict update is guarded by the owner (a PUT on another user's id is forbidden), PATCH
 * and DELETE are filtered by id and owner, a DELETE on a soft-delete table sets deleted_at
 * and updated_at. The transaction's op_id is recorded in the same database transaction, so
 * a retried upload applies nothing twice. A transaction with an invalid or forbidden op is
 * applied not at all and stored whole, with its errors, in syncspec_rejected_uploads.
 * Statements are pipelined: one round trip per client transaction.
 */
#ifndef SYNCSPEC_SERVER_H
#define SYNCSPEC_SERVER_H

#include <stddef.h>

#include "syncspec/model.h"
#include "syncspec/store.h"

typedef struct pg_conn PGconn;

typedef struct syncspec_server syncspec_server;

/*
 * A server for `schema` (generated descriptors or a loaded spec; it must outlive the
 * server). Not thread-safe: use one per thread, each with its own connections.
 */
int syncspec_server_new(syncspec_server **out, const syncspec_schema *schema,
                        syncspec_sync_error *error);
void syncspec_server_free(syncspec_server *server);

/*
 * Applies an upload body for `user_id` (the JWT sub) on `conn`, which must be idle, and
 * sets *response (malloc'd) to
 *   {"transactions": [{"op_id", "status": "applied" | "duplicate" | "conflict" | "rejected"
 *                                         | "retry",
 *                      "errors": [{"op", "column", "code", "message"}]}]}
 * in the body's order. "duplicate": this user's op_id was applied or rejected before, with
 * the same text (nothing is applied again); "conflict": it was, with other text (nothing
 * applies; the client must rename the transaction); "retry": a database or connection
 * error. After a "retry" or "conflict" every later transaction is "retry" too, untouched. Returns 0 with a response, SYNCSPEC_SYNC_INVALID
 * for a body that is not an upload (nothing applied, *response names the problem), or
 * SYNCSPEC_SYNC_NOMEM.
 */
int syncspec_server_upload(syncspec_server *server, char **response, PGconn *conn,
                           const char *user_id, const char *body, syncspec_sync_error *error);

#endif
