/*
 * `syncspec serve` beside its floor, measured in the same run on the same machine and
 * PostgreSQL (PG* variables), against a server the script started:
 *  - uploads through HTTP, one client on one keep-alive connection, against
 *    syncspec_server_upload called directly with the same bodies (the library's rate).
 *    Target: >= 70% of the library's ops/s.
 *  - 200 clients uploading at once, each its own connection and client id: no error, no
 *    lost op (every row counted in PostgreSQL), throughput reported.
 * Usage: bench_serve URL TOKEN (URL of the upload endpoint, TOKEN a JWT it accepts).
 */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_schema.h"

enum {
    BODIES = 200,      /* sequential bodies, each one transaction */
    OPS_PER_BODY = 50, /* PUTs of documents per transaction */
    CLIENTS = 200,     /* concurrent clients */
    CLIENT_BODIES = 5, /* bodies each concurrent client sends */
    CLIENT_OPS = 10,   /* PUTs per concurrent body */
};

static const char *url, *auth_header;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One transaction of `ops` PUTs of documents, ids unique to (run, client, body). */
static char *body_of(int run, int client, int body, int ops) {
    size_t cap = (size_t)ops * 400 + 256, len = 0;
    char *b = malloc(cap);
    if (!b) abort();
    len += (size_t)snprintf(b, cap,
                            "{\"client_id\":\"bench-%d-%d\",\"transactions\":[{\"op_id\":"
                            "\"%d\",\"ops\":[",
                            run, client, body + 1);
    for (int k = 0; k < ops; k++)
        len += (size_t)snprintf(
            b + len, cap - len,
            "%s{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"%08x-%04x-4%03x-8"
            "%03x-%012x\",\"data\":{\"title\":\"Title %d\",\"content\":\"Some "
            "text of a document, long enough to be typical of one.\",\"device_id\":"
            "\"d\"}}",
            k ? "," : "", body, run, client, k, 0, k);
    snprintf(b + len, cap - len, "]}]}");
    return b;
}

/* The answer is not read: its status says enough, and PostgreSQL is counted after. */
static size_t discard(char *ptr, size_t size, size_t n, void *userdata) {
    (void)ptr;
    (void)userdata;
    return size * n;
}

/* PUTs one body; returns the HTTP status (0 on a transport error). */
static long send_body(CURL *curl, const char *body) {
    struct curl_slist *headers = curl_slist_append(NULL, auth_header);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    return status;
}

typedef struct client {
    int run, index, errors;
} client;

static void *client_main(void *arg) {
    client *c = arg;
    CURL *curl = curl_easy_init();
    for (int k = 0; k < CLIENT_BODIES; k++) {
        char *body = body_of(c->run, c->index, k, CLIENT_OPS);
        long status = curl ? send_body(curl, body) : 0;
        if (status != 200) {
            c->errors++;
            if (c->errors == 1) fprintf(stderr, "bench: client %d: HTTP %ld\n", c->index, status);
        }
        free(body);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

static long rows(PGconn *conn, int run) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM documents WHERE substr(id, 10, 4) = '%04x'",
             run);
    PGresult *r = PQexec(conn, sql);
    long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: bench_serve URL TOKEN\n", stderr);
        return 2;
    }
    url = argv[1];
    char header[4096];
    snprintf(header, sizeof header, "Authorization: Token %s", argv[2]);
    auth_header = header;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    PGconn *conn = PQconnectdb("");
    syncspec_server *server = NULL;
    syncspec_error error;
    if (PQstatus(conn) != CONNECTION_OK || syncspec_server_new(&server, &app_schema, &error)) {
        fprintf(stderr, "bench: %s", PQerrorMessage(conn));
        return 1;
    }
    int status = 0;

    /* The library's rate: run 1. */
    double t0 = now();
    for (int b = 0; b < BODIES; b++) {
        char *body = body_of(1, 0, b, OPS_PER_BODY), *response = NULL;
        if (syncspec_server_upload(server, &response, conn, "bench", body, &error) != 0 ||
            !strstr(response, "\"applied\"")) {
            fprintf(stderr, "bench: library upload failed: %s\n",
                    response ? response : error.message);
            return 1;
        }
        free(response);
        free(body);
    }
    double library = BODIES * OPS_PER_BODY / (now() - t0);

    /* Through HTTP, one client: run 2. */
    CURL *curl = curl_easy_init();
    t0 = now();
    for (int b = 0; b < BODIES; b++) {
        char *body = body_of(2, 0, b, OPS_PER_BODY);
        long code = send_body(curl, body);
        free(body);
        if (code != 200) {
            fprintf(stderr, "bench: HTTP %ld\n", code);
            return 1;
        }
    }
    double http = BODIES * OPS_PER_BODY / (now() - t0);
    curl_easy_cleanup(curl);
    long expected = (long)BODIES * OPS_PER_BODY;
    if (rows(conn, 1) != expected || rows(conn, 2) != expected) {
        fprintf(stderr, "bench: rows lost: %ld and %ld of %ld\n", rows(conn, 1), rows(conn, 2),
                expected);
        status = 1;
    }
    printf("uploads through HTTP, %d bodies of one %d-PUT transaction: %.0f ops/s\n", BODIES,
           OPS_PER_BODY, http);
    printf("  floor  syncspec_server_upload on the same bodies: %.0f ops/s; ratio %.2f (target >= "
           "0.70)\n",
           library, http / library);

    /* 200 clients at once: run 3. */
    client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    t0 = now();
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (client){3, i, 0};
        pthread_create(&threads[i], NULL, client_main, &clients[i]);
    }
    int errors = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        errors += clients[i].errors;
    }
    double elapsed = now() - t0;
    long landed = rows(conn, 3), sent = (long)CLIENTS * CLIENT_BODIES * CLIENT_OPS;
    printf("%d clients at once, %d bodies of %d PUTs each: %.0f ops/s, %d errors, %ld of %ld rows "
           "in PostgreSQL\n",
           CLIENTS, CLIENT_BODIES, CLIENT_OPS, sent / elapsed, errors, landed, sent);
    if (errors || landed != sent) status = 1;
    syncspec_server_free(server);
    PQfinish(conn);
    curl_global_cleanup();
    return status;
}
