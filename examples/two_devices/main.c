/*
 * One user's two devices and one PostgreSQL: both edit offline, then sync and converge;
 * then one device signs in as another user. The "network" is a function call into the
 * server side of libsyncspec, as an API server (`syncspec serve`) makes it: uploads, and
 * downloads through the PowerSync protocol.
 *
 *   two_devices GENERATED_DIR WORK_DIR     (PostgreSQL from the PG* variables)
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_schema.h"
#include "syncspec.h"

typedef struct api {
    syncspec_server *server;
    PGconn *conn;
    const char *user; /* who the transport authenticates as (a JWT's sub) */
} api;

static int api_upload(void *context, char **response, const char *body) {
    api *a = context;
    syncspec_error e;
    return syncspec_server_upload(a->server, response, a->conn, a->user, body, &e) == 0 ? 0 : -1;
}

/* What the server writes for POST /sync/stream goes to the device's reader. */
typedef struct stream_out {
    int (*receive)(void *receive_context, const char *bytes, size_t len);
    void *receive_context;
    int closed; /* the device had read enough */
} stream_out;

static int write_line(void *context, const char *line, size_t len) {
    stream_out *out = context;
    if (out->receive(out->receive_context, line, len) == 0) return 0;
    out->closed = 1;
    return -1;
}

/* POST /sync/stream: the op log brought up to date, then the stream's first checkpoint. */
static int api_stream(void *context, const char *body,
                      int (*receive)(void *receive_context, const char *bytes, size_t len),
                      void *receive_context) {
    api *a = context;
    syncspec_error e;
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *stream = NULL;
    stream_out out = {receive, receive_context, 0};
    int rc = syncspec_sync_sequence(a->server, a->conn, NULL, &e);
    if (rc == 0) rc = syncspec_sync_request_parse(&request, body, strlen(body), &e);
    if (rc == 0) rc = syncspec_sync_stream_new(&stream, a->server, a->user, request, &e);
    if (rc == 0) rc = syncspec_sync_stream_next(stream, a->conn, write_line, &out, &e);
    syncspec_sync_stream_free(stream);
    syncspec_sync_request_free(request);
    return rc < 0 && !out.closed ? -1 : 0;
}

/* GET /write-checkpoint2.json */
static int api_write_checkpoint(void *context, char **response, const char *client_id) {
    api *a = context;
    syncspec_error e;
    int64_t n = 0;
    if (syncspec_sync_write_checkpoint(a->server, a->conn, a->user, client_id, &n, &e) != 0 ||
        !(*response = malloc(64)))
        return -1;
    snprintf(*response, 64, "{\"data\":{\"write_checkpoint\":\"%lld\"}}", (long long)n);
    return 0;
}

static char *read_file(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    if (data) data[n] = '\0';
    fclose(f);
    return data;
}

static int sql(syncspec_store *s, const char *text) {
    char *message = NULL;
    if (sqlite3_exec(syncspec_store_db(s), text, NULL, NULL, &message) == SQLITE_OK) return 0;
    fprintf(stderr, "%s\n", message);
    sqlite3_free(message);
    return -1;
}

