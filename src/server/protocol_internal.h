/*
 * The PowerSync protocol's internals: protocol_oplog.c writes the op log (sequencer, write
 * checkpoints, compaction); protocol_stream.c reads it for clients.
 */
#ifndef SYNCSPEC_RUNTIME_PROTOCOL_INTERNAL_H
#define SYNCSPEC_RUNTIME_PROTOCOL_INTERNAL_H

#include "server/server_internal.h"
#include "syncspec/protocol.h"

/* The buckets a user has: one for bucket_definitions, one per synced table for streams. */
size_t protocol_bucket_count(const syncspec_schema *schema);

/*
 * Appends the SQL expression of bucket number `index`'s name for the owner that the SQL
 * expression `owner` yields: the bucket's prefix, then the owner as a JSON array, as the
 * PowerSync Service writes bucket parameters. Every bucket name is made by this SQL, so
 * the sequencer and the streams always agree. Returns 0 or -1 (memory).
 */
int protocol_bucket_sql(syncspec_buffer *b, const syncspec_schema *schema, size_t index,
                        const char *owner);

/* The synced table that bucket `index` holds (streams), or NULL (every synced table). */
const syncspec_table *protocol_bucket_table(const syncspec_schema *schema, size_t index);

/* Runs one statement without parameters; 0 or SYNCSPEC_ERETRY (said in `error`). */
int protocol_exec(PGconn *conn, const char *sql, const char *what, syncspec_error *error);
/* Runs `sql` (with `param` as $1 unless NULL), which returns one row, and reads its first
 * column as an integer into *out. A failure says `what`. */
int protocol_query_int64(PGconn *conn, const char *sql, const char *param, int64_t *out,
                         const char *what, syncspec_error *error);

#endif
