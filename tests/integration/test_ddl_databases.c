/*
 * The generated DDL on real databases: sqlite.sql applied twice to an SQLite file and
 * postgres.sql applied twice to the throwaway PostgreSQL 15 that tests/run.sh starts (PG*
 * variables). Catalog queries then confirm every table, column, type, nullability, primary
 * key, index and the publication's table list against the spec model, for each spec.
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
#include <sqlite3.h>

#include "compile/compile.h"
#include "emit/emit.h"

static const char *const specs[] = {"schemas/app.yaml", "tests/golden/edge/spec.yaml",
                                    "tests/golden/streams/spec.yaml"};

typedef struct generated {
    arena *a;
    const syncspec_schema *schema;
    const char *sqlite_sql;
    const char *postgres_sql;
} generated;

static void generate(generated *g, const char *path) {
    g->a = arena_new();
    diag_list diags;
    diag_list_init(&diags, g->a);
    assert_int_equal(compile_load_file(&g->schema, g->a, path, &diags), 0);
    emit_file *files;
    size_t count;
    const char **used;
    emit_options options = EMIT_OPTIONS_INIT;
    assert_int_equal(emit_generate(&files, &count, &used, g->a, g->schema, &options, &diags), 0);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(files[i].path, "sqlite.sql") == 0) g->sqlite_sql = files[i].content;
        if (strcmp(files[i].path, "postgres.sql") == 0) g->postgres_sql = files[i].content;
    }
    assert_non_null(g->sqlite_sql);
    assert_non_null(g->postgres_sql);
    diag_list_free(&diags);
}

static const char *expected_sqlite_type(syncspec_type t) {
    return t == SYNCSPEC_TYPE_INTEGER || t == SYNCSPEC_TYPE_BOOLEAN ? "INTEGER"
           : t == SYNCSPEC_TYPE_REAL                                ? "REAL"
                                                                    : "TEXT";
}

/* Written out here, not taken from syncspec_pg_type_name(), so that the test checks that
 * mapping against the catalog instead of repeating it. */
static const char *expected_pg_type(syncspec_type t) {
    switch (t) {
    case SYNCSPEC_TYPE_INTEGER:
        return "bigint";
    case SYNCSPEC_TYPE_REAL:
        return "double precision";
    case SYNCSPEC_TYPE_BOOLEAN:
        return "boolean";
    case SYNCSPEC_TYPE_TIMESTAMP:
        return "timestamp(3) with time zone";
    case SYNCSPEC_TYPE_JSON:
        return "jsonb";
    default:
        return "text";
    }
}

static char *index_columns(const syncspec_index *index) {
    static char buf[4096];
    buf[0] = '\0';
    for (size_t i = 0; i < index->column_count; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, index->columns[i]);
    }
    return buf;
}

/* In PostgreSQL a unique key holds per owner: the owner column leads it, unless the spec
 * names it in the key already. */
static const char *pg_index_columns(const syncspec_table *t, const syncspec_index *index) {
    static char buf[4096];
    const char *owner = t->columns[t->owner_index].name;
    bool has_owner = false;
    for (size_t i = 0; i < index->column_count; i++)
        has_owner |= strcmp(index->columns[i], owner) == 0;
    snprintf(buf, sizeof buf, "%s%s%s", index->unique && !has_owner ? owner : "",
             index->unique && !has_owner ? "," : "", index_columns(index));
    return buf;
}

