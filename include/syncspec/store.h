/*
 * The client store of libsyncspec (SQLite): a database created from the generated schema
 * (sqlite.sql) and change capture (sqlite_sync.sql), where every write to a synced table,
 * typed or plain SQL, is queued in PowerSync's ps_crud shape, grouped by local transaction;
 * upload batches built from that queue; server changes applied only when no local write is
 * pending and verified by checksum (download.h); and the account switch.
 *
 * Errors: functions return 0 or a negative SYNCSPEC_E* code, and fill the caller's
 * syncspec_error (may be NULL) with a message.
 */
#ifndef SYNCSPEC_STORE_H
#define SYNCSPEC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncspec/error.h"
#include "syncspec/export.h"
#include "syncspec/model.h"

typedef struct sqlite3 sqlite3;

/*
 * The app's connection to its server (syncspec_http_transport of http.h is a ready one on
 * libcurl). The user is the one the transport authenticates as.
 *   upload: POST the body ({"client_id", "transactions": [...]}) to the app's upload
 *           endpoint and set *response to a malloc'd NUL-terminated reply, as
 *           syncspec_server_upload writes it (the store frees it), returning 0; or return
 *           a negative value when no answer came (the store then keeps everything and
 *           reports SYNCSPEC_ERETRY).
 *   stream: POST /sync/stream with `body` (the PowerSync protocol, download.h), passing
 *           the response's bytes as they arrive to `receive` until it returns non-zero
 *           (then close the response) or the response ends; returns 0, or a negative
 *           value when no 2xx answer came.
 *   write_checkpoint: GET /write-checkpoint2.json?client_id=<client_id>, the reply as
 *           `upload`'s (may be NULL: an upload's rows may then show their old state for a
 *           moment after it).
 */
typedef struct syncspec_transport {
    int (*upload)(void *context, char **response, const char *body);
    void *context;
    int (*stream)(void *context, const char *body,
                  int (*receive)(void *receive_context, const char *bytes, size_t len),
                  void *receive_context);
    int (*write_checkpoint)(void *context, char **response, const char *client_id);
} syncspec_transport;

typedef struct syncspec_store syncspec_store;

/*
 * Opens or creates the database at `path` and runs `schema_sql` (generated sqlite.sql) and
 * `capture_sql` (generated sqlite_sync.sql); both are idempotent. `schema` must describe
 * the same spec and outlive the store. A device id is created on first open and kept.
 * Free with syncspec_store_free (NULL-safe).
 */
SYNCSPEC_API int syncspec_store_open(syncspec_store **out, const char *path,
                                     const syncspec_schema *schema, const char *schema_sql,
                                     const char *capture_sql, syncspec_error *error);
SYNCSPEC_API void syncspec_store_free(syncspec_store *store);

/*
 * The store's connection, for plain SQL reads and writes (captured like typed ones).
 * Borrowed: valid until syncspec_store_free. Do not replace its commit or rollback hooks.
 */
SYNCSPEC_API sqlite3 *syncspec_store_db(syncspec_store *store);

/*
 * Adds the SQL functions the capture triggers call to another connection to the same file
 * (never the store's own), so it can write synced tables too. Returns an SQLite result code.
 */
SYNCSPEC_API int syncspec_store_register_functions(sqlite3 *db);

/* Borrowed strings, valid until the store is freed or the user changes; user is NULL before
 * the first sign-in. */
SYNCSPEC_API const char *syncspec_store_device_id(const syncspec_store *store);
SYNCSPEC_API const char *syncspec_store_user_id(const syncspec_store *store);

/*
 * Signs in. The first user keeps what was written before sign-in; a different user than the
 * last one clears every synced table, the queue and the checkpoint, and keeps local-only
 * tables. The same user again changes nothing.
 */
SYNCSPEC_API int syncspec_store_set_user(syncspec_store *store, const char *user_id,
                                         syncspec_error *error);

/* A write transaction on the store's connection: every write inside is one queued
 * transaction (one op_id). BEGIN IMMEDIATE, so it never fails half way for a lock. */
SYNCSPEC_API int syncspec_store_begin(syncspec_store *store, syncspec_error *error);
SYNCSPEC_API int syncspec_store_commit(syncspec_store *store, syncspec_error *error);
SYNCSPEC_API int syncspec_store_rollback(syncspec_store *store, syncspec_error *error);

