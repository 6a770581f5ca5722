/*
 * A live PostgreSQL database against the spec, and its readiness for PowerSync. One
 * catalog query per kind of object, never one per table: the number of queries is the same
 * for 8 tables or 8,000.
 */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/deparse.h"
#include "check/repair.h"
#include "emit/escape.h"
#include "emit/types.h"
#include "util/strbuf.h"

static const char *const TARGET = "postgres";

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
    X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexecParams) X(PQresultStatus) X(PQclear)         \
        X(PQntuples) X(PQgetvalue) X(PQgetisnull)

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

typedef struct pg_state {
    findings *f;
    PGconn *conn;
    const syncspec_schema *schema;
    table_lookup lookup;
    const char *error;
    bool all_tables;  /* the publication is FOR ALL TABLES: SET TABLE cannot apply */
    bool *not_tables; /* by spec table: a view (or the like) has its name */
} pg_state;

/* Runs one catalog query with the schema name ($1) and publication name ($2). */
static PGresult *query(pg_state *s, const char *sql) {
    const char *params[] = {s->schema->pg_schema, s->schema->publication};
    s->f->queries++;
    PGresult *r = pq.PQexecParams(s->conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (pq.PQresultStatus(r) != PGRES_TUPLES_OK) {
        s->error = arena_printf(s->f->a, "catalog query failed: %s", pq.PQerrorMessage(s->conn));
        pq.PQclear(r);
        return NULL;
    }
    return r;
}

static const char *value(arena *a, const PGresult *r, int row, int col) {
    return pq.PQgetisnull(r, row, col) ? NULL : arena_strdup(a, pq.PQgetvalue(r, row, col));
}

/* The statement that repairs a publication finding: `kind` for table `t` (NULL for the
 * publication as a whole). Each changes only what its finding is about, so tables the
 * report leaves alone (an extra table, say) stay as they are. */
static const char *publication_fix(pg_state *s, const syncspec_table *t, emit_repair_kind kind) {
    return repair_sql(s->f->a, s->schema, TARGET, (emit_repair){.kind = kind, .table = t});
}

static void check_settings(pg_state *s) {
    PGresult *r = query(s, "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN "
                           "('wal_level', 'max_replication_slots', 'max_wal_senders', "
                           "'max_slot_wal_keep_size') AND $1::text IS NOT NULL AND $2::text IS "
                           "NOT NULL");
    if (!r) return;
    const char *wal = NULL, *slots = NULL, *senders = NULL, *keep = NULL;
    for (int i = 0; i < pq.PQntuples(r); i++) {
        const char *name = pq.PQgetvalue(r, i, 0), *v = value(s->f->a, r, i, 1);
        if (strcmp(name, "wal_level") == 0) wal = v;
        if (strcmp(name, "max_replication_slots") == 0) slots = v;
        if (strcmp(name, "max_wal_senders") == 0) senders = v;
        if (strcmp(name, "max_slot_wal_keep_size") == 0) keep = v;
    }
    pq.PQclear(r);
    if (wal && strcmp(wal, "logical") != 0) {
        finding *x = findings_add(s->f, FINDING_ERROR, "wal-level", TARGET, NULL, NULL,
                                  "wal_level is %s: logical replication needs 'logical'", wal);
        x->expected = "logical";
        x->actual = wal;
        x->fix = repair_comment(
            s->f->a, "needs a restart, not applied: ALTER SYSTEM SET wal_level = logical;");
    }
    if (slots && atoi(slots) < 1) {
        finding *x = findings_add(s->f, FINDING_ERROR, "replication-slots", TARGET, NULL, NULL,
                                  "max_replication_slots is %s: the sync service needs one", slots);
        x->actual = slots;
        x->expected = ">= 1";
        x->fix = repair_comment(
            s->f->a, "needs a restart, not applied: ALTER SYSTEM SET max_replication_slots = 10;");
    }
    if (senders && atoi(senders) < 1) {
        finding *x = findings_add(s->f, FINDING_ERROR, "wal-senders", TARGET, NULL, NULL,
                                  "max_wal_senders is %s: the sync service needs one", senders);
        x->actual = senders;
        x->expected = ">= 1";
        x->fix = repair_comment(
            s->f->a, "needs a restart, not applied: ALTER SYSTEM SET max_wal_senders = 10;");
    }
    if (keep && strcmp(keep, "-1") == 0) {
        r = query(s, "SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE NOT active AND "
                     "$1::text IS NOT NULL AND $2::text IS NOT NULL ORDER BY slot_name");
        if (!r) return;
        for (int i = 0; i < pq.PQntuples(r); i++) {
            finding *x = findings_add(
                s->f, FINDING_WARNING, "inactive-slot", TARGET, NULL, NULL,
                "replication slot %s is inactive and max_slot_wal_keep_size is -1: it retains WAL "
                "without bound",
                pq.PQgetvalue(r, i, 0));
            x->actual = value(s->f->a, r, i, 0);
            x->fix = repair_comment(
                s->f->a, "not applied: ALTER SYSTEM SET max_slot_wal_keep_size = '1GB';");
        }
        pq.PQclear(r);
    }
}

/* A synced table published with a column list or a row filter: the sync service then
 * replicates only some columns or rows, and clients silently miss the rest. */
static void check_published_subset(pg_state *s, const syncspec_table *t, const PGresult *r,
                                   int row) {
    arena *a = s->f->a;
    const char *pub = s->schema->publication;
    if (!pq.PQgetisnull(r, row, 2)) {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-columns", TARGET, t->name, NULL,
                                  "table %s is in publication %s with a column list (%s): the "
                                  "other columns never reach clients",
                                  t->name, pub, pq.PQgetvalue(r, row, 2));
        x->line = t->line;
        x->expected = "all columns";
        x->actual = arena_printf(a, "(%s)", pq.PQgetvalue(r, row, 2));
        x->fix = publication_fix(s, t, EMIT_REPAIR_PUBLICATION_READD_TABLE);
    }
    if (!pq.PQgetisnull(r, row, 3)) {
        finding *x =
            findings_add(s->f, FINDING_ERROR, "publication-row-filter", TARGET, t->name, NULL,
                         "table %s is in publication %s with a row filter WHERE %s: "
                         "other rows never reach clients",
                         t->name, pub, pq.PQgetvalue(r, row, 3));
        x->line = t->line;
        x->expected = "all rows";
        x->actual = arena_printf(a, "WHERE %s", pq.PQgetvalue(r, row, 3));
        x->fix = publication_fix(s, t, EMIT_REPAIR_PUBLICATION_READD_TABLE);
    }
}

