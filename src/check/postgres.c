/*
 * A live PostgreSQL database against the spec, and its readiness for PowerSync. One
 * catalog query per kind of object, never one per table: the number of queries is the same
 * for 8 tables or 8,000.
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/repair.h"
#include "emit/escape.h"
#include "emit/types.h"
#include "util/strbuf.h"

static const char *const TARGET = "postgres";

typedef struct pg_state {
    findings *f;
    PGconn *conn;
    const syncspec_schema *schema;
    const char *error;
    bool publication_fixed;
} pg_state;

/* Runs one catalog query with the schema name ($1) and publication name ($2). */
static PGresult *query(pg_state *s, const char *sql) {
    const char *params[] = {s->schema->pg_schema, s->schema->publication};
    s->f->queries++;
    PGresult *r = PQexecParams(s->conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        s->error = arena_printf(s->f->a, "catalog query failed: %s", PQerrorMessage(s->conn));
        PQclear(r);
        return NULL;
    }
    return r;
}

static bool is_table(const PGresult *r, int row, const char *table) {
    return strcmp(PQgetvalue(r, row, 0), table) == 0;
}

static const char *value(arena *a, const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : arena_strdup(a, PQgetvalue(r, row, col));
}

/* The publication block of postgres.sql, rendered once, attached to the first
 * publication finding only (one block repairs them all). */
static const char *publication_fix(pg_state *s) {
    if (s->publication_fixed) return NULL;
    s->publication_fixed = true;
    return repair_publication_sql(s->f->a, s->schema);
}

static void check_settings(pg_state *s) {
    PGresult *r = query(s, "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN "
                           "('wal_level', 'max_replication_slots', 'max_wal_senders', "
                           "'max_slot_wal_keep_size') AND $1::text IS NOT NULL AND $2::text IS "
                           "NOT NULL");
    if (!r) return;
    const char *wal = NULL, *slots = NULL, *senders = NULL, *keep = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *v = value(s->f->a, r, i, 1);
        if (strcmp(name, "wal_level") == 0) wal = v;
        if (strcmp(name, "max_replication_slots") == 0) slots = v;
        if (strcmp(name, "max_wal_senders") == 0) senders = v;
        if (strcmp(name, "max_slot_wal_keep_size") == 0) keep = v;
    }
    PQclear(r);
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
    }
    if (senders && atoi(senders) < 1) {
        finding *x = findings_add(s->f, FINDING_ERROR, "wal-senders", TARGET, NULL, NULL,
                                  "max_wal_senders is %s: the sync service needs one", senders);
        x->actual = senders;
        x->expected = ">= 1";
    }
    if (keep && strcmp(keep, "-1") == 0) {
        r = query(s, "SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE NOT active AND "
                     "$1::text IS NOT NULL AND $2::text IS NOT NULL ORDER BY slot_name");
        if (!r) return;
        for (int i = 0; i < PQntuples(r); i++) {
            finding *x = findings_add(
                s->f, FINDING_WARNING, "inactive-slot", TARGET, NULL, NULL,
                "replication slot %s is inactive and max_slot_wal_keep_size is -1: it retains WAL "
                "without bound",
                PQgetvalue(r, i, 0));
            x->actual = value(s->f->a, r, i, 0);
            x->fix = repair_comment(
                s->f->a, "not applied: ALTER SYSTEM SET max_slot_wal_keep_size = '1GB';");
        }
        PQclear(r);
    }
}

static void check_publication(pg_state *s) {
    arena *a = s->f->a;
    PGresult *r = query(s, "SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate, "
                           "pubviaroot FROM pg_catalog.pg_publication WHERE pubname = $2 AND "
                           "$1::text IS NOT NULL");
    if (!r) return;
    if (PQntuples(r) == 0) {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-missing", TARGET, NULL, NULL,
                                  "publication %s does not exist", s->schema->publication);
        x->expected = s->schema->publication;
        x->fix = publication_fix(s);
        PQclear(r);
        return;
    }
    if (PQgetvalue(r, 0, 0)[0] != 't') {
        finding *x = findings_add(s->f, FINDING_ERROR, "publication-operation", TARGET, NULL, NULL,
                                  "publication %s does not publish every operation (insert, "
                                  "update, delete, truncate)",
                                  s->schema->publication);
        x->expected = "insert, update, delete, truncate";
        x->fix = publication_fix(s);
    }
    if (PQgetvalue(r, 0, 1)[0] == 't') {
        finding *x =
            findings_add(s->f, FINDING_ERROR, "publication-via-root", TARGET, NULL, NULL,
                         "publication %s publishes via the partition root", s->schema->publication);
        x->fix = publication_fix(s);
    }
    PQclear(r);
    r = query(s, "SELECT tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $2 AND "
                 "schemaname = $1 ORDER BY tablename");
    if (!r) return;
    for (size_t i = 0; i < s->schema->table_count; i++) {
        const syncspec_table *t = &s->schema->tables[i];
        bool published = false;
        for (int k = 0; k < PQntuples(r) && !published; k++) published = is_table(r, k, t->name);
        if (!t->local_only && !published) {
            finding *x = findings_add(s->f, FINDING_ERROR, "publication-table-missing", TARGET,
                                      t->name, NULL, "table %s is not in publication %s", t->name,
                                      s->schema->publication);
            x->line = t->line;
            x->fix = publication_fix(s);
        } else if (t->local_only && published) {
            finding *x = findings_add(s->f, FINDING_ERROR, "publication-local-only", TARGET,
                                      t->name, NULL, "local-only table %s is in publication %s",
                                      t->name, s->schema->publication);
            x->line = t->line;
            x->fix = publication_fix(s);
        }
    }
    (void)a;
    PQclear(r);
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

