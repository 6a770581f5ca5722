/*
 * Shared by the sync tests: the generated SQL for a spec (rendered by the real templates),
 * a fresh PostgreSQL database per test (CREATE DATABASE on the server tests/run.sh starts),
 * client stores in temporary SQLite files, and an in-process transport that calls the
 * server functions (uploads and the PowerSync protocol), able to lose a response or cut a
 * stream on purpose.
 */
#ifndef SYNC_FIXTURE_H
#define SYNC_FIXTURE_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile/compile.h"
#include "emit/emit.h"
#include "syncspec.h"

typedef struct sync_sql {
    arena *a;
    const syncspec_schema *schema;
    syncspec_schema *layout; /* the same schema with row layouts, for typed rows */
    const char *sqlite_sql, *sqlite_sync_sql, *postgres_sql, *postgres_sync_sql;
} sync_sql;

static int fixture_load(sync_sql *g, const char *spec_path) {
    memset(g, 0, sizeof *g);
    g->a = arena_new();
    diag_list diags;
    diag_list_init(&diags, g->a);
    if (compile_load_file(&g->schema, g->a, spec_path, &diags) != 0) return -1;
    emit_file *files;
    size_t count;
    const char **used;
    const char *only[] = {"sqlite", "postgres", "sqlite-sync", "postgres-sync", NULL};
    emit_options options = {only, NULL};
    if (emit_generate(&files, &count, &used, g->a, g->schema, &options, &diags) != 0) {
        diag_print(stderr, &diags);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(files[i].path, "sqlite.sql") == 0) g->sqlite_sql = files[i].content;
        if (strcmp(files[i].path, "postgres.sql") == 0) g->postgres_sql = files[i].content;
        if (strcmp(files[i].path, "sqlite_sync.sql") == 0) g->sqlite_sync_sql = files[i].content;
        if (strcmp(files[i].path, "postgres_sync.sql") == 0)
            g->postgres_sync_sql = files[i].content;
    }
    if (!g->sqlite_sql || !g->postgres_sql || !g->sqlite_sync_sql || !g->postgres_sync_sql)
        return -1;
    return syncspec_schema_layout(&g->layout, g->schema);
}

static void fixture_unload(sync_sql *g) {
    syncspec_schema_layout_free(g->layout);
    arena_free(g->a);
}

/* ---- PostgreSQL ---- */

static PGconn *pg_connect_db(const char *dbname) {
    const char *keys[] = {"dbname", NULL};
    const char *values[] = {dbname, NULL};
    PGconn *c = PQconnectdbParams(keys, values, 1); /* the rest from PG* variables */
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect to PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

static int pg_ok(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) fprintf(stderr, "SQL failed: %s\n%s\n", PQresultErrorMessage(r), sql);
    PQclear(r);
    return ok;
}

/* The first column of the first row of a query, as a malloc'd string ("" for NULL). */
static char *pg_value(PGconn *c, const char *fmt, ...) {
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(c, sql);
    char *out = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        out = strdup(PQgetvalue(r, 0, 0));
    else
        fprintf(stderr, "query failed: %s\n%s\n", PQresultErrorMessage(r), sql);
    PQclear(r);
    return out;
}

static long pg_long(PGconn *c, const char *fmt, ...) {
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *v = pg_value(c, "%s", sql);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

typedef struct pg_fixture {
    char dbname[64];
    PGconn *admin; /* on the PGDATABASE the run provides */
    PGconn *conn;  /* on the fresh database */
} pg_fixture;

/* A fresh database with postgres.sql and postgres_sync.sql. Returns 0, or -1 when
 * PostgreSQL is unreachable (a failure under CI=true, a skip otherwise). */
static int pg_fresh(pg_fixture *f, const sync_sql *g) {
    static int counter;
    memset(f, 0, sizeof *f);
    const char *base = getenv("PGDATABASE");
    if (!(f->admin = pg_connect_db(base ? base : "postgres"))) return -1;
    snprintf(f->dbname, sizeof f->dbname, "syncspec_sync_%d_%d", (int)getpid(), ++counter);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", f->dbname);
    pg_ok(f->admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->dbname);
    if (!pg_ok(f->admin, sql) || !(f->conn = pg_connect_db(f->dbname))) return -1;
    if (!pg_ok(f->conn, g->postgres_sql) || !pg_ok(f->conn, g->postgres_sync_sql)) return -1;
    return 0;
}

static void pg_drop(pg_fixture *f) {
    PQfinish(f->conn);
    if (f->admin && f->dbname[0]) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->dbname);
        pg_ok(f->admin, sql);
    }
    PQfinish(f->admin);
}

/* ---- one test's server and client stores ---- */

typedef struct sync_env {
    pg_fixture pg;
    syncspec_server *server;
    PGconn *api;  /* the connection the "API server" uses */
    char dir[64]; /* the stores' files */
} sync_env;

/* A fresh database, a server on it and a temporary folder for stores. Returns 0, or -1
 * (said on stderr; sync_env_close still cleans up what was made). */
static inline int sync_env_open(sync_env *e, const sync_sql *g) {
    memset(e, 0, sizeof *e);
    syncspec_error err;
    if (pg_fresh(&e->pg, g) != 0 || !(e->api = pg_connect_db(e->pg.dbname))) return -1;
    if (syncspec_server_new(&e->server, g->schema, &err) != 0) {
        fprintf(stderr, "server: %s\n", err.message);
        return -1;
    }
    snprintf(e->dir, sizeof e->dir, "/tmp/syncspec-test-XXXXXX");
    if (!mkdtemp(e->dir)) {
        e->dir[0] = '\0';
        return -1;
    }
    return 0;
}

