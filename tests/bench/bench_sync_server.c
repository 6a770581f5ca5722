/*
 * The server's upload apply beside floors measured in the same run on the same machine and
 * PostgreSQL (PG* variables): end to end from the JSON body, 20,000 PUTs (documents,
 * ~200-byte text) in client transactions of 500, against COPY of the same rows into an
 * equivalent table, and against the recipe's handler pattern (parse, then one round trip
 * per op inside a transaction). Targets: >= 25% of COPY's rows/s, >= 3x the per-op
 * pattern. Downloads are measured apart (bench_protocol: the server's stream).
 * Usage: bench_sync_server, with schemas/app.yaml's postgres.sql and postgres_sync.sql
 * installed.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_schema.h"

enum { UPLOAD_OPS = 20000, PER_TX = 500 };

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

static char content[201];

static void row_id(char out[40], int run, int i) {
    snprintf(out, 40, "%08x-%04x-4111-8111-111111111111", i, run);
}

/* The upload body: UPLOAD_OPS PUTs in transactions of PER_TX, op ids unique to the run. */
static char *upload_body(int run) {
    size_t cap = (size_t)UPLOAD_OPS * 600 + 4096, len = 0;
    char *b = malloc(cap);
    len += (size_t)sprintf(b, "{\"transactions\":[");
    for (int t = 0; t < UPLOAD_OPS / PER_TX; t++) {
        len += (size_t)sprintf(b + len, "%s{\"op_id\":\"bench-%d:%d\",\"ops\":[", t ? "," : "", run,
                               t);
        for (int k = 0; k < PER_TX; k++) {
            char id[40];
            row_id(id, run, t * PER_TX + k);
            len +=
                (size_t)sprintf(b + len,
                                "%s{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"%s\",\"data\":{"
                                "\"title\":\"Title %d\",\"content\":\"%s\",\"device_id\":\"d\","
                                "\"created_at\":\"2025-09-22T14:29:30.120Z\",\"updated_at\":"
                                "\"2025-09-22T14:29:30.120Z\"}}",
                                k ? "," : "", id, k, content);
        }
        len += (size_t)sprintf(b + len, "]}");
    }
    sprintf(b + len, "]}");
    return b;
}

static double upload_apply(PGconn *conn, syncspec_server *server, int run) {
    char *body = upload_body(run), *response = NULL;
    syncspec_error error;
    double t0 = now();
    int rc = syncspec_server_upload(server, &response, conn, "bench-user", body, &error);
    double t = now() - t0;
    if (rc != 0 || !strstr(response, "\"applied\"") || strstr(response, "\"rejected\"") ||
        strstr(response, "\"retry\"")) {
        fprintf(stderr, "bench: upload failed: %s\n", rc ? error.message : response);
        exit(1);
    }
    free(response);
    free(body);
    return t;
}

/* COPY of the same rows into an equivalent table (same columns, indexes and checks). */
static double copy_rows(PGconn *conn, int run) {
    exec_or_die(conn, "TRUNCATE documents_copy");
    double t0 = now();
    exec_or_die(conn, "BEGIN");
    PGresult *r = PQexec(conn, "COPY documents_copy (id, title, content, device_id, owner_id, "
                               "created_at, updated_at) FROM STDIN");
    PQclear(r);
    char line[512];
    for (int i = 0; i < UPLOAD_OPS; i++) {
        char id[40];
        row_id(id, run, i);
        int n = snprintf(
            line, sizeof line,
            "%s\tTitle %d\t%s\td\tbench-user\t2025-09-22T14:29:30.120Z\t2025-09-22T14:29:30.120Z\n",
            id, i % PER_TX, content);
        PQputCopyData(conn, line, n);
    }
    PQputCopyEnd(conn, NULL);
    r = PQgetResult(conn);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench: COPY: %s", PQerrorMessage(conn));
        exit(1);
    }
    PQclear(r);
    exec_or_die(conn, "COMMIT");
    return now() - t0;
}

/* The recipe's handler: parse the body, then one round trip per op, a transaction per
 * client transaction, into an equivalent table. */
static double per_op(PGconn *conn, int run) {
    exec_or_die(conn, "TRUNCATE documents_per_op");
    char *body = upload_body(run);
    double t0 = now();
    json_t *doc = json_loads(body, 0, NULL);
    size_t t;
    json_t *tx;
    json_array_foreach(json_object_get(doc, "transactions"), t, tx) {
        exec_or_die(conn, "BEGIN");
        size_t i;
        json_t *op;
        json_array_foreach(json_object_get(tx, "ops"), i, op) {
            json_t *data = json_object_get(op, "data");
            const char *values[6] = {json_string_value(json_object_get(op, "id")),
                                     json_string_value(json_object_get(data, "title")),
                                     json_string_value(json_object_get(data, "content")),
                                     json_string_value(json_object_get(data, "device_id")),
                                     json_string_value(json_object_get(data, "created_at")),
                                     json_string_value(json_object_get(data, "updated_at"))};
            PGresult *r = PQexecParams(
                conn,
                "INSERT INTO documents_per_op (id, title, content, device_id, owner_id, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, 'bench-user', $5, $6) ON "
                "CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, content = EXCLUDED.content",
                6, NULL, values, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                fprintf(stderr, "bench: per-op: %s", PQerrorMessage(conn));
                exit(1);
            }
            PQclear(r);
        }
        exec_or_die(conn, "COMMIT");
    }
    double elapsed = now() - t0;
    json_decref(doc);
    free(body);
    return elapsed;
}

static double median3(double a, double b, double c) {
    return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

int main(void) {
    memset(content, 'x', 200);
    PGconn *conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "bench: %s", PQerrorMessage(conn));
        return 1;
    }
    exec_or_die(conn, "SET client_min_messages = warning");
    exec_or_die(conn, "CREATE TABLE documents_copy (LIKE documents INCLUDING ALL)");
    exec_or_die(conn, "CREATE TABLE documents_per_op (LIKE documents INCLUDING ALL)");
    syncspec_server *server;
    syncspec_error error;
    if (syncspec_server_new(&server, &app_schema, &error) != 0) return 1;

    double up[3], copy[3], op[3];
    for (int run = 0; run < 3; run++) {
        up[run] = upload_apply(conn, server, run);
        copy[run] = copy_rows(conn, run);
        op[run] = per_op(conn, run);
    }
    double up_rate = UPLOAD_OPS / median3(up[0], up[1], up[2]);
    double copy_rate = UPLOAD_OPS / median3(copy[0], copy[1], copy[2]);
    double op_rate = UPLOAD_OPS / median3(op[0], op[1], op[2]);
    printf("upload apply, 20,000 PUTs in transactions of 500, from the JSON body: %.0f rows/s\n",
           up_rate);
    printf("  floor  COPY into an equivalent table: %.0f rows/s; ratio %.2f (target >= 0.25)\n",
           copy_rate, up_rate / copy_rate);
    printf("  floor  parse + one round trip per op: %.0f rows/s; ratio %.2fx (target >= 3)\n",
           op_rate, up_rate / op_rate);

    syncspec_server_free(server);
    PQfinish(conn);
    return 0;
}