static slice *slices(arena *a, const syncspec_schema *schema, const PGresult *r) {
    slice *out = arena_calloc(a, schema->table_count ? schema->table_count : 1, sizeof *out);
    int n = PQntuples(r);
    for (int i = 0; i < n;) {
        int end = i + 1;
        while (end < n && strcmp(PQgetvalue(r, end, 0), PQgetvalue(r, i, 0)) == 0) end++;
        const syncspec_table *t = syncspec_schema_table(schema, PQgetvalue(r, i, 0));
        if (t) out[t - schema->tables] = (slice){i, end};
        i = end;
    }
    return out;
}

static int find_row(const PGresult *r, slice rows, int col, const char *name) {
    for (int i = rows.first; i < rows.end; i++)
        if (strcmp(PQgetvalue(r, i, col), name) == 0) return i;
    return -1;
}

/* The table's generated SQL, rendered only when a repair needs it. */
static const char *table_sql(pg_state *s, const syncspec_table *t, const char **cache) {
    if (!*cache) *cache = repair_table_sql(s->f->a, s->schema, t, TARGET);
    return *cache;
}

static void check_table_columns(pg_state *s, const catalog *c, const syncspec_table *t,
                                const char **sql_cache) {
    slice rows = c->column_rows[t - s->schema->tables];
    slice checks = c->check_rows[t - s->schema->tables];
    arena *a = s->f->a;
    const char *tq =
        arena_printf(a, "%s.%s", esc_sql_ident(a, s->schema->pg_schema), esc_sql_ident(a, t->name));
    for (size_t k = 0; k < t->column_count; k++) {
        const syncspec_column *col = &t->columns[k];
        int row = find_row(c->columns, rows, 1, col->name);
        if (row < 0) {
            const char *definition =
                repair_column_definition(a, table_sql(s, t, sql_cache), col->name);
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-column", TARGET, t->name,
                                      col->name, "column %s.%s is missing", t->name, col->name);
            x->line = check_line(t, col);
            x->expected = pg_type_name(col->type);
            if (definition)
                x->fix = arena_printf(a, "ALTER TABLE %s ADD COLUMN %s;", tq, definition);
            continue;
        }
        const char *type = PQgetvalue(c->columns, row, 2);
        bool not_null = PQgetvalue(c->columns, row, 3)[0] == 't';
        const char *cq = esc_sql_ident(a, col->name);
        if (strcmp(type, pg_type_name(col->type)) != 0) {
            finding *x =
                findings_add(s->f, FINDING_ERROR, "type-mismatch", TARGET, t->name, col->name,
                             "column %s.%s is %s, the spec says %s (%s)", t->name, col->name, type,
                             pg_type_name(col->type), syncspec_type_name(col->type));
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
            x->fix = arena_printf(a, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", tq, cq,
                                  pg_not_null(col) ? "SET" : "DROP");
        }
        /* The generated CHECK constraints, by name. */
        const char *kinds[PG_MAX_CHECKS];
        size_t kind_count = pg_check_kinds(kinds, s->schema, col);
        for (size_t q = 0; q < kind_count; q++) {
            const char *name = pg_check_name(a, t->name, col->name, kinds[q]);
            if (find_row(c->checks, checks, 1, name) >= 0) continue;
            const char *definition =
                repair_column_definition(a, table_sql(s, t, sql_cache), col->name);
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-check", TARGET, t->name,
                                      col->name, "CHECK constraint %s is missing", name);
            x->line = check_line(t, col);
            x->expected = name;
            const char *clause = repair_check_clause(a, definition, name);
            if (clause) x->fix = arena_printf(a, "ALTER TABLE %s ADD %s;", tq, clause);
        }
    }
    for (int i = rows.first; i < rows.end; i++) {
        const char *name = PQgetvalue(c->columns, i, 1);
        if (syncspec_table_column(t, name)) continue;
        /* Server-only columns are common and harmless: the sync rules select explicit lists. */
        finding *x = findings_add(s->f, FINDING_WARNING, "extra-column", TARGET, t->name,
                                  value(a, c->columns, i, 1), "column %s.%s is not in the spec",
                                  t->name, name);
        x->line = t->line;
        x->actual = value(a, c->columns, i, 2);
    }
}

