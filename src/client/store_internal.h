/* The client store's internals, shared by store.c, store_sync.c and store_download.c. */
#ifndef SYNCSPEC_RUNTIME_STORE_INTERNAL_H
#define SYNCSPEC_RUNTIME_STORE_INTERNAL_H

#include <sqlite3.h>

#include "core/sync_internal.h"

/* Per connection: what the capture triggers' SQL functions read. */
typedef struct store_capture {
    int capture; /* 0 while server changes are applied */
    int64_t tx;  /* the current local transaction's id, 0 outside one */
} store_capture;

struct syncspec_store {
    sqlite3 *db;
    const syncspec_schema *schema;
    store_capture *cap; /* owned by the connection's function registration */
    char device_id[40];
    char *user_id;
    char **get_strings; /* text of the last get */
    size_t get_count;
};

int store_db_error(syncspec_store *store, syncspec_error *error, const char *what);
int store_exec(syncspec_store *store, const char *sql, syncspec_error *error);
int store_state_get(char **value, syncspec_store *store, const char *key, syncspec_error *error);
int store_state_set(syncspec_store *store, const char *key, const char *value,
                    syncspec_error *error);
/* A new random device id (a version 4 UUID); -1 when /dev/urandom cannot be read. */
int store_new_device_id(char out[37]);
/* Deletes every synced row without queueing anything. */
int store_clear_synced(syncspec_store *store, syncspec_error *error);

/* The first column of the first row of `sql` as an integer (0 for no row or NULL). */
int store_query_int64(int64_t *out, syncspec_store *store, const char *sql, syncspec_error *error);

/* Raises last_tx_id, below which no new transaction takes its id, to `tx`; never lowers
 * it, so an op_id the server may have seen is never used again. */
int store_keep_tx_id(syncspec_store *store, int64_t tx, syncspec_error *error);

/*
 * Drops the capture triggers, known by their reserved name and by what they do (they call
 * syncspec_capture(), or refuse an id change with syncspec's message; an app's own triggers
 * stay), of `table`, or of every table when NULL. When `kept` is given, it receives each
 * one's CREATE text (malloc'd; *kept_count of them), to create it again.
 */
int store_drop_capture_triggers(syncspec_store *store, const char *table, char ***kept,
                                size_t *kept_count, syncspec_error *error);
void store_now(char buf[SYNCSPEC_TIMESTAMP_SIZE]);

/* The tables of downloads through the PowerSync protocol (store_download.c), created when
 * the store opens, and the statements that empty them. */
extern const char store_download_sql[];
extern const char store_download_clear_sql[];
/* The columns after "bucket" of the syncspec_oplog line that marks a bucket for a full
 * download again (a checksum failure, a refused upload): a CLEAR at op 0. */
#define STORE_OPLOG_CLEAR_LINE "0, 1, 0, 1, '[{\"op_id\":\"0\",\"op\":\"CLEAR\",\"checksum\":0}]'"

/* Uploads the whole queue in batches of `max_transactions` (0: 100), adding to
 * result->uploaded and ->rejected; SYNCSPEC_ERETRY with unanswered batches still
 * queued. */
int store_upload_all(syncspec_store *store, const syncspec_transport *transport,
                     size_t max_transactions, syncspec_sync_result *result, syncspec_error *error);

/* Connects once through the transport's `stream` and reads up to the first complete
 * checkpoint, applying it when it may; sets result->applied. SYNCSPEC_ERETRY when the
 * server did not answer or ended the stream before a complete checkpoint. */
int store_stream_once(syncspec_store *store, const syncspec_transport *transport,
                      syncspec_sync_result *result, syncspec_error *error);

#endif
