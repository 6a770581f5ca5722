/*
 * Statements sent to PostgreSQL in one pipeline (one round trip for a whole client
 * transaction), prepared once per connection and text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

int pg_db_error(syncspec_error *error, PGconn *conn, const PGresult *res, const char *what) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return sync_error(error, SYNCSPEC_ERETRY, "%s: %s%s%s", what,
                      res ? PQresultErrorMessage(res) : PQerrorMessage(conn),
                      state ? " SQLSTATE " : "", state ? state : "");
}

void statements_free(statement_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].sql);
        for (int p = 0; p < list->items[i].nparams; p++) free(list->items[i].values[p]);
        free(list->items[i].values);
    }
    free(list->items);
    *list = (statement_list){0};
}

int statements_add(statement_list *list, char *sql, int nparams, const char *const *values) {
    if (!sql) return -1;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        pg_statement *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            free(sql);
            return -1;
        }
        list->items = items;
        list->cap = cap;
    }
    pg_statement *s = &list->items[list->count];
    *s = (pg_statement){.sql = sql, .nparams = nparams};
    s->values = calloc(nparams ? (size_t)nparams : 1, sizeof *s->values);
    if (!s->values) {
        free(sql);
        return -1;
    }
    list->count++;
    for (int p = 0; p < nparams; p++)
        if (values[p] && !(s->values[p] = strdup(values[p]))) return -1;
    return 0;
}

/* The cached statement for `sql` on this connection, or -1. */
static int prepared_find(prepared_cache *cache, PGconn *conn, const char *sql) {
    if (cache->conn != conn || cache->backend_pid != PQbackendPID(conn)) {
        for (size_t i = 0; i < cache->count; i++) free(cache->texts[i]);
        cache->count = 0;
        cache->conn = conn;
        cache->backend_pid = PQbackendPID(conn);
    }
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->texts[i], sql) == 0) return (int)i;
    return -1;
}

/* How a statement was sent: prepared now (its prepare result comes first), from the cache,
 * or as plain parameters (no parameters, or a full cache). */
struct pipeline_sent {
    bool preparing;
    unsigned name;
};

static int send_all(pipeline_sent *how, PGconn *conn, prepared_cache *cache,
                    const statement_list *list) {
    if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF || !PQenterPipelineMode(conn)) return -1;
    size_t planned = cache ? (prepared_find(cache, conn, ""), cache->count) : 0;
    for (size_t i = 0; i < list->count; i++) {
        const pg_statement *s = &list->items[i];
        const char *const *values = (const char *const *)s->values;
        int found = cache && s->nparams ? prepared_find(cache, conn, s->sql) : -1;
        /* A text sent twice in one pipeline is prepared once: the earlier send counts. */
        for (size_t k = 0; found < 0 && cache && s->nparams && k < i; k++)
            if (how[k].preparing && strcmp(list->items[k].sql, s->sql) == 0) {
                how[i].name = how[k].name;
                found = -2;
            }
        char name[32];
        if (found >= 0 || found == -2) {
            snprintf(name, sizeof name, "syncspec_%u",
                     found >= 0 ? cache->names[found] : how[i].name);
            if (!PQsendQueryPrepared(conn, name, s->nparams, values, NULL, NULL, 0)) return -1;
        } else if (cache && s->nparams && planned < PREPARED_MAX) {
            planned++;
            how[i].preparing = true;
            how[i].name = cache->next_name++;
            snprintf(name, sizeof name, "syncspec_%u", how[i].name);
            if (!PQsendPrepare(conn, name, s->sql, s->nparams, NULL) ||
                !PQsendQueryPrepared(conn, name, s->nparams, values, NULL, NULL, 0))
                return -1;
        } else if (!PQsendQueryParams(conn, s->sql, s->nparams, NULL, values, NULL, NULL, 0)) {
            return -1;
        }
    }
    /* In blocking mode the sync flushes everything: from here the client only reads, so the
     * server can never wait on a client that waits on it. */
    return PQpipelineSync(conn) ? 0 : -1;
}

int pipeline_send(pipeline_sent **out, PGconn *conn, prepared_cache *cache,
                  const statement_list *list) {
    *out = calloc(list->count ? list->count : 1, sizeof **out);
    if (*out && send_all(*out, conn, cache, list) == 0) return 0;
    free(*out);
    *out = NULL;
    return -1;
}

int pipeline_collect(PGconn *conn, prepared_cache *cache, const statement_list *list,
                     pipeline_sent *how, pipeline_failure *failure) {
    memset(failure, 0, sizeof *failure);
    int outcome = 0;
    for (size_t i = 0; i < list->count; i++) {
        /* A statement prepared here answers twice: the prepare, then the execution. */
        for (int part = how[i].preparing ? 0 : 1; part < 2; part++) {
            PGresult *res = PQgetResult(conn);
            if (!res) goto broken;
            ExecStatusType st = PQresultStatus(res);
            if (part == 0 && st != PGRES_COMMAND_OK) how[i].preparing = false;
            if (st == PGRES_FATAL_ERROR && outcome == 0) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
                failure->index = i;
                snprintf(failure->sqlstate, sizeof failure->sqlstate, "%s", state ? state : "");
                snprintf(failure->message, sizeof failure->message, "%s",
                         primary ? primary : PQerrorMessage(conn));
                outcome = state && *state && strncmp(state, "08", 2) != 0 ? 1 : -1;
            } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
                       st != PGRES_PIPELINE_ABORTED && st != PGRES_FATAL_ERROR) {
                PQclear(res);
                goto broken;
            }
            PQclear(res);
            PGresult *end = PQgetResult(conn); /* the NULL that ends each result */
            if (end) {
                PQclear(end);
                goto broken;
            }
        }
    }
    PGresult *sync = PQgetResult(conn);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        PQclear(sync);
        goto broken;
    }
    PQclear(sync);
    /* Statements prepared by a pipeline that failed may have gone with its transaction:
     * remember them only when everything succeeded. */
    for (size_t i = 0; outcome == 0 && i < list->count; i++) {
        if (!how[i].preparing || cache->count == PREPARED_MAX) continue;
        cache->texts[cache->count] = strdup(list->items[i].sql);
        if (cache->texts[cache->count]) cache->names[cache->count++] = how[i].name;
    }
    /* A cached statement the server does not know (26000): forget them all. */
    if (cache && strcmp(failure->sqlstate, "26000") == 0) {
        for (size_t i = 0; i < cache->count; i++) free(cache->texts[i]);
        cache->count = 0;
    }
    free(how);
    if (!PQexitPipelineMode(conn)) goto broken_after_free;
    /* A failed statement leaves the explicit transaction aborted, not ended. */
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) PQclear(PQexec(conn, "ROLLBACK"));
    if (PQstatus(conn) != CONNECTION_OK) return -1;
    return outcome;
broken:
    free(how);
broken_after_free:
    if (!failure->message[0])
        snprintf(failure->message, sizeof failure->message, "%s", PQerrorMessage(conn));
    return -1;
}

int run_pipeline(PGconn *conn, prepared_cache *cache, const statement_list *list,
                 pipeline_failure *failure) {
    pipeline_sent *how;
    if (pipeline_send(&how, conn, cache, list) != 0) {
        memset(failure, 0, sizeof *failure);
        snprintf(failure->message, sizeof failure->message, "%s", PQerrorMessage(conn));
        return -1;
    }
    return pipeline_collect(conn, cache, list, how, failure);
}
