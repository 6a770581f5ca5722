/*
 * Sanitized rows through a real PostgreSQL 15 (the one tests/run.sh starts; PG* variables):
 * each row inserted with parameters into tables built from the generated postgres.sql and
 * read back equals its canonical values, for every type, timestamps to the millisecond; and
 * what PostgreSQL stored equals values written out here, so that a parsing bug shared by
 * the sanitizer and the comparison cannot pass.
 * Uses the generated code of schemas/app.yaml and of the edge-case golden spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "app_schema.h"
#include "edge_schema.h"
#include "util/fsutil.h"

static PGconn *connect_db(const char *dbname) {
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", dbname);
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("PostgreSQL unreachable: %s", PQerrorMessage(conn));
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql) {
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(r);
}

/* A fresh database with the generated schema; returns a connection to it. */
static PGconn *database_from(const char *ddl_path, const char *name) {
    PGconn *admin = connect_db("postgres");
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    exec_ok(admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    exec_ok(admin, sql);
    PQfinish(admin);
    PGconn *conn = connect_db(name);
    char *ddl;
    size_t len;
    assert_int_equal(fs_read_file(&ddl, &len, ddl_path, 1 << 24), 0);
    exec_ok(conn, "SET client_min_messages = warning");
    exec_ok(conn, "SET TimeZone = 'UTC'"); /* timestamps read back as +00 */
    exec_ok(conn, ddl);
    free(ddl);
    return conn;
}

/* Inserts the sanitized row, reads every column back and compares with the row. */
static void round_trip(PGconn *conn, syncspec_sanitizer *s, const char *op_json, const char *user) {
    syncspec_op op;
    int rc = syncspec_sanitize_text(&op, s, op_json, strlen(op_json), user);
    if (rc != 0) fail_msg("sanitize: %s", op.errors[0].message);
    const syncspec_table *t = op.table;
    char sql[4096], cols[2048] = "", params[1024] = "", back[2048] = "";
    for (size_t i = 0; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        char item[200];
        snprintf(item, sizeof item, "%s\"%s\"", i ? ", " : "", c->name);
        strcat(cols, item);
        snprintf(item, sizeof item, "%s$%zu", i ? ", " : "", i + 1);
        strcat(params, item);
        /* Timestamps as epoch milliseconds, everything else as PostgreSQL's own text. */
        if (c->type == SYNCSPEC_TYPE_TIMESTAMP)
            snprintf(item, sizeof item, "%s(extract(epoch FROM \"%s\") * 1000)::bigint::text",
                     i ? ", " : "", c->name);
        else
            snprintf(item, sizeof item, "%s\"%s\"::text", i ? ", " : "", c->name);
        strcat(back, item);
    }
    /* Server-set timestamps the op did not carry. */
    const char *values[64];
    char scratch[64][SYNCSPEC_TIMESTAMP_SIZE];
    int n = syncspec_row_pg_params(values, scratch, t, op.row);
    for (int i = 0; i < n; i++) {
        const syncspec_column *c = &t->columns[i];
        if (!values[i] &&
            (c->role == SYNCSPEC_ROLE_CREATED_AT || c->role == SYNCSPEC_ROLE_UPDATED_AT))
            values[i] = "2025-01-01T00:00:00.000Z";
    }
    snprintf(sql, sizeof sql, "INSERT INTO \"%s\" (%s) VALUES (%s)", t->name, cols, params);
    PGresult *r = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(r);
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" WHERE id = $1", back, t->name);
    r = PQexecParams(conn, sql, 1, NULL, (const char *const[]){op.id}, NULL, NULL, 0);
    assert_int_equal(PQntuples(r), 1);
    for (int i = 0; i < n; i++) {
        const syncspec_column *c = &t->columns[i];
        if (!values[i]) {
            assert_true(PQgetisnull(r, 0, i));
            continue;
        }
        const char *got = PQgetvalue(r, 0, i);
        const void *f = (const char *)op.row + c->offset;
        switch (c->type) {
        case SYNCSPEC_TYPE_TIMESTAMP: {
            char expected[32];
            int64_t ms = syncspec_row_state(c, op.row) == SYNCSPEC_SET
                             ? ((const syncspec_int_value *)f)->value
                             : 1735689600000;
            snprintf(expected, sizeof expected, "%lld", (long long)ms);
            assert_string_equal(got, expected);
            break;
        }
        case SYNCSPEC_TYPE_REAL:
            assert_true(strtod(got, NULL) == ((const syncspec_real_value *)f)->value);
            break;
        case SYNCSPEC_TYPE_JSON: {
            json_t *a = json_loads(got, JSON_DECODE_ANY, NULL),
                   *b = json_loads(values[i], JSON_DECODE_ANY, NULL);
            assert_true(a && b && json_equal(a, b));
            json_decref(a);
            json_decref(b);
            break;
        }
        default: /* text, id, integer, boolean: PostgreSQL's text is the canonical text */
            assert_string_equal(got, values[i]);
        }
    }
    PQclear(r);
}