static void check_publication(pg_state *s) {
    arena *a = s->f->a;
    const char *pub = s->schema->publication;
    PGresult *r = query(s, "SELECT pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot, "
                           "puballtables FROM pg_catalog.pg_publication WHERE pubname = $2 AND "
                           "$1::text IS NOT NULL");
    if (!r) return;
    if (pq.PQntuples(r) == 0) {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-missing", TARGET, NULL, NULL,
                                  "publication %s does not exist", pub);
        x->expected = pub;
        x->fix = publication_fix(s, NULL, EMIT_REPAIR_PUBLICATION);
        pq.PQclear(r);
        return;
    }
    s->all_tables = pq.PQgetvalue(r, 0, 5)[0] == 't';
    static const char *const operations[] = {"insert", "update", "delete", "truncate"};
    strbuf published = STRBUF_INIT, missing = STRBUF_INIT;
    for (int k = 0; k < 4; k++) {
        strbuf *into = pq.PQgetvalue(r, 0, k)[0] == 't' ? &published : &missing;
        if (into->len) sb_append(into, ", ");
        sb_append(into, operations[k]);
    }
    if (missing.len) {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-operation", TARGET, NULL, NULL,
                                  "publication %s does not publish %s: the sync service needs "
                                  "insert, update, delete and truncate",
                                  pub, sb_str(&missing));
        x->expected = "insert, update, delete, truncate";
        x->actual = arena_strdup(a, published.len ? sb_str(&published) : "(none)");
        x->fix = publication_fix(s, NULL, EMIT_REPAIR_PUBLICATION_OPTIONS);
    }
    sb_free(&published);
    sb_free(&missing);
    if (pq.PQgetvalue(r, 0, 4)[0] == 't') {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-via-root", TARGET, NULL, NULL,
                                  "publication %s publishes via the partition root", pub);
        x->expected = "publish_via_partition_root = false";
        x->actual = "publish_via_partition_root = true";
        x->fix = publication_fix(s, NULL, EMIT_REPAIR_PUBLICATION_OPTIONS);
    }
    if (s->all_tables) {
        finding *x =
            findings_add(s->f, FINDING_WARNING, "publication-all-tables", TARGET, NULL, NULL,
                         "publication %s is FOR ALL TABLES: server-only and local-only tables are "
                         "replicated too; the spec publishes exactly its synced tables",
                         pub);
        x->expected = "FOR TABLE (the synced tables)";
        x->actual = "FOR ALL TABLES";
        x->fix = repair_comment(a, arena_printf(a,
                                                "not applied: a FOR ALL TABLES publication cannot "
                                                "be given a table list; DROP PUBLICATION %s, then "
                                                "run the publication block of the generated "
                                                "postgres.sql",
                                                esc_sql_ident(a, pub)));
    }
    pq.PQclear(r);
    /* With each table, its column list and row filter (PostgreSQL 15; read through
     * to_jsonb so that older servers, which have neither, answer NULL). */
    r = query(s, "SELECT pt.schemaname, pt.tablename, CASE WHEN to_jsonb(pr) ->> 'prattrs' IS "
                 "NOT NULL THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(to_jsonb("
                 "pt) -> 'attnames')), ', ') END, to_jsonb(pt) ->> 'rowfilter' FROM "
                 "pg_catalog.pg_publication_tables pt JOIN pg_catalog.pg_publication p ON "
                 "p.pubname = pt.pubname LEFT JOIN pg_catalog.pg_publication_rel pr ON "
                 "pr.prpubid = p.oid AND pr.prrelid = format('%I.%I', pt.schemaname, "
                 "pt.tablename)::regclass WHERE pt.pubname = $2 AND $1::text IS NOT NULL ORDER "
                 "BY pt.schemaname, pt.tablename");
    if (!r) return;
    bool *in_publication = arena_calloc(a, s->schema->table_count + 1, sizeof *in_publication);
    for (int k = 0; k < pq.PQntuples(r); k++) {
        const char *schema_name = pq.PQgetvalue(r, k, 0), *name = pq.PQgetvalue(r, k, 1);
        const syncspec_table *t = strcmp(schema_name, s->schema->pg_schema) == 0
                                      ? table_lookup_find(&s->lookup, name)
                                      : NULL;
        if (t) {
            in_publication[t - s->schema->tables] = true;
            if (!t->local_only) check_published_subset(s, t, r, k);
            continue;
        }
        if (s->all_tables) continue; /* one finding says it all */
        /* Harmless to the sync service (it replicates only what the sync rules select), but
         * not what the spec publishes. */
        /* A table of another schema is named with it: filed under a spec table of the
         * same name, it would read as that table's drift. */
        const char *table = strcmp(schema_name, s->schema->pg_schema) == 0
                                ? value(a, r, k, 1)
                                : arena_printf(a, "%s.%s", schema_name, name);
        finding *x =
            findings_add(s->f, FINDING_WARNING, "publication-extra-table", TARGET, table, NULL,
                         "table %s.%s is in publication %s but is not a synced table of the spec",
                         schema_name, name, pub);
        x->actual = arena_printf(a, "%s.%s", schema_name, name);
        x->fix =
            repair_comment(a, arena_printf(a, "not applied: ALTER PUBLICATION %s DROP TABLE %s.%s;",
                                           esc_sql_ident(a, pub), esc_sql_ident(a, schema_name),
                                           esc_sql_ident(a, name)));
    }
    pq.PQclear(r);
    for (size_t i = 0; i < s->schema->table_count; i++) {
        const syncspec_table *t = &s->schema->tables[i];
        bool listed = in_publication[i];
        if (!t->local_only && !listed && !s->not_tables[i]) {
            finding *x = findings_add(s->f, FINDING_ERROR, "publication-table-missing", TARGET,
                                      t->name, NULL,
                                      "table %s is not in publication %s: its "
                                      "changes never reach clients",
                                      t->name, pub);
            x->line = t->line;
            x->fix = publication_fix(s, t, EMIT_REPAIR_PUBLICATION_ADD_TABLE);
        } else if (t->local_only && listed) {
            finding *x =
                findings_add(s->f, FINDING_ERROR, "publication-local-only", TARGET, t->name, NULL,
                             "local-only table %s is in publication %s", t->name, pub);
            x->line = t->line;
            x->fix = publication_fix(s, t, EMIT_REPAIR_PUBLICATION_DROP_TABLE);
        }
    }
}

