/*
 * The PowerSync sync protocol, served from PostgreSQL (docs/sync-protocol.md): what an
 * HTTP server mounts at POST /sync/stream and GET /write-checkpoint2.json so PowerSync
 * clients download their user's rows. HTTP-agnostic: the caller authenticates, reads the
 * body and writes the lines these calls produce. Needs the generated postgres.sql and
 * postgres_sync.sql installed.
 *
 * Data flows in three steps:
 *   1. every write to a synced table, from any writer, is logged in syncspec_changes by the
 *      triggers of postgres_sync.sql, which NOTIFY "syncspec_changes" on commit;
 *   2. the sequencer (syncspec_sync_sequence) turns the entries of newly committed
 *      transactions into PUT and REMOVE ops of the owners' buckets in syncspec_ops, keeps
 *      each bucket's checksum and count, and NOTIFYs "syncspec_ops";
 *   3. a stream (syncspec_sync_stream_next) sends a client a checkpoint and the ops it has
 *      not seen, from the bucket states alone (no scan of the user's rows).
 *
 * Buckets: with bucket_definitions, one per user, `<bucket>["<user id>"]`; with edition-3
 * streams, one per table and user, `<table>|0["<user id>"]`, as the PowerSync Service
 * names them for the generated sync rules.
 *
 * Threads and connections: a stream or request is used by one thread at a time; streams
 * only read the server's schema, so streams of one server may run on any threads. Each
 * call borrows an idle connection for its duration and leaves it idle.
 */
#ifndef SYNCSPEC_PROTOCOL_H
#define SYNCSPEC_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "syncspec/export.h"
#include "syncspec/server.h"

/* A parsed POST /sync/stream body. */
typedef struct syncspec_sync_request syncspec_sync_request;

/*
 * Parses `body` (`len` bytes): {"buckets": [{"name", "after": "<op id>"}], "client_id",
 * "streams": {"include_defaults"}, ...}; unknown keys are ignored. Sets *out (free with
 * syncspec_sync_request_free). Returns 0, SYNCSPEC_EINVALID for a malformed body
 * (the message says what is wrong: answer 400) or SYNCSPEC_ENOMEM.
 */
SYNCSPEC_API int syncspec_sync_request_parse(syncspec_sync_request **out, const char *body,
                                             size_t len, syncspec_error *error);
SYNCSPEC_API void syncspec_sync_request_free(syncspec_sync_request *request);
/* The request's client_id, "" when absent; owned by the request. */
SYNCSPEC_API const char *syncspec_sync_request_client_id(const syncspec_sync_request *request);

/*
 * Receives one line: a JSON object and "\n" (`len` bytes, not NUL-terminated; valid
 * during the call only). Returns 0, or a negative value when the client is gone, which
 * stops the call that wrote it.
 */
typedef int (*syncspec_line_writer)(void *context, const char *line, size_t len);

/* One client's download: its buckets, what it has and what it was last sent. */
typedef struct syncspec_sync_stream syncspec_sync_stream;

/*
 * A stream for `user_id` (the JWT sub) resuming from `request` (copied: free it when you
 * like). `server` must outlive the stream. Free with syncspec_sync_stream_free (NULL-safe).
 * Returns 0, SYNCSPEC_EINVALID for an empty user or SYNCSPEC_ENOMEM.
 */
SYNCSPEC_API int syncspec_sync_stream_new(syncspec_sync_stream **out, syncspec_server *server,
                                          const char *user_id, const syncspec_sync_request *request,
                                          syncspec_error *error);
SYNCSPEC_API void syncspec_sync_stream_free(syncspec_sync_stream *stream);

/*
 * Writes what the client needs next, all of it read in one REPEATABLE READ transaction on
 * `conn`: the first call writes a "checkpoint" (every bucket with its checksum and count,
 * the user's write checkpoint), the ops after the client's `after` in "data" lines of at
 * most 1,000 ops, and "checkpoint_complete"; a later call writes "checkpoint_diff", the
 * new ops and "checkpoint_complete" when a bucket or the write checkpoint moved, and
 * nothing when nothing did. Call it after each sequencer run (or NOTIFY "syncspec_ops").
 * Returns 1 when it wrote a checkpoint, 0 when nothing moved, SYNCSPEC_ERETRY on a
 * database error or when the writer refused a line (the client must reconnect: the
 * stream's state is unchanged but a partial checkpoint may have been written), or
 * SYNCSPEC_ENOMEM.
 */
SYNCSPEC_API int syncspec_sync_stream_next(syncspec_sync_stream *stream, PGconn *conn,
                                           syncspec_line_writer write, void *context,
                                           syncspec_error *error);

