/* A live SQLite database against the spec: tables (or PowerSync's views), columns by
 * affinity, NOT NULL, primary key, indexes, boolean CHECKs, and no foreign keys. */
#include <ctype.h>
#include <sqlite3.h>
#include <string.h>

#include "check/check.h"
#include "check/repair.h"
#include "emit/escape.h"
#include "emit/types.h"
#include "util/strbuf.h"

static const char *const TARGET = "sqlite";

/* SQLite's affinity rules (section 3.1 of its datatype documentation), in order. */
static const char *affinity(const char *declared) {
    char up[128];
    size_t n = 0;
    for (; declared && declared[n] && n < sizeof up - 1; n++)
        up[n] = (char)toupper((unsigned char)declared[n]);
    up[n] = '\0';
    if (strstr(up, "INT")) return "INTEGER";
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT")) return "TEXT";
    if (n == 0 || strstr(up, "BLOB")) return "BLOB";
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB")) return "REAL";
    return "NUMERIC";
}

/* Whether CREATE TABLE text holds CHECK ("col" IN (0, 1)), in any spacing or quoting. */
static bool has_boolean_check(arena *a, const char *create_sql, const char *column) {
    if (!create_sql) return false;
    strbuf norm = STRBUF_INIT;
    for (const char *p = create_sql; *p; p++)
        if (!isspace((unsigned char)*p) && *p != '"' && *p != '`' && *p != '[' && *p != ']')
            sb_putc(&norm, (char)tolower((unsigned char)*p));
    const char *want = arena_printf(a, "check(%sin(0,1))", column);
    bool found = strstr(sb_str(&norm), want) != NULL;
    sb_free(&norm);
    return found;
}

typedef struct sqlite_object {
    const char *type, *name, *sql;
} sqlite_object;

static const sqlite_object *find_object(const sqlite_object *objects, size_t count,
                                        const char *name) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(objects[i].name, name) == 0) return &objects[i];
    return NULL;
}

static const char *text_at(arena *a, sqlite3_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

static void check_columns(findings *f, sqlite3 *db, const syncspec_schema *schema,
                          const syncspec_table *t, const sqlite_object *object, bool managed) {
    arena *a = f->a;
    sqlite3_stmt *st;
    const char *sql = "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?1)";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    sqlite3_bind_text(st, 1, object->name, -1, SQLITE_STATIC);
    bool seen[1600] = {false};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = text_at(a, st, 0), *type = text_at(a, st, 1);
        bool not_null = sqlite3_column_int(st, 2) != 0, pk = sqlite3_column_int(st, 3) != 0;
        const syncspec_column *c = syncspec_table_column(t, name);
        if (!c) {
            finding *x = findings_add(f, FINDING_WARNING, "extra-column", TARGET, t->name, name,
                                      "column %s.%s is not in the spec", t->name, name);
            x->line = t->line;
            x->actual = type;
            if (!managed)
                x->fix = repair_comment(
                    a, arena_printf(a, "destructive, not applied: ALTER TABLE %s DROP COLUMN %s;",
                                    esc_sql_ident(a, t->name), esc_sql_ident(a, name)));
            continue;
        }
        seen[c - t->columns] = true;
        /* PowerSync keeps rows as JSON behind views: no declared types or constraints. */
        if (managed) continue;
        const char *want = sqlite_type_name(c->type);
        if (strcmp(affinity(type), want) != 0) {
            finding *x = findings_add(f, FINDING_ERROR, "type-mismatch", TARGET, t->name, c->name,
                                      "column %s.%s is %s (affinity %s), the spec says %s (%s)",
                                      t->name, c->name, type && *type ? type : "untyped",
                                      affinity(type), want, syncspec_type_name(c->type));
            x->expected = want;
            x->actual = type;
            x->line = check_line(t, c);
            x->fix = repair_comment(a, "lossy, not applied: SQLite cannot change a column's type; "
                                       "rebuild the table from the generated sqlite.sql");
        }
        if (not_null != sqlite_not_null(c) && !(c->role == SYNCSPEC_ROLE_ID && pk)) {
            finding *x = findings_add(f, FINDING_ERROR, "nullability", TARGET, t->name, c->name,
                                      "column %s.%s is %s, the spec says %s", t->name, c->name,
                                      not_null ? "NOT NULL" : "nullable",
                                      sqlite_not_null(c) ? "NOT NULL" : "nullable");
            x->expected = sqlite_not_null(c) ? "NOT NULL" : "NULL";
            x->actual = not_null ? "NOT NULL" : "NULL";
            x->line = check_line(t, c);
            x->fix = repair_comment(a, "not applied: SQLite cannot change a column's NOT NULL; "
                                       "rebuild the table from the generated sqlite.sql");
        }
        if (c->role == SYNCSPEC_ROLE_ID && !pk) {
            finding *x = findings_add(f, FINDING_ERROR, "missing-primary-key", TARGET, t->name,
                                      c->name, "%s.id is not the primary key", t->name);
            x->line = t->line;
            x->fix = repair_comment(a, "not applied: SQLite cannot add a primary key; rebuild the "
                                       "table from the generated sqlite.sql");
        }
        if (c->type == SYNCSPEC_TYPE_BOOLEAN && !has_boolean_check(a, object->sql, c->name)) {
            finding *x = findings_add(f, FINDING_WARNING, "missing-boolean-check", TARGET, t->name,
                                      c->name, "boolean column %s.%s has no CHECK (%s IN (0, 1))",
                                      t->name, c->name, c->name);
            x->line = check_line(t, c);
        }
    }
    sqlite3_finalize(st);
    for (size_t k = 0; k < t->column_count; k++) {
        if (seen[k]) continue;
        const syncspec_column *c = &t->columns[k];
        finding *x = findings_add(f, FINDING_ERROR, "missing-column", TARGET, t->name, c->name,
                                  "column %s.%s is missing", t->name, c->name);
        x->line = check_line(t, c);
        x->expected = sqlite_type_name(c->type);
        if (managed) continue;
        const char *table_sql = repair_table_sql(a, schema, t, TARGET);
        const char *definition = repair_column_definition(a, table_sql, c->name);
        if (!definition) continue;
        const char *statement =
            arena_printf(a, "ALTER TABLE %s ADD COLUMN %s;", esc_sql_ident(a, t->name), definition);
        /* SQLite adds a NOT NULL column only with a default; PRIMARY KEY never. */
        bool addable = !(strstr(definition, "NOT NULL") && !strstr(definition, "DEFAULT")) &&
                       !strstr(definition, "PRIMARY KEY");
        x->fix =
            addable
                ? statement
                : repair_comment(a, arena_printf(a,
                                                 "not applied: SQLite cannot add a NOT NULL column "
                                                 "without a default; rebuild the table\n%s",
                                                 statement));
    }
}