static void check_table_indexes(pg_state *s, const catalog *c, const syncspec_table *t,
                                const char **sql_cache) {
    slice rows = c->index_rows[t - s->schema->tables];
    arena *a = s->f->a;
    const char *tq =
        arena_printf(a, "%s.%s", esc_sql_ident(a, s->schema->pg_schema), esc_sql_ident(a, t->name));
    bool has_primary = false;
    for (int i = rows.first; i < rows.end; i++)
        if (PQgetvalue(c->indexes, i, 3)[0] == 't')
            has_primary = strcmp(PQgetvalue(c->indexes, i, 4), "id") == 0 || has_primary;
    if (!has_primary) {
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-primary-key", TARGET, t->name, "id",
                                  "%s has no primary key on id", t->name);
        x->line = t->line;
        x->fix = arena_printf(a, "ALTER TABLE %s ADD PRIMARY KEY (\"id\");", tq);
    }
    for (size_t k = 0; k < t->index_count; k++) {
        const syncspec_index *index = &t->indexes[k];
        int row = find_row(c->indexes, rows, 1, index->name);
        strbuf want = STRBUF_INIT;
        for (size_t q = 0; q < index->column_count; q++) {
            if (q) sb_putc(&want, ',');
            sb_append(&want, index->columns[q]);
        }
        unsigned line = index->line ? index->line : t->line;
        const char *create =
            row < 0 || strcmp(PQgetvalue(c->indexes, row, 4), sb_str(&want)) != 0 ||
                    (PQgetvalue(c->indexes, row, 2)[0] == 't') != index->unique
                ? repair_index_statement(a, table_sql(s, t, sql_cache), index->name)
                : NULL;
        if (row < 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-index", TARGET, t->name, NULL,
                                      "index %s is missing", index->name);
            x->line = line;
            x->expected = index->name;
            x->fix = create;
        } else if (strcmp(PQgetvalue(c->indexes, row, 4), sb_str(&want)) != 0 ||
                   (PQgetvalue(c->indexes, row, 2)[0] == 't') != index->unique) {
            finding *x = findings_add(s->f, FINDING_ERROR, "index-mismatch", TARGET, t->name, NULL,
                                      "index %s is %s(%s), the spec says %s(%s)", index->name,
                                      PQgetvalue(c->indexes, row, 2)[0] == 't' ? "UNIQUE " : "",
                                      PQgetvalue(c->indexes, row, 4),
                                      index->unique ? "UNIQUE " : "", sb_str(&want));
            x->line = line;
            x->expected = arena_strdup(a, sb_str(&want));
            x->actual = value(a, c->indexes, row, 4);
            x->fix = repair_comment(
                a, arena_printf(a, "not applied (drops an index): DROP INDEX %s.%s;\n%s",
                                esc_sql_ident(a, s->schema->pg_schema),
                                esc_sql_ident(a, index->name), create ? create : ""));
        }
        sb_free(&want);
    }
    for (int i = rows.first; i < rows.end; i++) {
        if (PQgetvalue(c->indexes, i, 3)[0] == 't') continue;
        const char *name = PQgetvalue(c->indexes, i, 1);
        bool known = false;
        for (size_t k = 0; k < t->index_count && !known; k++)
            known = strcmp(t->indexes[k].name, name) == 0;
        if (known) continue;
        finding *x = findings_add(s->f, FINDING_WARNING, "extra-index", TARGET, t->name, NULL,
                                  "index %s on %s(%s) is not in the spec", name, t->name,
                                  PQgetvalue(c->indexes, i, 4));
        x->line = t->line;
        x->actual = value(a, c->indexes, i, 4);
    }
}

