/*
 * The client store's HTTP transport (syncspec/http.h) against a real `syncspec serve` on a
 * fresh database of the run's PostgreSQL: two devices of one user and direct SQL writes
 * converge through uploads, write checkpoints and downloads over HTTP; a refused token is
 * replaced through the credentials callback; a server that is gone is a retry, not a loss.
 * Tokens are HS256, signed here with the server's --dev-secret.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "spec/sha256.h"
#include "sync/fixture.h"

static sync_sql app;
static char serve_path[512];

#define P(n) "11111111-0000-4000-8000-0000000000" n /* a project */
#define SECRET "a-development-secret-of-32-bytes"

typedef struct server_env {
    sync_env e;
    pid_t pid;
    char endpoint[64];
} server_env;

/* ---- HS256 tokens ---- */

static void hmac_sha256(unsigned char out[32], const char *key, const char *msg) {
    unsigned char k[64] = {0}, inner[32];
    memcpy(k, key, strlen(key)); /* keys here are shorter than a block */
    unsigned char pad[64];
    sha256_ctx c;
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, msg, strlen(msg));
    sha256_final(inner, &c);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, inner, 32);
    sha256_final(out, &c);
}

static void base64url(char *out, const unsigned char *in, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        if (i + 1 < n) out[o++] = abc[v >> 6 & 63];
        if (i + 2 < n) out[o++] = abc[v & 63];
    }
    out[o] = '\0';
}

/* A malloc'd token for `sub`. */
static char *token_for(const char *sub) {
    char claims[256], head[64], body[400], sig[64], *out = malloc(1024);
    snprintf(claims, sizeof claims,
             "{\"sub\":\"%s\",\"aud\":\"powersync\",\"iat\":%ld,\"exp\":%ld}", sub,
             (long)time(NULL), (long)time(NULL) + 3600);
    const char *header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    base64url(head, (const unsigned char *)header, strlen(header));
    base64url(body, (const unsigned char *)claims, strlen(claims));
    snprintf(out, 1024, "%s.%s", head, body);
    unsigned char mac[32];
    hmac_sha256(mac, SECRET, out);
    base64url(sig, mac, 32);
    strcat(out, ".");
    strcat(out, sig);
    return out;
}

/* ---- the server ---- */