/* The rows of one result that belong to one table: [first, end). */
typedef struct slice {
    int first, end;
} slice;

/* Everything per table, from one result per kind of object. Each result is ordered by
 * table, so a table's rows are one run, found once: lookups stay linear in the catalog. */
typedef struct catalog {
    PGresult *tables, *columns, *indexes, *checks, *foreign_keys;
    slice *table_rows, *column_rows, *index_rows, *check_rows, *fk_rows; /* by spec table */
} catalog;

static slice *slices(const pg_state *s, const PGresult *r) {
    const syncspec_schema *schema = s->schema;
    slice *out = arena_calloc(s->f->a, schema->table_count ? schema->table_count : 1, sizeof *out);
    int n = pq.PQntuples(r);
    for (int i = 0; i < n;) {
        int end = i + 1;
        while (end < n && strcmp(pq.PQgetvalue(r, end, 0), pq.PQgetvalue(r, i, 0)) == 0) end++;
        const syncspec_table *t = table_lookup_find(&s->lookup, pq.PQgetvalue(r, i, 0));
        if (t) out[t - schema->tables] = (slice){i, end};
        i = end;
    }
    return out;
}

static int find_row(const PGresult *r, slice rows, int col, const char *name) {
    for (int i = rows.first; i < rows.end; i++)
        if (strcmp(pq.PQgetvalue(r, i, col), name) == 0) return i;
    return -1;
}

/* A repair statement of postgres.sql's own: `repair` for table `t`. */
static const char *repair(pg_state *s, const syncspec_table *t, emit_repair repair) {
    repair.table = t;
    return repair_sql(s->f->a, s->schema, TARGET, repair);
}