/* A column's value as PostgreSQL's own text (NULL: SQL NULL), written out by hand. */
typedef struct stored_value {
    const char *table, *id, *column, *text;
} stored_value;

static void assert_stored(PGconn *conn, const stored_value *expected, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const stored_value *e = &expected[i];
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT \"%s\"::text FROM \"%s\" WHERE id = $1", e->column,
                 e->table);
        PGresult *r = PQexecParams(conn, sql, 1, NULL, (const char *const[]){e->id}, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
            fail_msg("%s: %s", sql, PQerrorMessage(conn));
        if (!e->text) {
            if (!PQgetisnull(r, 0, 0))
                fail_msg("%s.%s: '%s', expected NULL", e->table, e->column, PQgetvalue(r, 0, 0));
        } else if (PQgetisnull(r, 0, 0) || strcmp(PQgetvalue(r, 0, 0), e->text) != 0) {
            fail_msg("%s.%s: '%s', expected '%s'", e->table, e->column,
                     PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0), e->text);
        }
        PQclear(r);
    }
}

static void test_app_rows(void **state) {
    (void)state;
    syncspec_sanitizer *s;
    syncspec_error error = {0};
    assert_int_equal(syncspec_sanitizer_new(&s, &app_schema, &error), 0);
    char name[64];
    snprintf(name, sizeof name, "sanitize_app_%d", (int)getpid());
    PGconn *conn = database_from("generated/postgres.sql", name);
    round_trip(
        conn, s,
        "{\"op\":\"PUT\",\"table\":\"projects\",\"id\":\"22222222-2222-4222-8222-222222222222\","
        "\"data\":{\"name\":\"Caf\\u00e9 "
        "\\ud83c\\udf89\",\"isDefault\":1.0,\"created_at\":1758551370,"
        "\"updated_at\":\"2025-09-22 "
        "14:29:30.12Z\",\"deleted_at\":\"2025-09-22T20:00:00.999+05:30\"}}",
        "user-1");
    round_trip(
        conn, s,
        "{\"op\":\"PUT\",\"table\":\"groups\",\"id\":\"33333333-3333-4333-8333-333333333333\","
        "\"data\":{\"name\":\"g\",\"color\":\"#a0b1c2\",\"sort_order\":-9223372036854775807,"
        "\"created_at\":-86400000000}}",
        "user-1");
    round_trip(
        conn, s,
        "{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"44444444-4444-4444-8444-444444444444\","
        "\"data\":{\"content\":\"x\",\"deviceId\":\"d\",\"title\":null,\"projectId\":"
        "\"22222222-2222-4222-8222-222222222222\"}}",
        "user-1");
    static const stored_value expected[] = {
        {"projects", "22222222-2222-4222-8222-222222222222", "name",
         "Caf\xc3\xa9 \xf0\x9f\x8e\x89"},
        {"projects", "22222222-2222-4222-8222-222222222222", "is_default", "true"},
        {"projects", "22222222-2222-4222-8222-222222222222", "owner_id", "user-1"},
        {"projects", "22222222-2222-4222-8222-222222222222", "created_at",
         "2025-09-22 14:29:30+00"},
        {"projects", "22222222-2222-4222-8222-222222222222", "updated_at",
         "2025-09-22 14:29:30.12+00"},
        {"projects", "22222222-2222-4222-8222-222222222222", "deleted_at",
         "2025-09-22 14:30:00.999+00"},
        {"groups", "33333333-3333-4333-8333-333333333333", "sort_order", "-9223372036854775807"},
        {"groups", "33333333-3333-4333-8333-333333333333", "color", "#a0b1c2"},
        {"groups", "33333333-3333-4333-8333-333333333333", "created_at", "1967-04-07 00:00:00+00"},
        {"documents", "44444444-4444-4444-8444-444444444444", "title", NULL},
        {"documents", "44444444-4444-4444-8444-444444444444", "device_id", "d"},
        {"documents", "44444444-4444-4444-8444-444444444444", "project_id",
         "22222222-2222-4222-8222-222222222222"},
    };
    assert_stored(conn, expected, sizeof expected / sizeof expected[0]);
    PQfinish(conn);
    syncspec_sanitizer_free(s);
}