/*
 * Writes the keepalive line {"token_expires_in": N}, N the seconds the client's token has
 * left (send one about every 20 s). With N <= 0 the client reconnects with a new token:
 * write it, then end the response. Returns 0 or SYNCSPEC_ERETRY when the writer refused.
 */
SYNCSPEC_API int syncspec_sync_keepalive(int64_t expires_in, syncspec_line_writer write,
                                         void *context, syncspec_error *error);

/*
 * The sequencer: appends the ops of every transaction that committed since its last run
 * (a PUT of the row as it is now to its owner's bucket, or a REMOVE when the row is gone or
 * now has another owner) and updates the bucket states, in one transaction on `conn`. Runs
 * are serialized by an advisory lock, each committing before the next starts, so op ids
 * become visible in order. The first run logs a PUT of every existing row. Sets *last_op_id
 * (may be NULL) to the op log's end. Returns 0, or SYNCSPEC_ERETRY on a database error
 * (nothing is logged; run it again).
 */
SYNCSPEC_API int syncspec_sync_sequence(syncspec_server *server, PGconn *conn, int64_t *last_op_id,
                                        syncspec_error *error);

/*
 * GET /write-checkpoint2.json: sequences what is committed (the client's upload included),
 * then raises `user_id`'s write checkpoint and sets *write_checkpoint to it; answer
 * {"data":{"write_checkpoint":"<N>"}}. Every later checkpoint of the user carries at least
 * N and holds the upload's rows. `client_id` is accepted for the protocol and not needed.
 * Returns 0, SYNCSPEC_EINVALID for an empty user, or SYNCSPEC_ERETRY.
 */
SYNCSPEC_API int syncspec_sync_write_checkpoint(syncspec_server *server, PGconn *conn,
                                                const char *user_id, const char *client_id,
                                                int64_t *write_checkpoint, syncspec_error *error);

/*
 * Compacts the op log as the PowerSync Service does, in one transaction on `conn` (the
 * sequencer's lock held): an op superseded by a later op on the same row of its bucket
 * becomes a MOVE (its checksum kept, its data dropped), then each bucket's leading run of
 * MOVE, REMOVE and CLEAR ops becomes one CLEAR carrying their summed checksum. Bucket
 * checksums do not change, so every client stays valid; a client whose position is inside
 * a cleared run receives the CLEAR and the bucket's rows again. Call it from a periodic
 * job. Sets *removed (may be NULL) to the number of ops deleted. Returns 0 or
 * SYNCSPEC_ERETRY.
 */
SYNCSPEC_API int syncspec_sync_compact(syncspec_server *server, PGconn *conn, int64_t *removed,
                                       syncspec_error *error);

/*
 * The change log (syncspec_changes) grows with every write; this keeps it bounded. Call it
 * from a periodic job (daily, say) on `conn` (idle; one statement, so one transaction): it
 * deletes the log entries written more than `older_than` ago (a PostgreSQL interval, such
 * as "7 days", sent as a parameter) and raises the horizon (syncspec_feed_horizon) to the
 * highest transaction id it deleted. When that passes entries the sequencer had not read
 * yet, its next run reads every row and every row sent instead, so no change is lost and
 * every client stays valid. Sets *pruned to the number of entries deleted. Returns 0,
 * SYNCSPEC_EINVALID when `older_than` is not a positive interval, or
 * SYNCSPEC_ERETRY on a database error.
 */
SYNCSPEC_API int syncspec_sync_prune_changes(syncspec_server *server, PGconn *conn,
                                             const char *older_than, int64_t *pruned,
                                             syncspec_error *error);

/*
 * Waking up on commits: LISTEN on `conn`, a connection kept for this alone (its
 * notifications are read by syncspec_sync_wait), to "syncspec_changes" (a synced table was
 * written: run the sequencer) and "syncspec_ops" (the op log moved: call `next` on the
 * streams). Returns 0 or SYNCSPEC_ERETRY.
 */
SYNCSPEC_API int syncspec_sync_listen(PGconn *conn, syncspec_error *error);

/*
 * Waits at most `timeout_ms` for a notification on a connection made by
 * syncspec_sync_listen and consumes every one that arrived; those sent by this connection's
 * own session (a sequencer run on it) are not counted. Returns 1 when one did, 0 on
 * timeout, or SYNCSPEC_ERETRY when the connection failed (make a new one and listen
 * again; run the sequencer, since notifications may have been lost).
 */
SYNCSPEC_API int syncspec_sync_wait(PGconn *conn, int timeout_ms, syncspec_error *error);

#endif