static const char *qualified(const pg_state *s, const syncspec_table *t) {
    arena *a = s->f->a;
    return arena_printf(a, "%s.%s", esc_sql_ident(a, s->schema->pg_schema),
                        esc_sql_ident(a, t->name));
}

/* A generated CHECK present by name: its definition as PostgreSQL prints it against the
 * one postgres.sql gives it. */
static void check_definition(pg_state *s, const catalog *c, const syncspec_table *t,
                             const syncspec_column *col, model_check_kind kind, int row) {
    arena *a = s->f->a;
    const char *want = deparse_check(a, col, kind);
    const char *have = pq.PQgetvalue(c->checks, row, 3);
    if (!want || strcmp(want, have) == 0) return;
    const char *name = pq.PQgetvalue(c->checks, row, 1);
    /* Added NOT VALID (the usual way on a large table): new rows are checked, the rows
     * before it may still break it until it is validated. */
    size_t want_len = strlen(want);
    if (strncmp(have, want, want_len) == 0 && strcmp(have + want_len, " NOT VALID") == 0) {
        finding *x =
            findings_add(s->f, FINDING_ERROR, "check-not-valid", TARGET, t->name, col->name,
                         "CHECK constraint %s (%s) is NOT VALID: rows written before it "
                         "was added may break it",
                         name, model_check_of(kind)->name);
        x->line = check_line(t, col);
        x->expected = want;
        x->actual = value(a, c->checks, row, 3);
        x->fix = repair(
            s, t,
            (emit_repair){.kind = EMIT_REPAIR_VALIDATE_CHECK, .column = col, .check_kind = kind});
        return;
    }
    finding *x =
        findings_add(s->f, FINDING_ERROR, "check-mismatch", TARGET, t->name, col->name,
                     "CHECK constraint %s (%s) is %s, the spec says %s", name,
                     model_check_of(kind)->name, have, want);
    x->line = check_line(t, col);
    x->expected = want;
    x->actual = value(a, c->checks, row, 3);
    /* One statement: while a row breaks the spec's CHECK it fails and changes nothing. */
    x->fix = repair(
        s, t, (emit_repair){.kind = EMIT_REPAIR_REPLACE_CHECK, .column = col, .check_kind = kind});
}

