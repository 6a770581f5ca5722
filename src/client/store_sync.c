/* The client store's side of sync: upload batches from the queue, server changes in. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/store_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

int syncspec_store_pending(syncspec_store *store, size_t *ops, size_t *transactions,
                           syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "SELECT count(*), count(DISTINCT \"tx_id\") FROM \"syncspec_crud\"", -1,
                           &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return store_db_error(store, error, "reading the queue");
    }
    if (ops) *ops = (size_t)sqlite3_column_int64(st, 0);
    if (transactions) *transactions = (size_t)sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return 0;
}

static const char entries_sql[] = "SELECT \"tx_id\", \"op\", \"type\", \"row_id\", \"data\" "
                                  "FROM \"syncspec_crud_entries\" ORDER BY \"id\"";

int syncspec_store_queue_json(syncspec_store *store, char **out, syncspec_error *error) {
    *out = NULL;
    sqlite3_stmt *st = NULL;
    syncspec_buffer b = {0};
    int rc = 0;
    if (sqlite3_prepare_v2(store->db, entries_sql, -1, &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "reading the queue");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *data = (const char *)sqlite3_column_text(st, 4);
        const char *op = (const char *)sqlite3_column_text(st, 1);
        if (sync_printf(&b, "{\"tx_id\":%" PRId64 ",\"op\":\"%s\",\"type\":",
                        (int64_t)sqlite3_column_int64(st, 0), op) ||
            sync_json_string(&b, (const char *)sqlite3_column_text(st, 2),
                             (size_t)sqlite3_column_bytes(st, 2)) ||
            sync_puts(&b, ",\"id\":") ||
            sync_json_string(&b, (const char *)sqlite3_column_text(st, 3),
                             (size_t)sqlite3_column_bytes(st, 3)) ||
            (data && strcmp(op, "DELETE") != 0 &&
             (sync_puts(&b, ",\"data\":") || sync_puts(&b, data))) ||
            sync_puts(&b, "}\n")) {
            rc = NOMEM(error);
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) rc = store_db_error(store, error, "reading the queue");
    sqlite3_finalize(st);
    if (rc == 0) {
        if (!b.data && sync_puts(&b, "")) rc = NOMEM(error);
        *out = b.data;
    } else {
        syncspec_buffer_free(&b);
    }
    return rc;
}

/* The highest tx id of the first `max_transactions` transactions in the queue, or 0. Ids
 * grow with the queue's order, so the scan stops at the first id past them. */
static int batch_last_tx(int64_t *last, syncspec_store *store, size_t max_transactions,
                         syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    *last = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT \"tx_id\" FROM \"syncspec_crud\" ORDER BY \"id\"", -1,
                           &st, NULL) != SQLITE_OK)
        return store_db_error(store, error, "reading the queue");
    size_t seen = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tx = sqlite3_column_int64(st, 0);
        if (tx == *last) continue;
        if (seen++ == max_transactions) break;
        *last = tx;
    }
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? 0
               : store_db_error(store, error, "reading the queue");
}

/*
 * Copies the rows the queued PUTs read into those PUTs, and drops the PUTs whose row is gone
 * (a DELETE of it follows), so every transaction is the same text however often it is sent:
 * the server tells a retry from another transaction under the same op_id by its text. A
 * transaction left with no op is never sent, and its id is never used again.
 */
static int freeze_puts(syncspec_store *store, syncspec_error *error) {
    int64_t gone = 0;
    if (sqlite3_exec(store->db,
                     "UPDATE \"syncspec_crud\" SET \"data\" = (SELECT e.\"data\" FROM "
                     "\"syncspec_crud_entries\" AS e WHERE e.\"id\" = \"syncspec_crud\".\"id\") "
                     "WHERE \"op\" = 'PUT' AND \"data\" IS NULL",
                     NULL, NULL, NULL) != SQLITE_OK)
        return store_db_error(store, error, "copying queued rows");
    int rc = store_query_int64(&gone, store,
                               "SELECT max(\"tx_id\") FROM \"syncspec_crud\" WHERE \"op\" = "
                               "'PUT' AND \"data\" IS NULL",
                               error);
    if (rc == 0 && gone) rc = store_keep_tx_id(store, gone, error);
    if (rc == 0)
        rc = store_exec(store,
                        "DELETE FROM \"syncspec_crud\" WHERE \"op\" = 'PUT' AND \"data\" IS NULL",
                        error);
    return rc;
}

