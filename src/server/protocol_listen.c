/*
 * Waking up on commits with LISTEN/NOTIFY: the triggers of postgres_sync.sql and the op
 * log's writers notify when their transaction commits, so nothing polls the database.
 */
#include <errno.h>
#include <poll.h>

#include "server/protocol_internal.h"

int syncspec_sync_listen(PGconn *conn, syncspec_error *error) {
    return protocol_exec(conn, "LISTEN \"syncspec_changes\"; LISTEN \"syncspec_ops\"", "listen",
                         error);
}

/* Consumes what arrived; returns whether a notification from another session was among
 * it (this session's own come from the sequencer run on it, whose caller knows), or -1. */
static int drain(PGconn *conn) {
    if (!PQconsumeInput(conn)) return -1;
    int got = 0, self = PQbackendPID(conn);
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        got |= n->be_pid != self;
        PQfreemem(n);
    }
    return got;
}

int syncspec_sync_wait(PGconn *conn, int timeout_ms, syncspec_error *error) {
    int got = drain(conn);
    if (got == 0) {
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        int ready = p.fd < 0 ? -1 : poll(&p, 1, timeout_ms);
        if (ready > 0)
            got = drain(conn);
        else if (ready < 0 && (p.fd < 0 || errno != EINTR))
            got = -1;
    }
    if (got < 0 || PQstatus(conn) != CONNECTION_OK)
        return sync_error(error, SYNCSPEC_ERETRY, "listen: %s", PQerrorMessage(conn));
    return got;
}