static void check_table_columns(pg_state *s, const catalog *c, const syncspec_table *t) {
    slice rows = c->column_rows[t - s->schema->tables];
    slice checks = c->check_rows[t - s->schema->tables];
    arena *a = s->f->a;
    const char *tq = qualified(s, t);
    /* The names of the CHECK constraints the generated DDL gives this table. */
    size_t expected_checks = 0;
    const char **check_names =
        arena_calloc(a, t->column_count * MODEL_CHECK_COUNT + 1, sizeof *check_names);
    for (size_t k = 0; k < t->column_count; k++) {
        const syncspec_column *col = &t->columns[k];
        int row = find_row(c->columns, rows, 1, col->name);
        model_check_kind kinds[MODEL_CHECK_COUNT];
        size_t kind_count = pg_check_kinds(kinds, s->schema, col);
        for (size_t q = 0; q < kind_count; q++)
            check_names[expected_checks++] = pg_check_name(a, t->name, col->name, kinds[q]);
        if (row < 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-column", TARGET, t->name,
                                      col->name, "column %s.%s is missing", t->name, col->name);
            x->line = check_line(t, col);
            x->expected = pg_type_name(col->type);
            /* Safe to run either way: on a table with rows, a NOT NULL column without a
             * default fails and changes nothing; the note says what to do instead. */
            x->fix = repair(s, t, (emit_repair){.kind = EMIT_REPAIR_ADD_COLUMN, .column = col});
            continue;
        }
        const char *type = pq.PQgetvalue(c->columns, row, 2);
        bool not_null = pq.PQgetvalue(c->columns, row, 3)[0] == 't';
        const char *cq = esc_sql_ident(a, col->name);
        if (strcmp(type, pg_type_name(col->type)) != 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "type-mismatch", TARGET, t->name,
                                      col->name, "column %s.%s is %s, the spec says %s", t->name,
                                      col->name, type, spec_type_text(a, col->type, pg_type_name));
            x->line = check_line(t, col);
            x->expected = pg_type_name(col->type);
            x->actual = value(a, c->columns, row, 2);
            x->fix = repair_comment(a, arena_printf(a,
                                                    "may lose data, not applied: ALTER TABLE %s "
                                                    "ALTER COLUMN %s TYPE %s USING %s::%s;",
                                                    tq, cq, pg_type_name(col->type), cq,
                                                    pg_type_name(col->type)));
        }
        if (not_null != pg_not_null(col)) {
            bool owner = col->role == SYNCSPEC_ROLE_OWNER;
            finding *x = findings_add(
                s->f, FINDING_ERROR, owner ? "owner-nullable" : "nullability", TARGET, t->name,
                col->name,
                owner ? "owner column %s.%s is nullable: rows without an owner reach no one"
                      : "column %s.%s is %s, the spec says %s",
                t->name, col->name, not_null ? "NOT NULL" : "nullable",
                pg_not_null(col) ? "NOT NULL" : "nullable");
            x->line = check_line(t, col);
            x->expected = pg_not_null(col) ? "NOT NULL" : "NULL";
            x->actual = not_null ? "NOT NULL" : "NULL";
            /* SET NOT NULL fails, changing nothing, while a NULL remains: safe to run. */
            x->fix = repair(s, t,
                            (emit_repair){.kind = pg_not_null(col) ? EMIT_REPAIR_SET_NOT_NULL
                                                                   : EMIT_REPAIR_DROP_NOT_NULL,
                                          .column = col});
        }
        for (size_t q = 0; q < kind_count; q++) {
            const char *name = check_names[expected_checks - kind_count + q];
            int check_row = find_row(c->checks, checks, 1, name);
            if (check_row >= 0) {
                check_definition(s, c, t, col, kinds[q], check_row);
                continue;
            }
            finding *x =
                findings_add(s->f, FINDING_ERROR, "missing-check", TARGET, t->name, col->name,
                             "CHECK constraint %s (%s) is missing", name,
                             model_check_of(kinds[q])->name);
            x->line = check_line(t, col);
            x->expected = name;
            x->fix =
                repair(s, t,
                       (emit_repair){
                           .kind = EMIT_REPAIR_ADD_CHECK, .column = col, .check_kind = kinds[q]});
        }
    }
    for (int i = rows.first; i < rows.end; i++) {
        const char *name = pq.PQgetvalue(c->columns, i, 1);
        if (syncspec_table_column(t, name)) continue;
        /* Server-only columns are common and harmless (the sync rules select explicit
         * lists), unless they are NOT NULL without a default: then every insert of a
         * spec row, uploads included, fails. */
        bool blocks_inserts =
            pq.PQgetvalue(c->columns, i, 3)[0] == 't' && pq.PQgetvalue(c->columns, i, 4)[0] != 't';
        finding *x = findings_add(
            s->f, blocks_inserts ? FINDING_ERROR : FINDING_WARNING, "extra-column", TARGET, t->name,
            value(a, c->columns, i, 1),
            blocks_inserts ? "column %s.%s is not in the spec, and is NOT NULL without a default: "
                             "inserts of spec rows fail"
                           : "column %s.%s is not in the spec",
            t->name, name);
        x->line = t->line;
        x->actual = value(a, c->columns, i, 2);
        x->fix = repair_comment(
            a, arena_printf(a, "destructive, not applied: ALTER TABLE %s DROP COLUMN %s;", tq,
                            esc_sql_ident(a, name)));
    }
    for (int i = checks.first; i < checks.end; i++) {
        const char *name = pq.PQgetvalue(c->checks, i, 1);
        bool known = false;
        for (size_t k = 0; k < expected_checks && !known; k++)
            known = strcmp(check_names[k], name) == 0;
        if (known) continue;
        /* The server would refuse rows that clients accept: their uploads then fail. */
        finding *x = findings_add(s->f, FINDING_WARNING, "extra-check", TARGET, t->name,
                                  value(a, c->checks, i, 2),
                                  "CHECK constraint %s on %s is not in the spec: the server may "
                                  "reject rows that clients accept",
                                  name, t->name);
        x->line = t->line;
        x->actual = value(a, c->checks, i, 1);
        x->fix =
            repair_comment(a, arena_printf(a, "not applied: ALTER TABLE %s DROP CONSTRAINT %s;", tq,
                                           esc_sql_ident(a, name)));
    }
}

static const char *index_columns(strbuf *sb, const syncspec_index *index) {
    sb_reset(sb);
    for (size_t q = 0; q < index->column_count; q++) {
        if (q) sb_putc(sb, ',');
        sb_append(sb, index->columns[q]);
    }
    return sb_str(sb);
}

/* Index rows: table, name, unique, primary, key columns, what makes the index other than a
 * plain btree over columns ("" when nothing does), and the unique (or exclusion) constraint
 * it implements (NULL when none). */
enum {
    IX_NAME = 1,
    IX_UNIQUE = 2,
    IX_PRIMARY = 3,
    IX_COLUMNS = 4,
    IX_IRREGULAR = 5,
    IX_CONSTRAINT = 6
};

/* The statement that removes an index: PostgreSQL refuses DROP INDEX on the index of a
 * constraint, which only ALTER TABLE ... DROP CONSTRAINT removes. */
static const char *drop_index(const pg_state *s, const syncspec_table *t, const PGresult *r,
                              int row) {
    arena *a = s->f->a;
    if (!pq.PQgetisnull(r, row, IX_CONSTRAINT))
        return arena_printf(a, "ALTER TABLE %s DROP CONSTRAINT %s;", qualified(s, t),
                            esc_sql_ident(a, pq.PQgetvalue(r, row, IX_CONSTRAINT)));
    return arena_printf(a, "DROP INDEX %s.%s;", esc_sql_ident(a, s->schema->pg_schema),
                        esc_sql_ident(a, pq.PQgetvalue(r, row, IX_NAME)));
}