static inline void sync_env_close(sync_env *e) {
    syncspec_server_free(e->server);
    PQfinish(e->api);
    pg_drop(&e->pg);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    if (e->dir[0] && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", e->dir);
}

/* The store `name` in the folder, signed in as `user` (NULL: nobody yet); NULL on failure
 * (said on stderr). */
static inline syncspec_store *sync_env_store(sync_env *e, const sync_sql *g, const char *name,
                                             const char *user) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s.db", e->dir, name);
    syncspec_store *s = NULL;
    syncspec_error err = {0};
    if (syncspec_store_open(&s, path, g->schema, g->sqlite_sql, g->sqlite_sync_sql, &err) != 0 ||
        (user && syncspec_store_set_user(s, user, &err) != 0)) {
        fprintf(stderr, "store %s: %s\n", path, err.message);
        syncspec_store_free(s);
        return NULL;
    }
    return s;
}

/* ---- an in-process transport ---- */

/*
 * The server's calls behind a syncspec_transport, as `syncspec serve` makes them: uploads
 * through syncspec_server_upload, and the PowerSync protocol (a sequencer run, then one
 * syncspec_sync_stream_next per connection, and write checkpoints). Faults on purpose: an
 * upload applied whose answer is lost, one never sent, a stream cut after some bytes.
 */
typedef struct fake_transport {
    syncspec_server *server;
    PGconn **conn; /* where the "API server" gets its connection */
    const char *user_id;
    int lose_upload_responses; /* apply, then report no answer, this many times */
    int fail_uploads;          /* do not even send, this many times */
    int uploads, streams;
    size_t cut_stream_at; /* end the next stream after this many bytes (0: never) */
    int write_checkpoints;
    /* during a stream */
    int (*receive)(void *, const char *, size_t);
    void *receive_context;
    size_t sent;
    bool stopped; /* the receiver had enough, or the stream was cut */
} fake_transport;

static int fake_upload(void *context, char **response, const char *body) {
    fake_transport *t = context;
    t->uploads++;
    if (t->fail_uploads > 0) {
        t->fail_uploads--;
        return -1;
    }
    syncspec_error e;
    int rc = syncspec_server_upload(t->server, response, *t->conn, t->user_id, body, &e);
    if (rc == 0 && t->lose_upload_responses > 0) {
        t->lose_upload_responses--;
        free(*response);
        *response = NULL;
        return -1;
    }
    return rc == 0 ? 0 : -1;
}

/* A syncspec_line_writer onto the store's receiver, which gets each line in two pieces (a
 * line spans reads), up to the cut. */
static int fake_line(void *context, const char *line, size_t len) {
    fake_transport *t = context;
    size_t half = len / 2;
    if (t->cut_stream_at && t->sent + len > t->cut_stream_at) {
        size_t part = t->cut_stream_at - t->sent;
        if (part) t->receive(t->receive_context, line, part < half ? part : half);
        t->stopped = true;
        return -1;
    }
    t->sent += len;
    if (t->receive(t->receive_context, line, half) ||
        t->receive(t->receive_context, line + half, len - half)) {
        t->stopped = true;
        return -1;
    }
    return 0;
}

static int fake_stream(void *context, const char *body,
                       int (*receive)(void *, const char *, size_t), void *receive_context) {
    fake_transport *t = context;
    t->streams++;
    t->receive = receive;
    t->receive_context = receive_context;
    t->sent = 0;
    t->stopped = false;
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *stream = NULL;
    syncspec_error e = {0};
    int rc = syncspec_sync_sequence(t->server, *t->conn, NULL, &e);
    if (rc == 0) rc = syncspec_sync_request_parse(&request, body, strlen(body), &e);
    if (rc == 0) rc = syncspec_sync_stream_new(&stream, t->server, t->user_id, request, &e);
    if (rc == 0) rc = syncspec_sync_stream_next(stream, *t->conn, fake_line, t, &e);
    syncspec_sync_stream_free(stream);
    syncspec_sync_request_free(request);
    t->cut_stream_at = 0;
    if (rc < 0 && !t->stopped) fprintf(stderr, "stream failed: %s\n", e.message);
    return rc < 0 && !t->stopped ? -1 : 0; /* a cut stream is a response that ended */
}

static int fake_write_checkpoint(void *context, char **response, const char *client_id) {
    fake_transport *t = context;
    t->write_checkpoints++;
    syncspec_error e = {0};
    int64_t n = 0;
    if (syncspec_sync_write_checkpoint(t->server, *t->conn, t->user_id, client_id, &n, &e) != 0)
        return -1;
    if (!(*response = malloc(64))) return -1;
    snprintf(*response, 64, "{\"data\":{\"write_checkpoint\":\"%lld\"}}", (long long)n);
    return 0;
}

static inline syncspec_transport fake_transport_of(fake_transport *t) {
    syncspec_transport tr = {.upload = fake_upload,
                             .context = t,
                             .stream = fake_stream,
                             .write_checkpoint = fake_write_checkpoint};
    return tr;
}

#endif
