/*
 * The server side of libsyncspec (PostgreSQL through libpq): applies client uploads safely
 * and exactly once. Needs the generated postgres.sql and postgres_sync.sql installed.
 *
 * Each client transaction is applied in one database transaction, every op through the
 * sanitizer, with the owner taken from the authenticated user: a PUT is an upsert whose
 * conflict update is guarded by the owner (a PUT on another user's id is forbidden), PATCH
 * and DELETE are filtered by id and owner, a DELETE on a soft-delete table sets deleted_at
 * and updated_at. The transaction's op_id (with the client's id) is recorded in the same
 * database transaction, so a retried upload applies nothing twice. A transaction with an
 * invalid or forbidden op is applied not at all and stored whole, with its errors, in
 * syncspec_rejected_uploads. Statements are pipelined: one round trip per client transaction.
 *
 * This header is also the whole server side in one include, for libsyncspec-server
 * (pkg-config syncspec-server): the core (descriptors, values, rows, sanitizers), the
 * protocol (protocol.h); see the end of the file.
 */
#ifndef SYNCSPEC_SERVER_H
#define SYNCSPEC_SERVER_H

#include <stddef.h>

#include "syncspec/error.h"
#include "syncspec/export.h"
#include "syncspec/model.h"

typedef struct pg_conn PGconn;

typedef struct syncspec_server syncspec_server;

/*
 * A server for `schema` (generated descriptors or a loaded spec; it must outlive the
 * server). Not thread-safe: use one per thread, each with its own connections.
 */
SYNCSPEC_API int syncspec_server_new(syncspec_server **out, const syncspec_schema *schema,
                                     syncspec_error *error);
SYNCSPEC_API void syncspec_server_free(syncspec_server *server);

/*
 * Applies an upload body for `user_id` (the JWT sub) on `conn`, which must be idle. The body
 * is one of
 *   {"transactions": [{"op_id": "...", "ops": [{"op", "table", "id", "data"}...]}...]}
 *   {"batch": [op...]}   ops in PowerSync's CrudEntry.toJSON() shape, one transaction per
 *                        run of one "tx_id" (the tx_id is its op_id)
 * where an op may also name its table "type" (toJSON(); its "op_id", "tx_id", "old" and
 * "metadata" are ignored), with an optional top-level "client_id" naming the device
 * (PowerSync's db.getClientId(); "" or null name none). Sets *response (malloc'd) to
 *   {"transactions": [{"op_id", "status": "applied" | "duplicate" | "conflict" | "rejected"
 *                                         | "retry",
 *                      "errors": [{"op", "column", "code", "message"}]}]}
 * in the body's order. Op_ids are kept per user and client: "duplicate": this client's
 * op_id was applied or rejected before, with the same text (nothing is applied again);
 * "conflict": it was, with other text (nothing applies; the client must take a new client
 * id). Without a client id two devices cannot be told apart, so every transaction is
 * applied (PUT, PATCH and DELETE are safe to repeat) and never answered "duplicate" or
 * "conflict": send one. "retry": a database or connection error. After a "retry" or
 * "conflict" every later transaction is "retry" too, untouched. Returns 0 with a response,
 * SYNCSPEC_EINVALID for a body that is not an upload (nothing applied, *response names
 * the problem), or SYNCSPEC_ENOMEM.
 */
SYNCSPEC_API int syncspec_server_upload(syncspec_server *server, char **response, PGconn *conn,
                                        const char *user_id, const char *body,
                                        syncspec_error *error);

/* The rest of the server side: last, as protocol.h needs syncspec_server. */
#include "syncspec/json.h"
#include "syncspec/protocol.h"
#include "syncspec/row.h"
#include "syncspec/sanitize.h"
#include "syncspec/value.h"

#endif
