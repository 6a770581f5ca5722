/*
 * A PostgreSQL database read into a catalog: the relations of the spec's schema with the
 * columns, indexes, CHECKs and foreign keys of its tables, and what PowerSync needs of the
 * server (settings, inactive replication slots, the spec's publication). One catalog query
 * per kind of object, never one per table: the number of queries is the same for 8 tables
 * or 8,000.
 */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "check/catalog.h"

/*
 * libpq is loaded when a check against PostgreSQL runs, not when syncspec starts: linked
 * the usual way, it and its two dozen dependencies (TLS, Kerberos, LDAP) would add about
 * 10 ms to the start of every command, and nothing else in the syncspec program calls it
 * (the Makefile links the program with --as-needed so it is not a load-time dependency).
 * libsyncspec, the runtime that users link, links libpq the usual way.
 *
 * The calls go through this table, whose types are libpq-fe.h's own.
 */
#define PQ_FUNCTIONS(X)                                                                            \
    X(PQconnectdbParams)                                                                           \
    X(PQstatus)                                                                                    \
    X(PQerrorMessage)                                                                              \
    X(PQfinish) X(PQexecParams) X(PQresultStatus) X(PQclear) X(PQntuples) X(PQgetvalue)            \
        X(PQgetisnull)

#define PQ_SLOT(name) __typeof__(name) *name;
static struct { PQ_FUNCTIONS(PQ_SLOT) } pq;
#undef PQ_SLOT

#ifdef __APPLE__
#define LIBPQ_NAME "libpq.5.dylib"
#else
#define LIBPQ_NAME "libpq.so.5"
#endif