static void check_indexes(findings *f, sqlite3 *db, const syncspec_schema *schema,
                          const syncspec_table *t) {
    arena *a = f->a;
    const char *table_sql = NULL; /* rendered only when a repair needs it */
    sqlite3_stmt *st;
    const char *sql =
        "SELECT l.name, l.\"unique\", l.origin, (SELECT group_concat(name, ',') FROM (SELECT name "
        "FROM pragma_index_info(l.name) ORDER BY seqno)) FROM pragma_index_list(?1) l";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    bool seen[256] = {false};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = text_at(a, st, 0), *origin = text_at(a, st, 2);
        const char *columns = text_at(a, st, 3);
        bool unique = sqlite3_column_int(st, 1) != 0;
        if (origin && strcmp(origin, "pk") == 0) continue;
        const syncspec_index *index = NULL;
        for (size_t k = 0; k < t->index_count; k++)
            if (strcmp(t->indexes[k].name, name) == 0) index = &t->indexes[k];
        if (!index) {
            if (origin && strcmp(origin, "c") != 0) continue; /* UNIQUE in CREATE TABLE */
            finding *x = findings_add(f, FINDING_WARNING, "extra-index", TARGET, t->name, NULL,
                                      "index %s on %s(%s) is not in the spec", name, t->name,
                                      columns ? columns : "");
            x->actual = columns;
            x->line = t->line;
            x->fix = repair_comment(
                a, arena_printf(a, "not applied: DROP INDEX %s;", esc_sql_ident(a, name)));
            continue;
        }
        seen[index - t->indexes] = true;
        strbuf want = STRBUF_INIT;
        for (size_t k = 0; k < index->column_count; k++) {
            if (k) sb_putc(&want, ',');
            sb_append(&want, index->columns[k]);
        }
        if (!columns || strcmp(columns, sb_str(&want)) != 0 || unique != index->unique) {
            finding *x = findings_add(f, FINDING_ERROR, "index-mismatch", TARGET, t->name, NULL,
                                      "index %s is %s(%s), the spec says %s(%s)", name,
                                      unique ? "UNIQUE " : "", columns ? columns : "",
                                      index->unique ? "UNIQUE " : "", sb_str(&want));
            x->expected = arena_strdup(a, sb_str(&want));
            x->actual = columns;
            x->line = index->line ? index->line : t->line;
            if (!table_sql) table_sql = repair_table_sql(a, schema, t, TARGET);
            const char *create = repair_index_statement(a, table_sql, index->name);
            x->fix = repair_comment(
                a, arena_printf(a, "not applied (drops an index): DROP INDEX %s;\n%s",
                                esc_sql_ident(a, name), create ? create : ""));
        }
        sb_free(&want);
    }
    sqlite3_finalize(st);
    for (size_t k = 0; k < t->index_count; k++) {
        if (seen[k]) continue;
        const syncspec_index *index = &t->indexes[k];
        finding *x = findings_add(f, FINDING_ERROR, "missing-index", TARGET, t->name, NULL,
                                  "index %s is missing", index->name);
        x->expected = index->name;
        x->line = index->line ? index->line : t->line;
        if (!table_sql) table_sql = repair_table_sql(a, schema, t, TARGET);
        x->fix = repair_index_statement(a, table_sql, index->name);
    }
}

