/*
 * Downloads into the client store through the PowerSync sync protocol
 * (docs/client-download.md), so a C device syncs with `syncspec serve` and with the
 * PowerSync Service alike.
 *
 * The store sends POST /sync/stream with its buckets and the last op it has of each
 * (syncspec_store_stream_request) and feeds the NDJSON answer, in pieces of any size as they
 * arrive, to a download (syncspec_download_feed). The ops received are held in memory, up
 * to a bound (64 MiB of ops by default), and kept in the store beyond it; at each
 * "checkpoint_complete" every bucket's
 * wrapping u32 sum of op checksums since its last CLEAR must equal the checkpoint's, and
 * the checkpoint is then applied in one SQLite transaction, only when no local write is
 * queued and the server has reached the write checkpoint of the last upload. A bucket whose
 * sum is wrong is dropped and downloaded again on the next connection.
 *
 * Errors: as store.h (0 or a negative SYNCSPEC_E* code, with a message).
 */
#ifndef SYNCSPEC_DOWNLOAD_H
#define SYNCSPEC_DOWNLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "syncspec/export.h"
#include "syncspec/store.h"

/*
 * The body of POST /sync/stream for what the store has: its buckets with "after", the
 * device id as "client_id". *body is malloc'd.
 */
SYNCSPEC_API int syncspec_store_stream_request(syncspec_store *store, char **body,
                                               syncspec_error *error);

/*
 * Takes the answer of GET /write-checkpoint2.json ({"data":{"write_checkpoint":"N"}}),
 * asked after an upload drained the queue: no checkpoint is applied until one carries a
 * write checkpoint of at least N, so the upload's rows are never reverted by an older
 * server state. Returns 0 or SYNCSPEC_EINVALID for a malformed answer.
 */
SYNCSPEC_API int syncspec_store_wait_for_write_checkpoint(syncspec_store *store,
                                                          const char *response,
                                                          syncspec_error *error);

/* One response of POST /sync/stream being read. */
typedef struct syncspec_download syncspec_download;

typedef struct syncspec_download_status {
    size_t applied;     /* checkpoints applied */
    size_t deferred;    /* checkpoints complete but kept for later: local writes queued, or
                         * the write checkpoint not reached */
    size_t ops;         /* ops received */
    int64_t expires_in; /* the last keepalive's token lifetime in seconds, -1 before one */
} syncspec_download_status;

/* A download into `store` (which must outlive it). Free with syncspec_download_free
 * (NULL-safe). Returns 0 or SYNCSPEC_ENOMEM. */
SYNCSPEC_API int syncspec_download_new(syncspec_download **out, syncspec_store *store,
                                       syncspec_error *error);
SYNCSPEC_API void syncspec_download_free(syncspec_download *download);

/*
 * How many bytes of received ops the download holds in memory before it keeps them all in
 * the store (64 MiB unless set). Holding them saves writing an initial sync twice; keeping
 * them means a connection lost mid-checkpoint resumes where it stopped. 0 keeps each line
 * in the store as it arrives.
 */
SYNCSPEC_API void syncspec_download_set_hold_bytes(syncspec_download *download, size_t bytes);

/*
 * Keeps in the store the ops the download holds in memory, so that the next connection
 * asks only for what follows them. Call it before freeing a download whose response ended
 * without a complete checkpoint; syncspec_download_free forgets what it holds (the store
 * stays consistent: those ops are simply asked for again). Returns 0 or a negative code.
 */
SYNCSPEC_API int syncspec_download_keep(syncspec_download *download, syncspec_error *error);

/*
 * Reads `len` bytes of the response (any cut: a line may span calls) and acts on every
 * line they complete. Returns 0, or a negative code after which the response must be closed
 * and the download freed (syncspec_download_keep keeps what it received; connect again):
 *   SYNCSPEC_ECHECKSUM  a bucket's checksum was wrong: it was dropped
 *   SYNCSPEC_ERETRY     the token expired ({"token_expires_in" <= 0}), or the local
 *                           database is locked by another connection
 *   SYNCSPEC_EINVALID   a line is not what the protocol allows
 *   SYNCSPEC_ERROR, SYNCSPEC_ENOMEM
 */
SYNCSPEC_API int syncspec_download_feed(syncspec_download *download, const char *bytes, size_t len,
                                        syncspec_error *error);

/* What the download has done so far. */
SYNCSPEC_API syncspec_download_status
syncspec_download_get_status(const syncspec_download *download);

#endif