static void check_sqlite(const generated *g) {
    char path[] = "/tmp/syncspec-ddl-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for (int pass = 0; pass < 2; pass++) {
        char *error = NULL;
        int rc = sqlite3_exec(db, g->sqlite_sql, NULL, NULL, &error);
        if (rc != SQLITE_OK) fail_msg("sqlite.sql pass %d: %s", pass + 1, error);
    }
    /* Exactly the spec's tables, no more. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), (int)g->schema->table_count);
    sqlite3_finalize(st);
    for (size_t i = 0; i < g->schema->table_count; i++) {
        const syncspec_table *t = &g->schema->tables[i];
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo('%s')", t->name);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        size_t k = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            assert_true(k < t->column_count);
            const syncspec_column *c = &t->columns[k++];
            assert_string_equal((const char *)sqlite3_column_text(st, 0), c->name);
            assert_string_equal((const char *)sqlite3_column_text(st, 1),
                                expected_sqlite_type(c->type));
            bool not_null =
                c->role == SYNCSPEC_ROLE_ID || (c->required && c->role != SYNCSPEC_ROLE_OWNER);
            if (sqlite3_column_int(st, 2) != (int)not_null)
                fail_msg("%s.%s: notnull %d", t->name, c->name, sqlite3_column_int(st, 2));
            assert_int_equal(sqlite3_column_int(st, 3) != 0, c->role == SYNCSPEC_ROLE_ID);
        }
        assert_int_equal(k, t->column_count);
        sqlite3_finalize(st);
        /* Every index of the model, with its columns in order and its uniqueness. */
        for (size_t x = 0; x < t->index_count; x++) {
            const syncspec_index *index = &t->indexes[x];
            snprintf(sql, sizeof sql,
                     "SELECT l.\"unique\", (SELECT group_concat(name, ',') FROM (SELECT name "
                     "FROM pragma_index_info(l.name) ORDER BY seqno)) FROM pragma_index_list('%s') "
                     "l WHERE l.name = '%s'",
                     t->name, index->name);
            assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
            if (sqlite3_step(st) != SQLITE_ROW) fail_msg("index %s missing", index->name);
            assert_int_equal(sqlite3_column_int(st, 0), index->unique);
            assert_string_equal((const char *)sqlite3_column_text(st, 1), index_columns(index));
            sqlite3_finalize(st);
        }
        /* No foreign keys, ever. */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_foreign_key_list('%s')", t->name);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    unlink(path);
}

static PGconn *connect_to(const char *dbname) {
    char conninfo[256];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", dbname);
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("PostgreSQL (PG* variables from tests/run.sh) unreachable: %s",
                 PQerrorMessage(conn));
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql) {
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s", PQerrorMessage(conn));
    PQclear(r);
}

static size_t synced_count(const syncspec_schema *schema) {
    size_t n = 0;
    for (size_t i = 0; i < schema->table_count; i++) n += !schema->tables[i].local_only;
    return n;
}