/* Fills `pq` (once: the library stays loaded). Returns 0, or -1 with *error set. */
static int load_libpq(arena *a, const char **error) {
    static void *handle;
    if (handle) return 0;
    void *h = dlopen(LIBPQ_NAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *error = arena_printf(a, "checking PostgreSQL needs libpq (%s): %s", LIBPQ_NAME, dlerror());
        return -1;
    }
    /* memcpy, not a cast: ISO C has no conversion from void * to a function pointer. */
#define PQ_LOAD(name)                                                                              \
    {                                                                                              \
        void *symbol = dlsym(h, #name);                                                            \
        if (!symbol) {                                                                             \
            *error = arena_printf(a, "checking PostgreSQL needs libpq: %s", dlerror());            \
            dlclose(h);                                                                            \
            return -1;                                                                             \
        }                                                                                          \
        memcpy(&pq.name, &symbol, sizeof symbol);                                                  \
    }
    PQ_FUNCTIONS(PQ_LOAD)
#undef PQ_LOAD
    handle = h;
    return 0;
}

typedef struct pg_reader {
    catalog *cat;
    arena *a;
    PGconn *conn;
    const syncspec_schema *schema;
    const char *error;
} pg_reader;

/* Runs one catalog query with the schema name ($1) and publication name ($2). */
static PGresult *query(pg_reader *r, const char *sql) {
    const char *params[] = {r->schema->pg_schema, r->schema->publication};
    r->cat->queries++;
    PGresult *res = pq.PQexecParams(r->conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
        r->error = arena_printf(r->a, "catalog query failed: %s", pq.PQerrorMessage(r->conn));
        pq.PQclear(res);
        return NULL;
    }
    return res;
}

/* A cell, copied into the arena; NULL for SQL NULL. */
static const char *value(arena *a, const PGresult *res, int row, int col) {
    return pq.PQgetisnull(res, row, col) ? NULL : arena_strdup(a, pq.PQgetvalue(res, row, col));
}

/* A cell as text, "" for SQL NULL. */
static const char *text(arena *a, const PGresult *res, int row, int col) {
    return arena_strdup(a, pq.PQgetvalue(res, row, col));
}

static bool flag(const PGresult *res, int row, int col) {
    return pq.PQgetvalue(res, row, col)[0] == 't';
}

static int read_settings(pg_reader *r) {
    db_server *s = r->cat->server;
    PGresult *res = query(r, "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN "
                             "('wal_level', 'max_replication_slots', 'max_wal_senders', "
                             "'max_slot_wal_keep_size') AND $1::text IS NOT NULL AND $2::text IS "
                             "NOT NULL");
    if (!res) return -1;
    struct {
        const char *name, **into;
    } settings[] = {{"wal_level", &s->wal_level},
                    {"max_replication_slots", &s->max_replication_slots},
                    {"max_wal_senders", &s->max_wal_senders},
                    {"max_slot_wal_keep_size", &s->max_slot_wal_keep_size}};
    for (int i = 0; i < pq.PQntuples(res); i++)
        for (size_t k = 0; k < sizeof settings / sizeof *settings; k++)
            if (strcmp(pq.PQgetvalue(res, i, 0), settings[k].name) == 0)
                *settings[k].into = value(r->a, res, i, 1);
    pq.PQclear(res);
    if (!s->max_slot_wal_keep_size || strcmp(s->max_slot_wal_keep_size, "-1") != 0) return 0;
    res = query(r, "SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE NOT active AND "
                   "$1::text IS NOT NULL AND $2::text IS NOT NULL ORDER BY slot_name");
    if (!res) return -1;
    s->inactive_slot_count = (size_t)pq.PQntuples(res);
    s->inactive_slots = arena_calloc(r->a, s->inactive_slot_count + 1, sizeof *s->inactive_slots);
    for (size_t i = 0; i < s->inactive_slot_count; i++)
        s->inactive_slots[i] = text(r->a, res, (int)i, 0);
    pq.PQclear(res);
    return 0;
}

/* Relation rows: name, relkind, relrowsecurity, relreplident, relpersistence. */
static void read_relations(pg_reader *r, const PGresult *res) {
    catalog *cat = r->cat;
    cat->table_count = (size_t)pq.PQntuples(res);
    cat->tables = arena_calloc(r->a, cat->table_count + 1, sizeof *cat->tables);
    for (int i = 0; i < pq.PQntuples(res); i++) {
        db_table *t = &cat->tables[i];
        const char *kind = pq.PQgetvalue(res, i, 1);
        t->name = text(r->a, res, i, 0);
        t->relation = kind[0] == 'v'   ? "view"
                      : kind[0] == 'm' ? "materialized view"
                      : kind[0] == 'f' ? "foreign table"
                                       : "table";
        t->row_security = flag(res, i, 2);
        t->replica_identity_nothing = pq.PQgetvalue(res, i, 3)[0] == 'n';
        t->unlogged = pq.PQgetvalue(res, i, 4)[0] == 'u';
    }
    catalog_sort(cat);
}

/* Column rows: table, name, format_type, attnotnull, has a default. */
static void read_column(pg_reader *r, db_table *t, const PGresult *res, int i, int rows) {
    if (!t->columns) t->columns = arena_calloc(r->a, (size_t)rows, sizeof *t->columns);
    db_column *c = &t->columns[t->column_count++];
    c->name = text(r->a, res, i, 1);
    c->type = text(r->a, res, i, 2);
    c->not_null = flag(res, i, 3);
    c->has_default = flag(res, i, 4);
}

/* Index rows: table, name, unique, primary, key columns, what makes the index other than a
 * plain btree over columns, and the unique (or exclusion) constraint it implements. */
static void read_index(pg_reader *r, db_table *t, const PGresult *res, int i, int rows) {
    if (!t->indexes) t->indexes = arena_calloc(r->a, (size_t)rows, sizeof *t->indexes);
    db_index *x = &t->indexes[t->index_count++];
    x->name = text(r->a, res, i, 1);
    x->unique = flag(res, i, 2);
    x->primary = flag(res, i, 3);
    x->columns = text(r->a, res, i, 4);
    x->irregular = text(r->a, res, i, 5);
    x->constraint = value(r->a, res, i, 6);
}

/* CHECK rows: table, name, columns, definition. */
static void read_check(pg_reader *r, db_table *t, const PGresult *res, int i, int rows) {
    if (!t->checks) t->checks = arena_calloc(r->a, (size_t)rows, sizeof *t->checks);
    db_check *c = &t->checks[t->check_count++];
    c->name = text(r->a, res, i, 1);
    c->columns = value(r->a, res, i, 2);
    c->definition = text(r->a, res, i, 3);
}

/* Foreign key rows: table, name, columns. */
static void read_foreign_key(pg_reader *r, db_table *t, const PGresult *res, int i, int rows) {
    if (!t->foreign_keys)
        t->foreign_keys = arena_calloc(r->a, (size_t)rows, sizeof *t->foreign_keys);
    db_foreign_key *fk = &t->foreign_keys[t->foreign_key_count++];
    fk->name = text(r->a, res, i, 1);
    fk->column = value(r->a, res, i, 2);
}

/* Hands each row of a result ordered by table to `read`, with the table and the number of
 * its rows (one run each). */
static void read_rows(pg_reader *r, const PGresult *res,
                      void (*read)(pg_reader *, db_table *, const PGresult *, int, int)) {
    int n = pq.PQntuples(res);
    for (int i = 0; i < n;) {
        int end = i + 1;
        while (end < n && strcmp(pq.PQgetvalue(res, end, 0), pq.PQgetvalue(res, i, 0)) == 0) end++;
        db_table *t = (db_table *)catalog_table(r->cat, pq.PQgetvalue(res, i, 0));
        for (int k = i; t && k < end; k++) read(r, t, res, k, end - i);
        i = end;
    }
}

static int read_tables(pg_reader *r) {
    PGresult *tables = NULL, *columns = NULL, *indexes = NULL, *checks = NULL, *fks = NULL;
    tables = query(r, "SELECT c.relname, c.relkind, c.relrowsecurity, c.relreplident, "
                      "c.relpersistence FROM "
                      "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                      "c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', "
                      "'m', 'f') AND $2::text IS NOT NULL ORDER BY c.relname");
    if (tables)
        columns =
            query(r, "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
                     "a.attnotnull, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> "
                     "'' FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = "
                     "a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND "
                     "NOT a.attisdropped AND $2::text IS NOT NULL ORDER BY c.relname, "
                     "a.attnum");
    /* Key columns only; anything that makes an index other than a plain ascending btree
     * over columns (NULLS LAST, the columns' own collations, default operator classes) is
     * spelled out in the last column, so a same-named index that differs that way is a
     * mismatch. */
    if (columns)
        indexes = query(
            r, "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, (SELECT "
               "string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH "
               "ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = "
               "t.oid AND a.attnum = k.attnum WHERE k.n <= x.indnkeyatts), concat_ws(' "
               "', CASE WHEN am.amname <> 'btree' THEN 'USING ' || am.amname END, CASE "
               "WHEN x.indexprs IS NOT NULL THEN 'on expressions' END, CASE WHEN 1 = "
               "ANY (SELECT o & 1 FROM unnest(x.indoption) o) THEN 'DESC' END, CASE WHEN 2 = ANY "
               "(SELECT o & 3 FROM unnest(x.indoption) o) THEN 'NULLS FIRST' END, CASE "
               "WHEN 1 = ANY (SELECT o & 3 FROM unnest(x.indoption) o) THEN 'NULLS "
               "LAST' END, (SELECT string_agg('COLLATE ' || quote_ident(co.collname), "
               "' ' ORDER BY k.n) FROM unnest(x.indcollation, x.indkey) WITH ORDINALITY "
               "k(coll, attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid "
               "AND a.attnum = k.attnum JOIN pg_catalog.pg_collation co ON co.oid = "
               "k.coll WHERE k.coll <> a.attcollation), (SELECT string_agg(oc.opcname, "
               "' ' ORDER BY k.n) FROM unnest(x.indclass) WITH ORDINALITY k(cls, n) JOIN "
               "pg_catalog.pg_opclass oc ON oc.oid = k.cls WHERE NOT oc.opcdefault), CASE "
               "WHEN x.indnatts <> x.indnkeyatts THEN 'INCLUDE' END, CASE WHEN "
               "x.indpred IS NOT NULL THEN 'partial' END), (SELECT con.conname FROM "
               "pg_catalog.pg_constraint con WHERE con.conrelid = t.oid AND "
               "con.conindid = x.indexrelid AND con.contype IN ('u', 'x')) FROM "
               "pg_catalog.pg_index x "
               "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN "
               "pg_catalog.pg_am am ON am.oid = i.relam JOIN pg_catalog.pg_class t ON "
               "t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
               "t.relnamespace WHERE n.nspname = $1 AND $2::text IS NOT NULL ORDER BY "
               "t.relname, i.relname");
    if (indexes)
        checks = query(r, "SELECT t.relname, con.conname, (SELECT string_agg(a.attname, ',') FROM "
                          "pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY "
                          "(con.conkey)), pg_catalog.pg_get_constraintdef(con.oid) FROM "
                          "pg_catalog.pg_constraint con JOIN pg_catalog.pg_class "
                          "t ON t.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
                          "t.relnamespace WHERE n.nspname = $1 AND con.contype = 'c' AND $2::text "
                          "IS NOT NULL ORDER BY t.relname");
    if (checks)
        fks = query(r, "SELECT t.relname, con.conname, (SELECT string_agg(a.attname, ',') "
                       "FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND "
                       "a.attnum = ANY (con.conkey)) FROM pg_catalog.pg_constraint con "
                       "JOIN pg_catalog.pg_class t ON t.oid = con.conrelid JOIN "
                       "pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE "
                       "n.nspname = $1 AND con.contype = 'f' AND $2::text IS NOT NULL "
                       "ORDER BY t.relname");
    int rc = -1;
    if (!fks) goto cleanup;
    read_relations(r, tables);
    read_rows(r, columns, read_column);
    read_rows(r, indexes, read_index);
    read_rows(r, checks, read_check);
    read_rows(r, fks, read_foreign_key);
    rc = 0;
cleanup:
    pq.PQclear(tables);
    pq.PQclear(columns);
    pq.PQclear(indexes);
    pq.PQclear(checks);
    pq.PQclear(fks);
    return rc;
}

static int read_publication(pg_reader *r) {
    db_server *s = r->cat->server;
    PGresult *res = query(r, "SELECT pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot, "
                             "puballtables FROM pg_catalog.pg_publication WHERE pubname = $2 AND "
                             "$1::text IS NOT NULL");
    if (!res) return -1;
    s->publication = pq.PQntuples(res) > 0;
    if (s->publication) {
        for (int k = 0; k < 4; k++) s->publishes[k] = flag(res, 0, k);
        s->via_root = flag(res, 0, 4);
        s->all_tables = flag(res, 0, 5);
    }
    pq.PQclear(res);
    if (!s->publication) return 0;
    /* With each table, its column list and row filter (PostgreSQL 15; read through
     * to_jsonb so that older servers, which have neither, answer NULL). */
    res = query(r, "SELECT pt.schemaname, pt.tablename, CASE WHEN to_jsonb(pr) ->> 'prattrs' IS "
                   "NOT NULL THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(to_jsonb("
                   "pt) -> 'attnames')), ', ') END, to_jsonb(pt) ->> 'rowfilter' FROM "
                   "pg_catalog.pg_publication_tables pt JOIN pg_catalog.pg_publication p ON "
                   "p.pubname = pt.pubname LEFT JOIN pg_catalog.pg_publication_rel pr ON "
                   "pr.prpubid = p.oid AND pr.prrelid = format('%I.%I', pt.schemaname, "
                   "pt.tablename)::regclass WHERE pt.pubname = $2 AND $1::text IS NOT NULL ORDER "
                   "BY pt.schemaname, pt.tablename");
    if (!res) return -1;
    s->published_count = (size_t)pq.PQntuples(res);
    s->published = arena_calloc(r->a, s->published_count + 1, sizeof *s->published);
    for (int i = 0; i < pq.PQntuples(res); i++)
        s->published[i] = (db_publication_table){text(r->a, res, i, 0), text(r->a, res, i, 1),
                                                 value(r->a, res, i, 2), value(r->a, res, i, 3)};
    pq.PQclear(res);
    return 0;
}

int read_postgres(catalog *cat, arena *a, const syncspec_schema *schema, const char *conninfo,
                  const char **error) {
    memset(cat, 0, sizeof *cat);
    cat->kind = &db_kind_postgres;
    cat->server = arena_calloc(a, 1, sizeof *cat->server);
    /* A default connect timeout, so an unreachable host fails in seconds, not minutes; the
     * conninfo's own connect_timeout wins. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", conninfo, NULL};
    if (load_libpq(a, error) != 0) return -1;
    PGconn *conn = pq.PQconnectdbParams(keys, values, 1);
    if (pq.PQstatus(conn) != CONNECTION_OK) {
        const char *message = conn ? pq.PQerrorMessage(conn) : "out of memory";
        size_t len = strlen(message);
        while (len && (message[len - 1] == '\n' || message[len - 1] == ' ')) len--;
        *error = arena_printf(a, "cannot connect to PostgreSQL: %.*s", (int)len, message);
        pq.PQfinish(conn);
        return -1;
    }
    pg_reader r = {.cat = cat, .a = a, .conn = conn, .schema = schema};
    int rc = read_settings(&r) == 0 && read_tables(&r) == 0 && read_publication(&r) == 0 ? 0 : -1;
    pq.PQfinish(conn);
    if (rc != 0) *error = r.error;
    return rc;
}