static int setup(void **state) {
    server_env *s = calloc(1, sizeof *s);
    *state = s;
    if (sync_env_open(&s->e, &app) != 0) fail_msg("PostgreSQL is unreachable");
    char jwks[128], conninfo[128];
    snprintf(jwks, sizeof jwks, "%s/jwks.json", s->e.dir);
    FILE *f = fopen(jwks, "w");
    assert_non_null(f);
    fputs("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"unused\",\"x\":"
          "\"9yhzVXPEcBLElKa4JMXbsVUy17lAJVnmWSTn7vb-92Q\"}]}",
          f);
    fclose(f);
    snprintf(conninfo, sizeof conninfo, "dbname=%s", s->e.pg.dbname);
    int out[2];
    assert_int_equal(pipe(out), 0);
    s->pid = fork();
    if (s->pid == 0) {
        dup2(out[1], 2);
        close(out[0]);
        execl(serve_path, serve_path, "serve", "schemas/app.yaml", "--postgres", conninfo,
              "--listen", "127.0.0.1:0", "--jwks", jwks, "--audience", "powersync", "--dev-secret",
              SECRET, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *log = fdopen(out[0], "r");
    char line[512];
    while (fgets(line, sizeof line, log)) {
        const char *at = strstr(line, "listening on 127.0.0.1:");
        if (at) {
            snprintf(s->endpoint, sizeof s->endpoint, "http://127.0.0.1:%d",
                     atoi(at + strlen("listening on 127.0.0.1:")));
            break;
        }
        fputs(line, stderr);
    }
    /* The server's later lines go nowhere: its log is not what is tested. */
    if (fork() == 0) {
        while (fgets(line, sizeof line, log)) {
        }
        _exit(0);
    }
    fclose(log);
    if (!s->endpoint[0]) fail_msg("syncspec serve did not start");
    return 0;
}

static void stop_server(server_env *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static int teardown(void **state) {
    server_env *s = *state;
    stop_server(s);
    sync_env_close(&s->e);
    free(s);
    return 0;
}

/* ---- a device ---- */

typedef struct device {
    server_env *server;
    const char *user;
    int calls, refreshes;
    bool bad_first_token; /* the first token is refused */
    syncspec_store *store;
    syncspec_http *http;
} device;

static int credentials(void *context, char **endpoint, char **token, bool refresh) {
    device *d = context;
    d->calls++;
    d->refreshes += refresh;
    *endpoint = strdup(d->server->endpoint);
    *token = d->bad_first_token && d->calls == 1 ? strdup("not.a.token") : token_for(d->user);
    return 0;
}

static void device_open(device *d, server_env *s, const char *name, const char *user) {
    d->server = s;
    d->user = user;
    d->store = sync_env_store(&s->e, &app, name, user);
    assert_non_null(d->store);
    syncspec_http_options options = {credentials, d, NULL, 0};
    syncspec_error err = {0};
    assert_int_equal(syncspec_http_new(&d->http, &options, &err), 0);
}

static void device_close(device *d) {
    syncspec_http_free(d->http);
    syncspec_store_free(d->store);
}

static syncspec_sync_result device_sync(device *d) {
    syncspec_transport t = syncspec_http_transport(d->http);
    syncspec_sync_result r;
    syncspec_error err = {0};
    if (syncspec_store_sync(d->store, &t, 0, &r, &err) != 0)
        fail_msg("sync: %s (%s)", err.message, syncspec_http_last_error(d->http));
    return r;
}

static void local(device *d, const char *fmt, ...) {
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(syncspec_store_db(d->store), text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
}

/* Every project of `owner` as id=name, in PostgreSQL and in the store. */
static char *remote_projects(server_env *s, const char *owner) {
    return pg_value(s->e.pg.conn,
                    "SELECT coalesce(string_agg(id || '=' || name, ',' ORDER BY id), '') FROM "
                    "projects WHERE owner_id = '%s'",
                    owner);
}

static char *local_projects(device *d) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(syncspec_store_db(d->store),
                       "SELECT coalesce(group_concat(x, ','), '') FROM (SELECT id || '=' || name "
                       "AS x FROM projects ORDER BY id)",
                       -1, &st, NULL);
    char *out = strdup(sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                                      : "<error>");
    sqlite3_finalize(st);
    return out;
}

/* How many of the store's projects are soft-deleted. */
static int soft_deleted(device *d) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(syncspec_store_db(d->store),
                       "SELECT count(*) FROM projects WHERE deleted_at IS NOT NULL", -1, &st, NULL);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

static void assert_converged(server_env *s, device *d) {
    char *remote = remote_projects(s, d->user), *here = local_projects(d);
    assert_string_equal(here, remote);
    free(remote);
    free(here);
}

static void add_project(server_env *s, const char *id, const char *owner, const char *name) {
    char text[512];
    snprintf(text, sizeof text,
             "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('%s', "
             "'%s', '%s', now(), now())",
             id, name, owner);
    if (!pg_ok(s->e.pg.conn, text)) fail_msg("SQL failed: %s", text);
}

static void test_two_devices_and_sql_converge(void **state) {
    server_env *s = *state;
    add_project(s, P("01"), "alice", "from sql");
    add_project(s, P("02"), "bob", "bob''s");
    device a = {0}, b = {0};
    device_open(&a, s, "a", "alice");
    device_open(&b, s, "b", "alice");
    a.bad_first_token = true;
    local(
        &a,
        "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('" P(
            "03") "', 'from a', 'alice', '2025-03-04T05:06:07.000Z', '2025-03-04T05:06:07.000Z')");
    syncspec_sync_result r = device_sync(&a);
    assert_int_equal(r.uploaded, 1);
    assert_true(r.applied);
    assert_int_equal(a.refreshes, 1); /* the refused token was replaced */
    assert_converged(s, &a);
    r = device_sync(&b);
    assert_true(r.applied);
    assert_converged(s, &b);
    char *names = local_projects(&b);
    assert_string_equal(names, P("01") "=from sql," P("03") "=from a");
    free(names);
    /* b edits and deletes; SQL edits; a sees all of it. */
    local(&b, "UPDATE projects SET name = 'edited on b' WHERE id = '" P("03") "'");
    local(&b, "DELETE FROM projects WHERE id = '" P("01") "'");
    add_project(s, P("04"), "alice", "later sql");
    r = device_sync(&b);
    assert_int_equal(r.uploaded, 2);
    assert_true(r.applied);
    device_sync(&a);
    assert_converged(s, &a);
    assert_converged(s, &b);
    names = local_projects(&a);
    assert_string_equal(names, P("01") "=from sql," P("03") "=edited on b," P("04") "=later sql");
    free(names);
    /* projects are soft-deleted: b's delete comes back to both as deleted_at. */
    assert_int_equal(soft_deleted(&a), 1);
    assert_int_equal(soft_deleted(&b), 1);
    assert_int_equal(pg_long(s->e.pg.conn, "SELECT count(*) FROM projects WHERE deleted_at IS NOT "
                                           "NULL AND id = '" P("01") "'"),
                     1);
    assert_int_equal(pg_long(s->e.pg.conn, "SELECT count(*) FROM projects WHERE name = 'bob''s'"),
                     1);
    /* The server gone: a retry, and the local write stays queued. */
    stop_server(s);
    local(&a, "UPDATE projects SET name = 'offline' WHERE id = '" P("04") "'");
    syncspec_transport t = syncspec_http_transport(a.http);
    syncspec_error err = {0};
    assert_int_equal(syncspec_store_sync(a.store, &t, 0, &r, &err), SYNCSPEC_ERETRY);
    size_t queued = 0;
    assert_int_equal(syncspec_store_pending(a.store, &queued, NULL, &err), 0);
    assert_int_equal(queued, 1);
    assert_non_null(strstr(syncspec_http_last_error(a.http), "127.0.0.1"));
    device_close(&a);
    device_close(&b);
}

int main(int argc, char **argv) {
    (void)argc;
    snprintf(serve_path, sizeof serve_path, "%s", argv[0]);
    char *slash = strrchr(serve_path, '/');
    if (!slash) return 1;
    snprintf(slash, sizeof serve_path - (size_t)(slash - serve_path), "/../syncspec");
    if (fixture_load(&app, "schemas/app.yaml") != 0) {
        fprintf(stderr, "cannot load the spec (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_devices_and_sql_converge, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&app);
    return failed;
}