/*
 * One transaction for the whole upload body, so the queue and the rows a PUT reads agree:
 * a read transaction, or a write transaction when some PUT still reads its row, which
 * freeze_puts then copies. Nothing is left open on failure.
 */
static int begin_upload(syncspec_store *store, syncspec_error *error) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(store->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_db_error(store, error, "preparing the upload");
    bool read = sqlite3_prepare_v2(store->db,
                                   "SELECT EXISTS (SELECT 1 FROM \"syncspec_crud\" WHERE \"op\" = "
                                   "'PUT' AND \"data\" IS NULL)",
                                   -1, &st, NULL) == SQLITE_OK &&
                sqlite3_step(st) == SQLITE_ROW;
    bool freeze = read && sqlite3_column_int(st, 0);
    int rc = read ? 0 : store_db_error(store, error, "preparing the upload");
    sqlite3_finalize(st);
    if (rc == 0 && !freeze) return 0;
    if (rc == 0 && (sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ||
                    sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK))
        rc = store_db_error(store, error, "preparing the upload");
    if (rc == 0 && (rc = freeze_puts(store, error)) == 0) return 0;
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int syncspec_store_upload_body(syncspec_store *store, char **body, size_t max_transactions,
                               syncspec_error *error) {
    *body = NULL;
    if (max_transactions == 0) max_transactions = 100;
    if (!sqlite3_get_autocommit(store->db))
        return sync_error(error, SYNCSPEC_EINVALID,
                          "upload inside an open transaction: commit it first");
    sqlite3_stmt *st = NULL;
    syncspec_buffer b = {0};
    int rc = 0, step;
    int64_t last = 0, current = 0;
    if ((rc = begin_upload(store, error)) != 0) return rc;
    if ((rc = batch_last_tx(&last, store, max_transactions, error)) != 0) goto cleanup;
    if (sqlite3_prepare_v2(store->db, entries_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, "reading the queue");
        goto cleanup;
    }
    /* The device id names this client: the server keeps its op_ids apart from other
     * devices' and answers a retry "duplicate". */
    if (sync_printf(&b, "{\"client_id\":\"%s\",\"transactions\":[", store->device_id)) goto nomem;
    size_t ops_in_tx = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tx = sqlite3_column_int64(st, 0);
        if (tx > last) break;
        if (tx != current) {
            if ((current && sync_puts(&b, "]},")) ||
                sync_printf(&b, "{\"op_id\":\"%s:%" PRId64 "\",\"ops\":[", store->device_id, tx))
                goto nomem;
            current = tx;
            ops_in_tx = 0;
        }
        const char *op = (const char *)sqlite3_column_text(st, 1);
        const char *data = (const char *)sqlite3_column_text(st, 4);
        int is_delete = strcmp(op, "DELETE") == 0;
        if (!is_delete && !data) continue; /* none left by freeze_puts; never write a NULL */
        if ((ops_in_tx++ && sync_puts(&b, ",")) ||
            sync_printf(&b, "{\"op\":\"%s\",\"table\":", op) ||
            sync_json_string(&b, (const char *)sqlite3_column_text(st, 2),
                             (size_t)sqlite3_column_bytes(st, 2)) ||
            sync_puts(&b, ",\"id\":") ||
            sync_json_string(&b, (const char *)sqlite3_column_text(st, 3),
                             (size_t)sqlite3_column_bytes(st, 3)) ||
            (!is_delete && (sync_puts(&b, ",\"data\":") || sync_puts(&b, data))) ||
            sync_puts(&b, "}"))
            goto nomem;
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        rc = store_db_error(store, error, "reading the queue");
        goto cleanup;
    }
    if ((current && sync_puts(&b, "]}")) || sync_puts(&b, "]}")) goto nomem;
    goto cleanup;
nomem:
    rc = NOMEM(error);
cleanup:
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_db_error(store, error, "preparing the upload");
    if (rc != 0) sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc == 0 && current) {
        *body = b.data;
        b.data = NULL;
    }
    syncspec_buffer_free(&b);
    return rc;
}

/* The tx id of one of this device's op_ids, or 0. */
static int64_t op_tx(const syncspec_store *store, const char *op_id) {
    size_t n = strlen(store->device_id);
    if (strncmp(op_id, store->device_id, n) != 0 || op_id[n] != ':') return 0;
    char *end = NULL;
    long long tx = strtoll(op_id + n + 1, &end, 10);
    return end && *end == '\0' && tx > 0 ? (int64_t)tx : 0;
}

