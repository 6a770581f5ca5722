/*
 * The server's internals: server.c applies uploads from statements built by
 * server_statements.c and sent by server_pipeline.c; protocol_*.c serve the PowerSync
 * protocol (protocol_internal.h).
 */
#ifndef SYNCSPEC_RUNTIME_SERVER_INTERNAL_H
#define SYNCSPEC_RUNTIME_SERVER_INTERNAL_H

#include <libpq-fe.h>

#include "core/sync_internal.h"

enum { PREPARED_MAX = 64 };

/*
 * Statements prepared on one connection, by SQL text: ops of one table and shape share a
 * text, so PostgreSQL parses and plans it once per connection instead of once per op.
 * A different connection (or backend, after a reconnect) starts an empty cache.
 */
typedef struct prepared_cache {
    const PGconn *conn;
    int backend_pid;
    char *texts[PREPARED_MAX];
    unsigned names[PREPARED_MAX]; /* statement "syncspec_<n>" */
    size_t count;
    unsigned next_name;
} prepared_cache;

struct syncspec_server {
    const syncspec_schema *schema; /* with row layouts: the caller's, or `layout` */
    syncspec_schema *layout;       /* owned; NULL when the caller's schema has layouts */
    syncspec_sanitizer *sanitizer;
    prepared_cache prepared;
};

/* ---- statements and pipelines (server_pipeline.c) ---- */

/* Fills `error` with what PostgreSQL said about `res` (or the connection, when `res` is
 * NULL), prefixed by `what`, and returns SYNCSPEC_ERETRY. */
int pg_db_error(syncspec_error *error, PGconn *conn, const PGresult *res, const char *what);

typedef struct pg_statement {
    char *sql;
    int nparams;
    char **values; /* owned, NULL for SQL NULL */
    /* The client ops it applies: first_op .. first_op + op_count - 1 (0 ops for BEGIN and
     * the like), so a failure names its op. */
    size_t first_op, op_count;
} pg_statement;

typedef struct statement_list {
    pg_statement *items;
    size_t count, cap;
} statement_list;

void statements_free(statement_list *list);
/* Appends a statement applying no op. Takes ownership of `sql` (NULL fails); copies the
 * values. Returns 0 or -1 when memory is exhausted. */
int statements_add(statement_list *list, char *sql, int nparams, const char *const *values);

typedef struct pipeline_failure {
    size_t index;     /* the statement that failed */
    char sqlstate[6]; /* "" for a connection failure */
    char message[256];
} pipeline_failure;

/*
 * Runs the statements in one pipeline ending with one sync. Returns 0 when all succeeded,
 * 1 when a statement failed (*failure says which and why; the transaction is rolled back),
 * -1 when the connection failed. With a cache, statements with parameters are prepared
 * once per connection.
 */
int run_pipeline(PGconn *conn, prepared_cache *cache, const statement_list *list,
                 pipeline_failure *failure);

/* The same in two halves, so the client can work while the server runs the statements:
 * pipeline_send returns 0, or -1 when the connection failed (there is nothing to collect);
 * pipeline_collect returns as run_pipeline does and frees `sent`. */
typedef struct pipeline_sent pipeline_sent;
int pipeline_send(pipeline_sent **sent, PGconn *conn, prepared_cache *cache,
                  const statement_list *list);
int pipeline_collect(PGconn *conn, prepared_cache *cache, const statement_list *list,
                     pipeline_sent *sent, pipeline_failure *failure);

/* ---- statements built from the model (server_statements.c) ---- */

/*
 * Adds the statement for sanitized PATCH or DELETE number `index` of a client transaction
 * (nothing for an empty PATCH). Returns 0 or -1 when memory is exhausted.
 */
int add_op_statement(statement_list *list, const syncspec_schema *schema, const syncspec_op *op,
                     size_t index, const char *user_id);

/*
 * PUTs of one table with the same columns absent, gathered into one statement over
 * unnest() of parameter arrays: PostgreSQL plans it once and runs the statement-level
 * change-log triggers once for the whole run instead of once per op.
 */
typedef struct put_batch put_batch;

/* A batch of at most `max_rows` ops (1 applies PUTs one a statement). */
put_batch *put_batch_new(size_t max_rows);
void put_batch_free(put_batch *batch);
/* Adds sanitized PUT number `index`, first adding the pending batch to `list` when the op
 * cannot join it (another table or shape, an id already in it, a full batch). */
int put_batch_add(put_batch *batch, statement_list *list, const syncspec_schema *schema,
                  const syncspec_op *op, size_t index, const char *user_id);
/* Adds the pending batch, if any, to `list`. Returns 0 or -1. */
int put_batch_flush(put_batch *batch, statement_list *list, const syncspec_schema *schema,
                    const char *user_id);

#endif