static int print_row(void *label, int n, char **values, char **names) {
    (void)names;
    printf("  %-8s", (const char *)label);
    for (int i = 0; i < n; i++) printf(" %s", values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

static const char documents_sql[] =
    "SELECT id, title, content, deleted_at IS NOT NULL AS deleted FROM documents ORDER BY id";

static void show(syncspec_store *s, const char *label) {
    sqlite3_exec(syncspec_store_db(s), documents_sql, print_row, (void *)label, NULL);
}

/* Every document of a device as one text (malloc'd), to compare devices. */
static int append_row(void *text, int n, char **values, char **names) {
    (void)names;
    char **out = text;
    for (int i = 0; i < n; i++) {
        const char *v = values[i] ? values[i] : "NULL";
        size_t len = *out ? strlen(*out) : 0;
        char *grown = realloc(*out, len + strlen(v) + 2);
        if (!grown) return 1;
        strcpy(grown + len, v);
        strcat(grown, i + 1 < n ? "|" : "\n");
        *out = grown;
    }
    return 0;
}

static char *documents(syncspec_store *s) {
    char *text = NULL;
    sqlite3_exec(syncspec_store_db(s), documents_sql, append_row, &text, NULL);
    return text;
}

static int sync_device(syncspec_store *s, api *a, const char *label) {
    syncspec_transport transport = {.upload = api_upload,
                                    .context = a,
                                    .stream = api_stream,
                                    .write_checkpoint = api_write_checkpoint};
    syncspec_sync_result r;
    syncspec_error e = {0};
    if (syncspec_store_sync(s, &transport, 0, &r, &e) != 0) {
        fprintf(stderr, "%s: sync failed: %s\n", label, e.message);
        return -1;
    }
    printf("%s synced: %zu transactions uploaded, %zu rejected%s\n", label, r.uploaded, r.rejected,
           r.resynced ? ", resynced" : "");
    return 0;
}

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
#define DOC1 "'00000000-0000-4000-8000-000000000001'"
#define DOC2 "'00000000-0000-4000-8000-000000000002'"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s GENERATED_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    int status = 1;
    char *sqlite_sql = read_file(argv[1], "sqlite.sql");
    char *capture_sql = read_file(argv[1], "sqlite_sync.sql");
    char *pg_sql = read_file(argv[1], "postgres.sql");
    char *pg_sync_sql = read_file(argv[1], "postgres_sync.sql");
    PGconn *conn = PQconnectdb("");
    syncspec_server *server = NULL;
    syncspec_store *phone = NULL, *laptop = NULL;
    syncspec_error e = {0};
    if (!sqlite_sql || !capture_sql || !pg_sql || !pg_sync_sql) goto done;
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(conn));
        goto done;
    }
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    PGresult *res = PQexec(conn, pg_sql);
    PQclear(res);
    res = PQexec(conn, pg_sync_sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "postgres_sync.sql: %s", PQerrorMessage(conn));
        PQclear(res);
        goto done;
    }
    PQclear(res);
    if (syncspec_server_new(&server, &app_schema, &e) != 0) goto fail;
    api alice = {server, conn, "alice"}, bob = {server, conn, "bob"};

    char path[1024];
    snprintf(path, sizeof path, "%s/phone.db", argv[2]);
    if (syncspec_store_open(&phone, path, &app_schema, sqlite_sql, capture_sql, &e) != 0) goto fail;
    snprintf(path, sizeof path, "%s/laptop.db", argv[2]);
    if (syncspec_store_open(&laptop, path, &app_schema, sqlite_sql, capture_sql, &e) != 0)
        goto fail;
    if (syncspec_store_set_user(phone, "alice", &e) || syncspec_store_set_user(laptop, "alice", &e))
        goto fail;

    printf("1. The phone writes two documents and syncs; the laptop syncs.\n");
    if (sql(phone, "INSERT INTO documents (id, title, content, device_id, created_at, updated_at) "
                   "VALUES (" DOC1 ", 'Groceries', 'milk', 'phone', " NOW ", " NOW "), (" DOC2
                   ", 'Ideas', 'none yet', 'phone', " NOW ", " NOW ")") ||
        sync_device(phone, &alice, "phone") || sync_device(laptop, &alice, "laptop"))
        goto done;

    printf("2. Both go offline and edit: the phone appends to the list and deletes Ideas,\n"
           "   the laptop renames the list and writes a new document.\n");
    if (sql(phone, "UPDATE documents SET content = 'milk, eggs' WHERE id = " DOC1) ||
        sql(phone, "DELETE FROM documents WHERE id = " DOC2) ||
        sql(laptop, "UPDATE documents SET title = 'Shopping' WHERE id = " DOC1) ||
        sql(laptop, "INSERT INTO documents (id, content, device_id, created_at, updated_at) VALUES "
                    "('00000000-0000-4000-8000-000000000003', 'from the laptop', 'laptop', " NOW
                    ", " NOW ")"))
        goto done;
    show(phone, "phone");
    show(laptop, "laptop");

    printf("3. Back online: each syncs (the laptop again last, to receive the phone's edits).\n");
    if (sync_device(laptop, &alice, "laptop") || sync_device(phone, &alice, "phone") ||
        sync_device(laptop, &alice, "laptop"))
        goto done;
    show(phone, "phone");
    show(laptop, "laptop");
    char *a = documents(phone), *b = documents(laptop);
    int same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    printf("   converged: %s (every download's bucket checksums equal to the server's)\n",
           same ? "yes" : "NO");
    if (!same) goto done;

    printf("4. Bob signs in on the laptop: Alice's rows and queue are gone, preferences stay.\n");
    if (sql(laptop, "INSERT INTO preferences (id, key, value, created_at, updated_at) VALUES "
                    "('p1', 'theme', '\"dark\"', " NOW ", " NOW ")") ||
        syncspec_store_set_user(laptop, "bob", &e) || sync_device(laptop, &bob, "laptop"))
        goto done;
    show(laptop, "laptop");
    sqlite3_exec(syncspec_store_db(laptop), "SELECT key, value FROM preferences", print_row, "pref",
                 NULL);
    status = 0;
    goto done;
fail:
    fprintf(stderr, "error: %s\n", e.message);
done:
    syncspec_store_free(phone);
    syncspec_store_free(laptop);
    syncspec_server_free(server);
    PQfinish(conn);
    free(sqlite_sql);
    free(capture_sql);
    free(pg_sql);
    free(pg_sync_sql);
    return status;
}