static void check_table_indexes(pg_state *s, const catalog *c, const syncspec_table *t) {
    slice rows = c->index_rows[t - s->schema->tables];
    arena *a = s->f->a;
    const PGresult *r = c->indexes;
    const char *tq = qualified(s, t);
    int primary = -1;
    for (int i = rows.first; i < rows.end; i++)
        if (pq.PQgetvalue(r, i, IX_PRIMARY)[0] == 't') primary = i;
    if (primary < 0) {
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-primary-key", TARGET, t->name, "id",
                                  "%s has no primary key on id", t->name);
        x->line = t->line;
        x->expected = "id";
        x->fix = repair(
            s, t, (emit_repair){.kind = EMIT_REPAIR_ADD_PRIMARY_KEY, .column = &t->columns[0]});
    } else if (strcmp(pq.PQgetvalue(r, primary, IX_COLUMNS), "id") != 0 ||
               *pq.PQgetvalue(r, primary, IX_IRREGULAR)) {
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-primary-key", TARGET, t->name, "id",
                                  "the primary key of %s is (%s), the spec says (id)", t->name,
                                  pq.PQgetvalue(r, primary, IX_COLUMNS));
        x->line = t->line;
        x->expected = "id";
        x->actual = value(a, r, primary, IX_COLUMNS);
        x->fix = repair_comment(
            a, arena_printf(a,
                            "not applied (replaces the primary key): ALTER TABLE %s DROP "
                            "CONSTRAINT %s, ADD PRIMARY KEY (\"id\");",
                            tq, esc_sql_ident(a, pq.PQgetvalue(r, primary, IX_NAME))));
    }
    strbuf want = STRBUF_INIT;
    for (size_t k = 0; k < t->index_count; k++) {
        /* The index as postgres.sql creates it (unique keys per owner); repairs name the
         * spec's own. */
        const syncspec_index *spec_index = &t->indexes[k];
        syncspec_index server_index = pg_index(a, t, spec_index);
        const syncspec_index *index = &server_index;
        int row = find_row(r, rows, IX_NAME, index->name);
        index_columns(&want, index);
        unsigned line = index->line ? index->line : t->line;
        if (row < 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-index", TARGET, t->name, NULL,
                                      "index %s is missing", index->name);
            x->index = index->name;
            x->line = line;
            x->expected = arena_printf(a, "%s(%s)", index->unique ? "UNIQUE " : "", sb_str(&want));
            x->fix =
                repair(s, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_INDEX, .index = spec_index});
            continue;
        }
        bool unique = pq.PQgetvalue(r, row, IX_UNIQUE)[0] == 't';
        const char *columns = pq.PQgetvalue(r, row, IX_COLUMNS);
        const char *irregular = pq.PQgetvalue(r, row, IX_IRREGULAR);
        if (strcmp(columns, sb_str(&want)) == 0 && unique == index->unique && !*irregular) continue;
        const char *create =
            repair(s, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_INDEX, .index = spec_index});
        finding *x = findings_add(s->f, FINDING_ERROR, "index-mismatch", TARGET, t->name, NULL,
                                  "index %s is %s(%s)%s%s, the spec says %s(%s)", index->name,
                                  unique ? "UNIQUE " : "", columns, *irregular ? " " : "",
                                  irregular, index->unique ? "UNIQUE " : "", sb_str(&want));
        x->index = index->name;
        x->line = line;
        x->expected = arena_printf(a, "%s(%s)", index->unique ? "UNIQUE " : "", sb_str(&want));
        x->actual = arena_printf(a, "%s(%s)%s%s", unique ? "UNIQUE " : "", columns,
                                 *irregular ? " " : "", irregular);
        /* A unique key over the spec's columns alone (as postgres.sql made it before keys
         * held per owner): the key with the owner can only accept more rows, so replacing
         * it cannot fail or lose a row. Anything else is left to the user. */
        strbuf global = STRBUF_INIT;
        bool widens = unique && index->unique && !*irregular &&
                      index->column_count == spec_index->column_count + 1 &&
                      strcmp(columns, index_columns(&global, spec_index)) == 0;
        sb_free(&global);
        if (widens)
            x->fix = arena_printf(a,
                                  "-- the key held across owners: per owner it accepts more rows\n"
                                  "%s\n%s",
                                  drop_index(s, t, r, row), create ? create : "");
        else
            x->fix =
                repair_comment(a, arena_printf(a, "not applied (drops an index): %s\n%s",
                                               drop_index(s, t, r, row), create ? create : ""));
    }
    sb_free(&want);
    for (int i = rows.first; i < rows.end; i++) {
        if (pq.PQgetvalue(r, i, IX_PRIMARY)[0] == 't') continue;
        const char *name = pq.PQgetvalue(r, i, IX_NAME);
        bool known = false;
        for (size_t k = 0; k < t->index_count && !known; k++)
            known = strcmp(t->indexes[k].name, name) == 0;
        if (known) continue;
        /* A unique one can reject rows that clients accept; a plain one only costs writes. */
        bool unique = pq.PQgetvalue(r, i, IX_UNIQUE)[0] == 't';
        finding *x =
            findings_add(s->f, FINDING_WARNING, "extra-index", TARGET, t->name, NULL,
                         "%sindex %s on %s(%s) is not in the spec", unique ? "unique " : "", name,
                         t->name, pq.PQgetvalue(r, i, IX_COLUMNS));
        x->index = value(a, r, i, IX_NAME);
        x->line = t->line;
        x->actual =
            arena_printf(a, "%s(%s)", unique ? "UNIQUE " : "", pq.PQgetvalue(r, i, IX_COLUMNS));
        x->fix = repair_comment(a, arena_printf(a, "not applied: %s", drop_index(s, t, r, i)));
    }
}

