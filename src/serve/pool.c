/*
 * A small pool of PostgreSQL connections: opened when first needed, lent one request at a
 * time, reset when broken. Each has its own libsyncspec server, since prepared statements
 * belong to a connection. A request waits a little for a free connection, then gets 503:
 * the client retries, and the database is never asked for more than the pool's size.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve.h"
#include "syncspec/server.h"

enum { ACQUIRE_TIMEOUT_SECONDS = 10 };

struct serve_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    const char *conninfo;
    const syncspec_schema *schema;
    unsigned size;
    serve_conn *conns;
    bool *lent;
};

int serve_pool_new(serve_pool **out, const char *conninfo, const syncspec_schema *schema,
                   unsigned size, char *message, size_t message_size) {
    *out = NULL;
    serve_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->conns = calloc(size, sizeof *pool->conns)) ||
        !(pool->lent = calloc(size, sizeof *pool->lent))) {
        if (pool) free(pool->conns);
        free(pool);
        snprintf(message, message_size, "out of memory");
        return -1;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    pool->conninfo = conninfo;
    pool->schema = schema;
    pool->size = size;
    *out = pool;
    return 0;
}

void serve_pool_free(serve_pool *pool) {
    if (!pool) return;
    for (unsigned i = 0; i < pool->size; i++) {
        syncspec_server_free(pool->conns[i].server);
        PQfinish(pool->conns[i].pg);
    }
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->conns);
    free(pool->lent);
    free(pool);
}

/* Opens the slot's connection (and server) or repairs a broken one. Outside the lock: a
 * connect can take a while. */
static int make_ready(serve_pool *pool, serve_conn *c, char *message, size_t message_size) {
    /* Reading what is waiting, without a round trip, finds a connection the server closed
     * while it was idle (a restart, a terminated backend): reset now, not fail a request. */
    if (c->pg && PQconsumeInput(c->pg) && PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        /* Left inside a transaction: should not happen, but never lend one. */
        PQclear(PQexec(c->pg, "ROLLBACK"));
        if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) return 0;
    }
    if (c->pg)
        PQreset(c->pg);
    else
        c->pg = PQconnectdb(pool->conninfo);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        snprintf(message, message_size, "database unavailable: %s", PQerrorMessage(c->pg));
        message[strcspn(message, "\n")] = '\0';
        return -1;
    }
    syncspec_error error;
    if (!c->server && syncspec_server_new(&c->server, pool->schema, &error) != 0) {
        snprintf(message, message_size, "%s", error.message);
        return -1;
    }
    return 0;
}

serve_conn *serve_pool_acquire(serve_pool *pool, char *message, size_t message_size) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ACQUIRE_TIMEOUT_SECONDS;
    serve_conn *c = NULL;
    unsigned slot = 0;
    pthread_mutex_lock(&pool->lock);
    while (!c) {
        /* An open connection first: a new one costs a connect. */
        for (int pass = 0; pass < 2 && !c; pass++)
            for (slot = 0; slot < pool->size && !c; slot++)
                if (!pool->lent[slot] && (pass == 1 || pool->conns[slot].pg))
                    c = &pool->conns[slot];
        if (c) break;
        if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) != 0) break;
    }
    if (c) pool->lent[c - pool->conns] = true;
    pthread_mutex_unlock(&pool->lock);
    if (!c) {
        snprintf(message, message_size, "database busy: no free connection");
        return NULL;
    }
    if (make_ready(pool, c, message, message_size) != 0) {
        serve_pool_release(pool, c);
        return NULL;
    }
    return c;
}

void serve_pool_release(serve_pool *pool, serve_conn *c) {
    pthread_mutex_lock(&pool->lock);
    pool->lent[c - pool->conns] = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

int serve_pool_check_sync_tables(serve_pool *pool, char *message, size_t message_size) {
    serve_conn *c = serve_pool_acquire(pool, message, message_size);
    if (!c) return -1;
    /* The columns uploads and downloads use, in the spec's PostgreSQL schema: an older
     * postgres_sync.sql lacks client_id or the op log, and running the current one again
     * upgrades it in place. */
    const char *values[1] = {pool->schema->pg_schema ? pool->schema->pg_schema : "public"};
    PGresult *r = PQexecParams(
        c->pg,
        "SELECT string_agg(t || '.' || c, ', ') FROM (VALUES "
        "('syncspec_applied_ops', 'client_id'), ('syncspec_applied_ops', 'digest'), "
        "('syncspec_rejected_uploads', 'client_id'), ('syncspec_changes', 'xid'), "
        "('syncspec_ops', 'op_id'), ('syncspec_buckets', 'checksum'), "
        "('syncspec_sequencer', 'snapshot'), ('syncspec_write_checkpoints', 'write_checkpoint')) "
        "AS w(t, c) "
        "WHERE NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = $1 "
        "AND table_name = w.t AND column_name = w.c)",
        1, NULL, values, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        snprintf(message, message_size, "cannot read the catalog: %s", PQerrorMessage(c->pg));
    else if (!PQgetisnull(r, 0, 0))
        snprintf(message, message_size,
                 "the database lacks %s in schema %s: run the generated postgres_sync.sql "
                 "(after postgres.sql)",
                 PQgetvalue(r, 0, 0), values[0]);
    else
        rc = 0;
    PQclear(r);
    serve_pool_release(pool, c);
    return rc;
}