static void check_table_properties(pg_state *s, const catalog *c, const syncspec_table *t,
                                   int table_row) {
    arena *a = s->f->a;
    const char *tq =
        arena_printf(a, "%s.%s", esc_sql_ident(a, s->schema->pg_schema), esc_sql_ident(a, t->name));
    if (PQgetvalue(c->tables, table_row, 2)[0] == 't') {
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
    if (PQgetvalue(c->tables, table_row, 3)[0] == 'n') {
        finding *x =
            findings_add(s->f, FINDING_ERROR, "replica-identity-nothing", TARGET, t->name, NULL,
                         "%s has REPLICA IDENTITY NOTHING: its changes cannot be "
                         "replicated",
                         t->name);
        x->line = t->line;
        x->expected = "DEFAULT";
        x->actual = "NOTHING";
        x->fix = arena_printf(a, "ALTER TABLE %s REPLICA IDENTITY DEFAULT;", tq);
    }
    slice fks = c->fk_rows[t - s->schema->tables];
    for (int i = fks.first; i < fks.end; i++) {
        finding *x = findings_add(s->f, FINDING_WARNING, "foreign-key", TARGET, t->name,
                                  value(a, c->foreign_keys, i, 2),
                                  "%s has FOREIGN KEY %s: offline uploads arrive out of order, so "
                                  "it can reject valid writes",
                                  t->name, PQgetvalue(c->foreign_keys, i, 1));
        x->line = t->line;
        x->fix =
            repair_comment(a, arena_printf(a, "not applied: ALTER TABLE %s DROP CONSTRAINT %s;", tq,
                                           esc_sql_ident(a, PQgetvalue(c->foreign_keys, i, 1))));
    }
}

static void check_tables(pg_state *s) {
    arena *a = s->f->a;
    catalog c = {0};
    c.tables = query(s, "SELECT c.relname, c.relkind, c.relrowsecurity, c.relreplident FROM "
                        "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND "
                        "$2::text IS NOT NULL ORDER BY c.relname");
    c.columns = query(s, "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
                         "a.attnotnull FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c "
                         "ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
                         "c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND "
                         "a.attnum > 0 AND NOT a.attisdropped AND $2::text IS NOT NULL ORDER BY "
                         "c.relname, a.attnum");
    c.indexes = query(s, "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, (SELECT "
                         "string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH "
                         "ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = "
                         "t.oid AND a.attnum = k.attnum) FROM pg_catalog.pg_index x JOIN "
                         "pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t "
                         "ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
                         "t.relnamespace WHERE n.nspname = $1 AND $2::text IS NOT NULL ORDER BY "
                         "t.relname, i.relname");
    c.checks = query(s, "SELECT t.relname, con.conname FROM pg_catalog.pg_constraint con JOIN "
                        "pg_catalog.pg_class t ON t.oid = con.conrelid JOIN "
                        "pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 "
                        "AND con.contype = 'c' AND $2::text IS NOT NULL ORDER BY t.relname");
    c.foreign_keys = query(s, "SELECT t.relname, con.conname, (SELECT string_agg(a.attname, ',') "
                              "FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND "
                              "a.attnum = ANY (con.conkey)) FROM pg_catalog.pg_constraint con "
                              "JOIN pg_catalog.pg_class t ON t.oid = con.conrelid JOIN "
                              "pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE "
                              "n.nspname = $1 AND con.contype = 'f' AND $2::text IS NOT NULL "
                              "ORDER BY t.relname");
    if (!c.tables || !c.columns || !c.indexes || !c.checks || !c.foreign_keys) goto cleanup;
    c.table_rows = slices(a, s->schema, c.tables);
    c.column_rows = slices(a, s->schema, c.columns);
    c.index_rows = slices(a, s->schema, c.indexes);
    c.check_rows = slices(a, s->schema, c.checks);
    c.fk_rows = slices(a, s->schema, c.foreign_keys);
    for (size_t i = 0; i < s->schema->table_count; i++) {
        const syncspec_table *t = &s->schema->tables[i];
        slice found = c.table_rows[i];
        int row = found.end > found.first ? found.first : -1;
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
        const char *sql_cache = NULL;
        if (row < 0) {
            finding *x = findings_add(s->f, FINDING_ERROR, "missing-table", TARGET, t->name, NULL,
                                      "table %s is missing", t->name);
            x->line = t->line;
            x->fix = table_sql(s, t, &sql_cache);
            continue;
        }
        check_table_columns(s, &c, t, &sql_cache);
        check_table_indexes(s, &c, t, &sql_cache);
        check_table_properties(s, &c, t, row);
    }
cleanup:
    PQclear(c.tables);
    PQclear(c.columns);
    PQclear(c.indexes);
    PQclear(c.checks);
    PQclear(c.foreign_keys);
}

int check_postgres(findings *f, const syncspec_schema *schema, const char *conninfo,
                   const char **error) {
    /* A default connect timeout, so an unreachable host fails in seconds, not minutes; the
     * conninfo's own connect_timeout wins. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", conninfo, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *message = conn ? PQerrorMessage(conn) : "out of memory";
        size_t len = strlen(message);
        while (len && (message[len - 1] == '\n' || message[len - 1] == ' ')) len--;
        *error = arena_printf(f->a, "cannot connect to PostgreSQL: %.*s", (int)len, message);
        PQfinish(conn);
        return -1;
    }
    pg_state s = {.f = f, .conn = conn, .schema = schema};
    check_settings(&s);
    if (!s.error) check_tables(&s);
    if (!s.error) check_publication(&s);
    PQfinish(conn);
    if (s.error) {
        *error = s.error;
        return -1;
    }
    return 0;
}
