/*
 * cmocka setups over the sync fixture, shared by the tests of the PowerSync protocol (the
 * server's streams and the client's downloads). Include after <cmocka.h>.
 */
#ifndef SYNCSPEC_TEST_CMOCKA_ENV_H
#define SYNCSPEC_TEST_CMOCKA_ENV_H

#include <stdlib.h>

#include "fixture.h"

typedef sync_env env;

/* A fresh database and server for `g`, or the test fails. */
static inline int setup_with(void **state, const sync_sql *g) {
    env *e = calloc(1, sizeof *e);
    *state = e;
    if (sync_env_open(e, g) != 0) fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    return 0;
}

static inline int teardown(void **state) {
    sync_env_close(*state);
    free(*state);
    return 0;
}

/* Runs SQL (printf-style) on the test's PostgreSQL, or fails the test. */
static inline void sql(env *e, const char *fmt, ...) {
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!pg_ok(e->pg.conn, text)) fail_msg("SQL failed: %s", text);
}

#endif
