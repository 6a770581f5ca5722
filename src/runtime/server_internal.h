/* The server's internals, shared by server.c (uploads) and feed.c (the change feed). */
#ifndef SYNCSPEC_RUNTIME_SERVER_INTERNAL_H
#define SYNCSPEC_RUNTIME_SERVER_INTERNAL_H

#include <libpq-fe.h>

#include "runtime/sync_internal.h"

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

#endif