static void check_foreign_keys(findings *f, sqlite3 *db, const syncspec_table *t) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)", -1,
                           &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *from = text_at(f->a, st, 0), *to = text_at(f->a, st, 1);
        finding *x = findings_add(f, FINDING_ERROR, "foreign-key", TARGET, t->name, from,
                                  "%s.%s has a FOREIGN KEY to %s: sync cannot order writes for it",
                                  t->name, from ? from : "?", to ? to : "?");
        x->line = t->line;
        x->fix = repair_comment(f->a, "not applied: SQLite cannot drop a foreign key; rebuild the "
                                      "table from the generated sqlite.sql");
    }
    sqlite3_finalize(st);
}

int check_sqlite(findings *f, const syncspec_schema *schema, const char *path, const char **error) {
    arena *a = f->a;
    sqlite3 *db = NULL;
    /* Read-only, and never created: a missing file is an error, not an empty database. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        *error = arena_printf(a, "cannot open SQLite database %s: %s", path,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', "
                           "'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        *error = arena_printf(a, "cannot read SQLite database %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    size_t count = 0, cap = 64;
    sqlite_object *objects = arena_calloc(a, cap, sizeof *objects);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            sqlite_object *more = arena_calloc(a, cap * 2, sizeof *more);
            memcpy(more, objects, count * sizeof *objects);
            objects = more;
            cap *= 2;
        }
        objects[count++] = (sqlite_object){text_at(a, st, 0), text_at(a, st, 1), text_at(a, st, 2)};
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        *error = arena_printf(a, "cannot read SQLite database %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }

    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        const sqlite_object *object = find_object(objects, count, t->name);
        if (!object) {
            finding *x = findings_add(f, FINDING_ERROR, "missing-table", TARGET, t->name, NULL,
                                      "table %s is missing", t->name);
            x->line = t->line;
            x->fix = repair_table_sql(a, schema, t, TARGET);
            continue;
        }
        /* A PowerSync-managed database: a view named after the table over ps_data__<t>
         * (synced) or ps_data_local__<t> (local-only). */
        bool managed = strcmp(object->type, "view") == 0;
        if (managed) {
            bool synced_store =
                find_object(objects, count, arena_printf(a, "ps_data__%s", t->name));
            bool local_store =
                find_object(objects, count, arena_printf(a, "ps_data_local__%s", t->name));
            if (!synced_store && !local_store) {
                finding *x = findings_add(f, FINDING_ERROR, "not-a-table", TARGET, t->name, NULL,
                                          "%s is a view, and not one PowerSync manages", t->name);
                x->line = t->line;
                continue;
            }
            if (t->local_only != (local_store && !synced_store)) {
                finding *x = findings_add(f, FINDING_ERROR, "local-only-mismatch", TARGET, t->name,
                                          NULL, "%s is %s in the database, %s in the spec", t->name,
                                          local_store ? "local-only" : "synced",
                                          t->local_only ? "local-only" : "synced");
                x->line = t->line;
            }
        }
        check_columns(f, db, schema, t, object, managed);
        if (!managed) {
            check_indexes(f, db, schema, t);
            check_foreign_keys(f, db, t);
        }
    }
    for (size_t i = 0; i < count; i++) {
        const sqlite_object *o = &objects[i];
        if (strncmp(o->name, "ps_", 3) == 0 || syncspec_schema_table(schema, o->name)) continue;
        finding *x = findings_add(f, FINDING_WARNING, "extra-table", TARGET, o->name, NULL,
                                  "%s %s is not in the spec", o->type, o->name);
        x->fix = repair_comment(a, arena_printf(a, "destructive, not applied: DROP %s %s;",
                                                strcmp(o->type, "view") == 0 ? "VIEW" : "TABLE",
                                                esc_sql_ident(a, o->name)));
    }
    sqlite3_close(db);
    return 0;
}