static void check_table_properties(pg_state *s, const catalog *c, const syncspec_table *t,
                                   int table_row) {
    arena *a = s->f->a;
    const char *tq = qualified(s, t);
    if (pq.PQgetvalue(c->tables, table_row, 2)[0] == 't') {
        finding *x =
            findings_add(s->f, FINDING_WARNING, "row-level-security", TARGET, t->name, NULL,
                         "%s has row-level security: the sync service needs a role "
                         "with BYPASSRLS to replicate it",
                         t->name);
        x->line = t->line;
        x->fix = repair_comment(
            a, arena_printf(
                   a, "if the policies are not needed: ALTER TABLE %s DISABLE ROW LEVEL SECURITY;",
                   tq));
    }
    if (pq.PQgetvalue(c->tables, table_row, 4)[0] == 'u') {
        /* PostgreSQL refuses to publish it; SET LOGGED comes before the publication block
         * in the repair file, so that block can then add it. */
        finding *x = findings_add(s->f, FINDING_ERROR, "unlogged-table", TARGET, t->name, NULL,
                                  "%s is UNLOGGED: it cannot be published, so its changes never "
                                  "reach clients",
                                  t->name);
        x->line = t->line;
        x->expected = "LOGGED";
        x->actual = "UNLOGGED";
        x->fix = repair(s, t, (emit_repair){.kind = EMIT_REPAIR_SET_LOGGED});
    }
    if (pq.PQgetvalue(c->tables, table_row, 3)[0] == 'n') {
        finding *x =
            findings_add(s->f, FINDING_ERROR, "replica-identity-nothing", TARGET, t->name, NULL,
                         "%s has REPLICA IDENTITY NOTHING: its changes cannot be "
                         "replicated",
                         t->name);
        x->line = t->line;
        x->expected = "DEFAULT";
        x->actual = "NOTHING";
        x->fix = repair(s, t, (emit_repair){.kind = EMIT_REPAIR_REPLICA_IDENTITY});
    }
    slice fks = c->fk_rows[t - s->schema->tables];
    for (int i = fks.first; i < fks.end; i++) {
        finding *x = findings_add(s->f, FINDING_WARNING, "foreign-key", TARGET, t->name,
                                  value(a, c->foreign_keys, i, 2),
                                  "%s has FOREIGN KEY %s: offline uploads arrive out of order, so "
                                  "it can reject valid writes",
                                  t->name, pq.PQgetvalue(c->foreign_keys, i, 1));
        x->line = t->line;
        x->fix =
            repair_comment(a, arena_printf(a, "not applied: ALTER TABLE %s DROP CONSTRAINT %s;", tq,
                                           esc_sql_ident(a, pq.PQgetvalue(c->foreign_keys, i, 1))));
    }
}

/* NULL for a table (plain or partitioned); otherwise what the relation is. */
static const char *relation_kind(const char *relkind) {
    switch (relkind[0]) {
    case 'v':
        return "view";
    case 'm':
        return "materialized view";
    case 'f':
        return "foreign table";
    default:
        return NULL;
    }
}

static const char *kind_keyword(const char *kind) {
    if (strcmp(kind, "view") == 0) return "VIEW";
    if (strcmp(kind, "materialized view") == 0) return "MATERIALIZED VIEW";
    return "FOREIGN TABLE";
}