/*
 * Typed writes with rows laid out as the table's row struct (generated code, or
 * syncspec_schema_layout of row.h for a loaded spec). put inserts the row, or sets every
 * column of the row with its id to the given values (absent columns take their default, or null;
 * updated_at defaults to now, and so does created_at of a new row), which is captured as a
 * PATCH of what changed; on an insert-only table an existing id is an error; patch
 * changes the set and null columns of an existing row (updated_at to now unless given);
 * delete removes the row. Outside a transaction each is its own transaction.
 */
SYNCSPEC_API int syncspec_store_put(syncspec_store *store, const syncspec_table *table,
                                    const void *row, syncspec_error *error);
SYNCSPEC_API int syncspec_store_patch(syncspec_store *store, const syncspec_table *table,
                                      const void *row, syncspec_error *error);
SYNCSPEC_API int syncspec_store_delete(syncspec_store *store, const syncspec_table *table,
                                       const char *id, syncspec_error *error);
/*
 * Reads one row into `row` (row_size bytes, every column SET or NULL). Returns 0, 1 when
 * there is no such row, or a negative code. Text in the row is owned by the store and stays
 * valid until the next get on this store.
 */
SYNCSPEC_API int syncspec_store_get(syncspec_store *store, const syncspec_table *table,
                                    const char *id, void *row, syncspec_error *error);

/* Queued ops and transactions. */
SYNCSPEC_API int syncspec_store_pending(syncspec_store *store, size_t *ops, size_t *transactions,
                                        syncspec_error *error);

/*
 * The queue as ps_crud entries, one JSON object a line ({"op","type","id","data"}, in
 * order, with "tx_id"); malloc'd, for inspection and tests.
 */
SYNCSPEC_API int syncspec_store_queue_json(syncspec_store *store, char **out,
                                           syncspec_error *error);

/*
 * The next upload batch: up to `max_transactions` queued transactions in the wire format
 * {"transactions": [{"op_id": "<device>:<tx>", "ops": [{"op","table","id","data"}]}]}.
 * *body is malloc'd, or NULL when the queue is empty. The batch's PUTs are given the rows
 * they send, so a resent batch is the same text, and a PUT whose row is gone is dropped (a
 * DELETE of it follows); nothing else leaves the queue. SYNCSPEC_ERETRY while another
 * connection holds the database's write lock.
 */
SYNCSPEC_API int syncspec_store_upload_body(syncspec_store *store, char **body,
                                            size_t max_transactions, syncspec_error *error);
/*
 * The server's answer to an upload: every transaction it reports applied, duplicate or
 * rejected leaves the queue; those it reports as "retry" stay. The rows of a rejected one
 * take the server's state again with the next checkpoint applied (each bucket holding one
 * is downloaded again). Sets *completed to the count that left and *rejected to those
 * among them the server refused (may be NULL).
 */
SYNCSPEC_API int syncspec_store_upload_complete(syncspec_store *store, const char *response,
                                                size_t *completed, size_t *rejected,
                                                syncspec_error *error);

typedef struct syncspec_sync_result {
    size_t uploaded; /* transactions the server completed */
    size_t rejected; /* of those, refused (kept on the server in syncspec_rejected_uploads) */
    bool applied;    /* a checkpoint of the server was applied */
    bool resynced;   /* a bucket's checksum was wrong: it was downloaded again */
} syncspec_sync_result;

/*
 * One round, the call an app makes when it starts, after local writes or on a timer:
 * uploads the whole queue (batches of `max_transactions`, 0 for 100), asks for the write
 * checkpoint when something was uploaded, then downloads through the PowerSync protocol
 * (download.h) up to the server's latest checkpoint and applies it. After a checksum
 * failure it connects once more (result->resynced). Returns 0; SYNCSPEC_ERETRY when
 * the server did not answer (every unanswered batch still queued, every op received
 * kept); SYNCSPEC_EPENDING when local writes were queued during the round, so the
 * checkpoint waits for them (sync again); result->applied is false, with 0, when the
 * server has not reached the write checkpoint yet; or another negative code.
 */
SYNCSPEC_API int syncspec_store_sync(syncspec_store *store, const syncspec_transport *transport,
                                     size_t max_transactions, syncspec_sync_result *result,
                                     syncspec_error *error);

#endif
