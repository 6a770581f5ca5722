/*
 * The PowerSync protocol's download path (syncspec/protocol.h), beside floors measured in
 * the same run on the same PostgreSQL (PG* variables):
 *  - initial sync: the stream's lines for a user with 100,000 rows, against
 *    COPY (SELECT the same rows as JSON) TO STDOUT. Target: >= 50% of COPY's rows/s.
 *  - incremental: the cost of a checkpoint after one row changed, for a user with 1,000
 *    rows and one with 100,000. Target: within 2x (it must not grow with the rows).
 * Also printed: the sequencer's rate on its first run (every row becomes a PUT).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_schema.h"

enum { BIG = 100000, SMALL = 1000, INCREMENTS = 40 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void exec_or_die(PGconn *conn, const char *sql) {
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench: %s: %s", sql, PQerrorMessage(conn));
        exit(1);
    }
    PQclear(r);
}

static void add_rows(PGconn *conn, const char *owner, int n) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO projects (id, name, owner_id, created_at, updated_at) SELECT "
             "md5('%s' || i)::uuid::text, 'project number ' || i, '%s', now(), now() "
             "FROM generate_series(1, %d) AS i",
             owner, owner, n);
    exec_or_die(conn, sql);
}

static int count_bytes(void *context, const char *line, size_t len) {
    (void)line;
    *(size_t *)context += len;
    return 0;
}

static syncspec_sync_stream *open_stream(syncspec_server *server, const char *user) {
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *stream = NULL;
    syncspec_error error;
    if (syncspec_sync_request_parse(&request, "{}", 2, &error) ||
        syncspec_sync_stream_new(&stream, server, user, request, &error)) {
        fprintf(stderr, "bench: %s\n", error.message);
        exit(1);
    }
    syncspec_sync_request_free(request);
    return stream;
}

static void next_or_die(syncspec_sync_stream *stream, PGconn *conn, size_t *bytes) {
    syncspec_error error;
    if (syncspec_sync_stream_next(stream, conn, count_bytes, bytes, &error) < 0) {
        fprintf(stderr, "bench: next: %s\n", error.message);
        exit(1);
    }
}

static void sequence_or_die(syncspec_server *server, PGconn *conn) {
    syncspec_error error;
    if (syncspec_sync_sequence(server, conn, NULL, &error) != 0) {
        fprintf(stderr, "bench: sequence: %s\n", error.message);
        exit(1);
    }
}

/* Seconds for COPY of the user's rows as JSON, read to the end. */
static double copy_json(PGconn *conn, const char *owner) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "COPY (SELECT row_to_json(p) FROM projects AS p WHERE owner_id = '%s') TO STDOUT",
             owner);
    double t0 = now();
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) exit(1);
    PQclear(r);
    char *buf;
    while (PQgetCopyData(conn, &buf, 0) > 0) PQfreemem(buf);
    PQclear(PQgetResult(conn));
    return now() - t0;
}

/* Seconds per checkpoint after one row of `owner` changed, over INCREMENTS rounds; adds
 * the seconds of the sequencer runs to *sequencing. */
static double increment(syncspec_server *server, PGconn *conn, syncspec_sync_stream *stream,
                        const char *owner, double *sequencing) {
    char sql[256];
    size_t bytes = 0;
    double total = 0;
    for (int i = 0; i < INCREMENTS; i++) {
        snprintf(sql, sizeof sql,
                 "UPDATE projects SET name = 'changed %d' WHERE id = md5('%s' || 7)::uuid::text", i,
                 owner);
        exec_or_die(conn, sql);
        double t0 = now();
        sequence_or_die(server, conn);
        *sequencing += now() - t0;
        t0 = now();
        next_or_die(stream, conn, &bytes);
        total += now() - t0;
    }
    return total / INCREMENTS;
}

int main(void) {
    PGconn *conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "bench: %s", PQerrorMessage(conn));
        return 1;
    }
    exec_or_die(conn, "SET client_min_messages = warning");
    syncspec_server *server;
    syncspec_error error;
    if (syncspec_server_new(&server, &app_schema, &error) != 0) return 1;
    add_rows(conn, "big", BIG);
    add_rows(conn, "small", SMALL);
    double t0 = now();
    sequence_or_die(server, conn);
    double sequenced = now() - t0;

    double stream_s = 1e9, copy_s = 1e9;
    size_t bytes = 0;
    for (int run = 0; run < 3; run++) {
        syncspec_sync_stream *s = open_stream(server, "big");
        bytes = 0;
        t0 = now();
        next_or_die(s, conn, &bytes);
        double t = now() - t0;
        if (t < stream_s) stream_s = t;
        syncspec_sync_stream_free(s);
        double c = copy_json(conn, "big");
        if (c < copy_s) copy_s = c;
    }
    printf("sequencer, first run: %.0f rows/s (%d rows)\n", (BIG + SMALL) / sequenced, BIG + SMALL);
    printf("initial sync of %d rows to one client: %.0f rows/s (%.1f MB of lines)\n", BIG,
           BIG / stream_s, (double)bytes / 1e6);
    printf("  floor  COPY (SELECT the rows as JSON) TO STDOUT: %.0f rows/s; ratio %.2f (target >= "
           "0.5)\n",
           BIG / copy_s, copy_s / stream_s);

    syncspec_sync_stream *big = open_stream(server, "big"), *small = open_stream(server, "small");
    next_or_die(big, conn, &bytes);
    next_or_die(small, conn, &bytes);
    double sequencing = 0;
    double big_s = increment(server, conn, big, "big", &sequencing);
    double small_s = increment(server, conn, small, "small", &sequencing);
    printf("incremental checkpoint after one change: %.2f ms with %d rows, %.2f ms with %d rows;"
           " ratio %.2f (target <= 2)\n",
           big_s * 1e3, BIG, small_s * 1e3, SMALL, big_s / small_s);
    printf("  the sequencer's run after one change: %.2f ms\n",
           sequencing * 1e3 / (2 * INCREMENTS));
    syncspec_sync_stream_free(big);
    syncspec_sync_stream_free(small);
    syncspec_server_free(server);
    PQfinish(conn);
    return 0;
}