/*
 * A refused transaction's rows hold what the server never took. They are reverted to the
 * server's, as PowerSync's clients do, once no local write is queued: the next applied
 * checkpoint deletes those no bucket holds (syncspec_revert), and each bucket holding one
 * is downloaded again from its start (a CLEAR at op 0, as after a checksum failure), since
 * the store keeps no copy of the server's row. Inside the caller's transaction. The
 * buckets holding a row are found by looking the row up in each bucket the store has (a
 * handful; syncspec_bucket_rows is keyed by bucket first), never by reading every row held.
 */
static int revert_refused(syncspec_store *store, int64_t tx, syncspec_error *error) {
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO \"syncspec_revert\" (\"type\", \"row_id\") SELECT "
             "\"type\", \"row_id\" FROM \"syncspec_crud\" WHERE \"tx_id\" = %" PRId64 ";"
             "CREATE TEMP TABLE IF NOT EXISTS \"syncspec_reset\" (\"name\" TEXT PRIMARY KEY) "
             "WITHOUT ROWID;DELETE FROM temp.\"syncspec_reset\";"
             "INSERT OR IGNORE INTO temp.\"syncspec_reset\" SELECT b.\"name\" FROM "
             "\"syncspec_crud\" AS c CROSS JOIN \"syncspec_buckets\" AS b CROSS JOIN "
             "\"syncspec_bucket_rows\" AS r ON r.\"bucket\" = b.\"name\" AND r.\"type\" = "
             "c.\"type\" AND r.\"row_id\" = c.\"row_id\" WHERE c.\"tx_id\" = %" PRId64 ";"
             "DELETE FROM \"syncspec_oplog\" WHERE \"bucket\" IN (SELECT \"name\" FROM "
             "temp.\"syncspec_reset\");"
             "INSERT INTO \"syncspec_oplog\" (\"bucket\", \"last_op_id\", \"cleared\", "
             "\"checksum\", \"count\", \"ops\") SELECT \"name\", " STORE_OPLOG_CLEAR_LINE
             " FROM temp.\"syncspec_reset\";"
             "UPDATE \"syncspec_buckets\" SET \"op_id\" = 0, \"checksum\" = 0 WHERE \"name\" "
             "IN (SELECT \"name\" FROM temp.\"syncspec_reset\");",
             tx, tx);
    return store_exec(store, sql, error);
}

int syncspec_store_upload_complete(syncspec_store *store, const char *response, size_t *completed,
                                   size_t *rejected, syncspec_error *error) {
    if (completed) *completed = 0;
    if (rejected) *rejected = 0;
    json_error_t jerr;
    json_t *root = json_loads(response ? response : "", 0, &jerr);
    json_t *list = root ? json_object_get(root, "transactions") : NULL;
    if (!json_is_array(list)) {
        json_decref(root);
        return sync_error(error, SYNCSPEC_EINVALID, "upload response: no transactions list");
    }
    sqlite3_stmt *del = NULL;
    size_t done = 0, refused = 0;
    int64_t last = 0;
    bool conflict = false;
    char device_id[37];
    int rc = store_exec(store, "BEGIN IMMEDIATE", error);
    if (rc) goto cleanup;
    if (sqlite3_prepare_v2(store->db, "DELETE FROM \"syncspec_crud\" WHERE \"tx_id\" = ?1", -1,
                           &del, NULL) != SQLITE_OK) {
        rc = store_db_error(store, error, "completing the upload");
        goto rollback;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *op_id = json_string_value(json_object_get(item, "op_id"));
        const char *status = json_string_value(json_object_get(item, "status"));
        if (!op_id || !status) {
            rc = sync_error(error, SYNCSPEC_EINVALID, "upload response: item %zu malformed", i);
            goto rollback;
        }
        if (strcmp(status, "conflict") == 0) {
            conflict = true; /* the transaction stays queued, under a new name */
            continue;
        }
        if (strcmp(status, "applied") != 0 && strcmp(status, "duplicate") != 0 &&
            strcmp(status, "rejected") != 0)
            continue; /* "retry": the transaction stays queued */
        int64_t tx = op_tx(store, op_id);
        if (!tx) {
            rc = sync_error(error, SYNCSPEC_EINVALID, "upload response: op_id %s is not ours",
                            op_id);
            goto rollback;
        }
        if (strcmp(status, "rejected") == 0 && (rc = revert_refused(store, tx, error)) != 0)
            goto rollback;
        sqlite3_bind_int64(del, 1, tx);
        if (sqlite3_step(del) != SQLITE_DONE) {
            rc = store_db_error(store, error, "completing the upload");
            goto rollback;
        }
        sqlite3_reset(del);
        done++;
        refused += strcmp(status, "rejected") == 0;
        if (tx > last) last = tx;
    }
    if (last) {
        /* Remember the highest completed tx id: the queue may now be empty, and a new
         * transaction must never reuse an op_id the server has seen. */
        if ((rc = store_keep_tx_id(store, last, error)) != 0) goto rollback;
    }
    if (conflict) {
        /* The server holds other transactions under this device's op_ids (the store was
         * restored from a backup, or copied): a new device id renames every queued one. */
        if (store_new_device_id(device_id) != 0) {
            rc = sync_error(error, SYNCSPEC_ERROR, "cannot read /dev/urandom");
            goto rollback;
        }
        if ((rc = store_state_set(store, "device_id", device_id, error)) != 0) goto rollback;
    }
    if ((rc = store_exec(store, "COMMIT", error)) != 0) goto rollback;
    if (conflict) memcpy(store->device_id, device_id, sizeof device_id);
    if (completed) *completed = done;
    if (rejected) *rejected = refused;
    goto cleanup;
rollback:
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
cleanup:
    sqlite3_finalize(del);
    json_decref(root);
    return rc;
}