static void test_edge_rows_every_type(void **state) {
    (void)state;
    syncspec_sanitizer *s;
    syncspec_error error = {0};
    assert_int_equal(syncspec_sanitizer_new(&s, &edge_schema, &error), 0);
    char name[64];
    snprintf(name, sizeof name, "sanitize_edge_%d", (int)getpid());
    PGconn *conn = database_from("tests/golden/edge/expected/postgres.sql", name);
    /* real, json (as text and as a value), timestamp, text with a character limit */
    round_trip(conn, s,
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-1\",\"data\":{\"total\":0.1,"
               "\"placed_at\":\"2025-09-22T14:29:30.123456Z\",\"meta\":\"{\\\"b\\\": [1, 2.5], "
               "\\\"a\\\": null}\","
               "\"code\":\"ABC-12\",\"note\":\"h\\u00e9llo\"}}",
               "u");
    round_trip(conn, s,
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-2\",\"data\":{\"total\":\"-1.5\","
               "\"placed_at\":1758551370123,\"meta\":{\"nested\":{\"x\":[true,false]}}}}",
               "u");
    /* integer, enum text, boolean, keyword-named columns */
    round_trip(conn, s,
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g-1\",\"data\":{\"order\":5.0,"
               "\"select\":\"b'c\",\"from\":\"false\",\"user\":\"o-1\"}}",
               "u");
    static const stored_value expected[] = {
        {"order", "o-1", "total", "0.1"},
        {"order", "o-1", "placed_at", "2025-09-22 14:29:30.123+00"},
        {"order", "o-1", "meta", "{\"a\": null, \"b\": [1, 2.5]}"},
        {"order", "o-1", "code", "ABC-12"},
        {"order", "o-1", "note", "h\xc3\xa9llo"},
        {"order", "o-1", "user_id", "u"},
        {"order", "o-2", "total", "-1.5"},
        {"order", "o-2", "placed_at", "2025-09-22 14:29:30.123+00"},
        {"order", "o-2", "meta", "{\"nested\": {\"x\": [true, false]}}"},
        {"group", "g-1", "order", "5"},
        {"group", "g-1", "select", "b'c"},
        {"group", "g-1", "from", "false"},
        {"group", "g-1", "user", "o-1"},
    };
    assert_stored(conn, expected, sizeof expected / sizeof expected[0]);
    PQfinish(conn);
    syncspec_sanitizer_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_rows),
        cmocka_unit_test(test_edge_rows_every_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