static void check_tables(pg_state *s) {
    arena *a = s->f->a;
    catalog c = {0};
    c.tables = query(s, "SELECT c.relname, c.relkind, c.relrowsecurity, c.relreplident, "
                        "c.relpersistence FROM "
                        "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', "
                        "'m', 'f') AND $2::text IS NOT NULL ORDER BY c.relname");
    c.columns = query(s, "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
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
    c.indexes =
        query(s, "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, (SELECT "
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
    c.checks = query(s, "SELECT t.relname, con.conname, (SELECT string_agg(a.attname, ',') FROM "
                        "pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY "
                        "(con.conkey)), pg_catalog.pg_get_constraintdef(con.oid) FROM "
                        "pg_catalog.pg_constraint con JOIN pg_catalog.pg_class "
                        "t ON t.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
                        "t.relnamespace WHERE n.nspname = $1 AND con.contype = 'c' AND $2::text "
                        "IS NOT NULL ORDER BY t.relname");
    c.foreign_keys = query(s, "SELECT t.relname, con.conname, (SELECT string_agg(a.attname, ',') "
                              "FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND "
                              "a.attnum = ANY (con.conkey)) FROM pg_catalog.pg_constraint con "
                              "JOIN pg_catalog.pg_class t ON t.oid = con.conrelid JOIN "
                              "pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE "
                              "n.nspname = $1 AND con.contype = 'f' AND $2::text IS NOT NULL "
                              "ORDER BY t.relname");
    if (!c.tables || !c.columns || !c.indexes || !c.checks || !c.foreign_keys) goto cleanup;
    c.table_rows = slices(s, c.tables);
    c.column_rows = slices(s, c.columns);
    c.index_rows = slices(s, c.indexes);
    c.check_rows = slices(s, c.checks);
    c.fk_rows = slices(s, c.foreign_keys);
    for (size_t i = 0; i < s->schema->table_count; i++) {
        const syncspec_table *t = &s->schema->tables[i];
        slice found = c.table_rows[i];
        int row = found.end > found.first ? found.first : -1;
        const char *kind = row >= 0 ? relation_kind(pq.PQgetvalue(c.tables, row, 1)) : NULL;
        if (kind && t->local_only) row = -1; /* a view of that name is no local-only table */
        if (t->local_only) {
            if (row >= 0) {
                finding *x =
                    findings_add(s->f, FINDING_WARNING, "local-only-in-postgres", TARGET, t->name,
                                 NULL, "local-only table %s exists in PostgreSQL", t->name);
                x->line = t->line;
                x->fix =
                    repair_comment(a, arena_printf(a, "destructive, not applied: DROP TABLE %s.%s;",
                                                   esc_sql_ident(a, s->schema->pg_schema),
                                                   esc_sql_ident(a, t->name)));
            }
            continue;
        }
        if (kind) {
            /* CREATE TABLE IF NOT EXISTS would do nothing, and a view cannot be published. */
            finding *x =
                findings_add(s->f, FINDING_ERROR, "not-a-table", TARGET, t->name, NULL,
                             "%s is a %s, not a table: it cannot be published", t->name, kind);
            x->line = t->line;
            x->expected = "table";
            x->actual = kind;
            x->fix = repair_comment(
                a, arena_printf(a,
                                "not applied: replace the %s %s with the table (DROP %s, then "
                                "the table's statements of the generated postgres.sql)",
                                kind, qualified(s, t), kind_keyword(kind)));
            s->not_tables[i] = true;
            continue;
        }
        if (row < 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-table", TARGET, t->name, NULL,
                                      "table %s is missing", t->name);
            x->line = t->line;
            x->fix = repair(s, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_TABLE});
            continue;
        }
        check_table_columns(s, &c, t);
        check_table_indexes(s, &c, t);
        check_table_properties(s, &c, t, row);
    }
cleanup:
    pq.PQclear(c.tables);
    pq.PQclear(c.columns);
    pq.PQclear(c.indexes);
    pq.PQclear(c.checks);
    pq.PQclear(c.foreign_keys);
}

int check_postgres(findings *f, const syncspec_schema *schema, const char *conninfo,
                   const char **error) {
    /* A default connect timeout, so an unreachable host fails in seconds, not minutes; the
     * conninfo's own connect_timeout wins. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", conninfo, NULL};
    if (load_libpq(f->a, error) != 0) return -1;
    PGconn *conn = pq.PQconnectdbParams(keys, values, 1);
    if (pq.PQstatus(conn) != CONNECTION_OK) {
        const char *message = conn ? pq.PQerrorMessage(conn) : "out of memory";
        size_t len = strlen(message);
        while (len && (message[len - 1] == '\n' || message[len - 1] == ' ')) len--;
        *error = arena_printf(f->a, "cannot connect to PostgreSQL: %.*s", (int)len, message);
        pq.PQfinish(conn);
        return -1;
    }
    pg_state s = {.f = f, .conn = conn, .schema = schema};
    table_lookup_init(&s.lookup, f->a, schema);
    s.not_tables = arena_calloc(f->a, schema->table_count + 1, sizeof *s.not_tables);
    check_settings(&s);
    if (!s.error) check_tables(&s);
    if (!s.error) check_publication(&s);
    pq.PQfinish(conn);
    if (s.error) {
        *error = s.error;
        return -1;
    }
    return 0;
}