static void check_postgres(const generated *g, int n) {
    PGconn *admin = connect_to("postgres");
    char sql[256], dbname[64];
    snprintf(dbname, sizeof dbname, "ddl_%d_%d", (int)getpid(), n);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
    exec_ok(admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    exec_ok(admin, sql);
    PGconn *conn = connect_to(dbname);
    exec_ok(conn, "SET client_min_messages = warning");
    exec_ok(conn, g->postgres_sql);
    exec_ok(conn, g->postgres_sql);

    /* One query for every column of every table in the schema. */
    PGresult *r = PQexecParams(
        conn,
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "coalesce((SELECT true FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND "
        "a.attnum = ANY (i.indkey)), false) FROM pg_class c JOIN pg_namespace ns ON ns.oid = "
        "c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT "
        "a.attisdropped WHERE ns.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname, a.attnum",
        1, NULL, (const char *const[]){g->schema->pg_schema}, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    int rows = PQntuples(r);
    size_t synced = 0;
    /* Rows are ordered by table name; walk the model's synced tables in that order. */
    for (int pass = 0; pass < rows;) {
        const char *table_name = PQgetvalue(r, pass, 0);
        const syncspec_table *t = syncspec_schema_table(g->schema, table_name);
        if (!t) fail_msg("table %s in PostgreSQL but not in the spec", table_name);
        if (t->local_only) fail_msg("local-only table %s in PostgreSQL", table_name);
        synced++;
        for (size_t k = 0; k < t->column_count; k++, pass++) {
            const syncspec_column *c = &t->columns[k];
            assert_true(pass < rows);
            assert_string_equal(PQgetvalue(r, pass, 0), t->name);
            assert_string_equal(PQgetvalue(r, pass, 1), c->name);
            assert_string_equal(PQgetvalue(r, pass, 2), expected_pg_type(c->type));
            bool not_null = c->required || c->role == SYNCSPEC_ROLE_ID;
            if ((PQgetvalue(r, pass, 3)[0] == 't') != not_null)
                fail_msg("%s.%s: attnotnull %s", t->name, c->name, PQgetvalue(r, pass, 3));
            assert_int_equal(PQgetvalue(r, pass, 4)[0] == 't', c->role == SYNCSPEC_ROLE_ID);
        }
    }
    assert_int_equal(synced, synced_count(g->schema));
    PQclear(r);

    /* One query for every index: name, uniqueness, columns in order. */
    r = PQexecParams(conn,
                     "SELECT t.relname, i.relname, x.indisunique, (SELECT string_agg(a.attname, "
                     "',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n) JOIN "
                     "pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) FROM pg_index "
                     "x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = "
                     "x.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname "
                     "= $1 AND NOT x.indisprimary",
                     1, NULL, (const char *const[]){g->schema->pg_schema}, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    size_t expected_indexes = 0;
    for (size_t i = 0; i < g->schema->table_count; i++) {
        const syncspec_table *t = &g->schema->tables[i];
        if (t->local_only) continue;
        for (size_t x = 0; x < t->index_count; x++) {
            expected_indexes++;
            bool found = false;
            for (int k = 0; k < PQntuples(r) && !found; k++) {
                if (strcmp(PQgetvalue(r, k, 1), t->indexes[x].name) != 0) continue;
                found = true;
                assert_string_equal(PQgetvalue(r, k, 0), t->name);
                assert_int_equal(PQgetvalue(r, k, 2)[0] == 't', t->indexes[x].unique);
                assert_string_equal(PQgetvalue(r, k, 3), pg_index_columns(t, &t->indexes[x]));
            }
            if (!found) fail_msg("index %s missing in PostgreSQL", t->indexes[x].name);
        }
    }
    assert_int_equal(PQntuples(r), (int)expected_indexes);
    PQclear(r);

    /* The publication: every operation, not via the partition root, exactly the synced
     * tables. */
    r = PQexecParams(conn,
                     "SELECT p.pubinsert AND p.pubupdate AND p.pubdelete AND p.pubtruncate AND "
                     "NOT p.pubviaroot, (SELECT string_agg(tablename, ',' ORDER BY tablename) "
                     "FROM pg_publication_tables t WHERE t.pubname = p.pubname) FROM "
                     "pg_publication p WHERE p.pubname = $1",
                     1, NULL, (const char *const[]){g->schema->publication}, NULL, NULL, 0);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), "t");
    /* The expected list, sorted like the query's. */
    const char *names[64];
    size_t count = 0;
    for (size_t i = 0; i < g->schema->table_count && count < 64; i++)
        if (!g->schema->tables[i].local_only) names[count++] = g->schema->tables[i].name;
    for (size_t i = 1; i < count; i++)
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            const char *tmp = names[k];
            names[k] = names[k - 1];
            names[k - 1] = tmp;
        }
    char expected[4096] = "";
    for (size_t i = 0; i < count; i++) {
        if (i) strcat(expected, ",");
        strcat(expected, names[i]);
    }
    assert_string_equal(PQgetvalue(r, 0, 1), expected);
    PQclear(r);
    PQfinish(conn);
    snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
    exec_ok(admin, sql);
    PQfinish(admin);
}

static void test_specs_on_real_databases(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        generated g = {0};
        generate(&g, specs[i]);
        check_sqlite(&g);
        check_postgres(&g, (int)i);
        arena_free(g.a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_specs_on_real_databases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