/* ---- one sync round ---- */

int store_upload_all(syncspec_store *store, const syncspec_transport *transport,
                     size_t max_transactions, syncspec_sync_result *result, syncspec_error *error) {
    int rc = 0;
    for (;;) {
        char *body = NULL, *response = NULL;
        if ((rc = syncspec_store_upload_body(store, &body, max_transactions, error)) != 0)
            return rc;
        if (!body) break;
        int sent = transport->upload(transport->context, &response, body);
        free(body);
        if (sent != 0 || !response) {
            free(response);
            return sync_error(error, SYNCSPEC_ERETRY, "upload: no answer from the server");
        }
        size_t completed = 0, rejected = 0;
        char device_id[sizeof store->device_id];
        memcpy(device_id, store->device_id, sizeof device_id);
        rc = syncspec_store_upload_complete(store, response, &completed, &rejected, error);
        free(response);
        if (rc) return rc;
        result->uploaded += completed;
        result->rejected += rejected;
        size_t left = 0;
        if ((rc = syncspec_store_pending(store, NULL, &left, error)) != 0) return rc;
        bool renamed = strcmp(device_id, store->device_id) != 0; /* send again at once */
        if (completed == 0 && left && !renamed)
            return sync_error(error, SYNCSPEC_ERETRY, "upload: the server could not apply it now");
    }
    return 0;
}

int syncspec_store_sync(syncspec_store *store, const syncspec_transport *transport,
                        size_t max_transactions, syncspec_sync_result *result,
                        syncspec_error *error) {
    syncspec_sync_result local = {0};
    if (!result) result = &local;
    *result = local;
    if (!transport || !transport->stream || !transport->upload)
        return sync_error(error, SYNCSPEC_EINVALID, "a transport without stream or upload");
    int rc = store_upload_all(store, transport, max_transactions, result, error);
    if (rc == 0 && result->uploaded && transport->write_checkpoint) {
        /* The rows just uploaded must be in any checkpoint applied from now on. */
        char *response = NULL;
        if (transport->write_checkpoint(transport->context, &response, store->device_id) != 0 ||
            !response)
            rc = sync_error(error, SYNCSPEC_ERETRY, "write checkpoint: no answer from the server");
        else
            rc = syncspec_store_wait_for_write_checkpoint(store, response, error);
        free(response);
    }
    if (rc) return rc;
    rc = store_stream_once(store, transport, result, error);
    if (rc == SYNCSPEC_ECHECKSUM) {
        /* The failed buckets were dropped: they come whole on the next connection. */
        result->resynced = true;
        rc = store_stream_once(store, transport, result, error);
    }
    size_t queued = 0;
    if (rc == 0 && !result->applied &&
        (rc = syncspec_store_pending(store, &queued, NULL, error)) == 0 && queued)
        rc = sync_error(error, SYNCSPEC_EPENDING,
                        "%zu local writes were queued during the round: sync again", queued);
    return rc;
}
