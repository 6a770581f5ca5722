/* The server's internals, shared by server.c (uploads) and feed.c (the change feed). */
#ifndef SYNCSPEC_RUNTIME_SERVER_INTERNAL_H
#define SYNCSPEC_RUNTIME_SERVER_INTERNAL_H

#include <libpq-fe.h>

#include "runtime/sync_internal.h"

struct syncspec_server {
    const syncspec_schema *schema; /* with row layouts: the caller's, or `layout` */
    syncspec_schema *layout;       /* owned; NULL when the caller's schema has layouts */
    syncspec_sanitizer *sanitizer;
};

#endif
