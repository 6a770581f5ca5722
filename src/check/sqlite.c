/* A live SQLite database against the spec: tables (or PowerSync's views), columns by
 * affinity, NOT NULL, primary key, indexes, boolean CHECKs, and no foreign keys. A
 * PowerSync client database is checked against the generated client schema: its views'
 * column types, the indexes on its JSON stores, local-only, and the table options. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
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

/* SQL text in lower case without white space or identifier quotes, so that spacing and
 * quoting do not matter when looking for a clause in it. */
static const char *normalize_sql(arena *a, const char *sql) {
    strbuf norm = STRBUF_INIT;
    for (const char *p = sql ? sql : ""; *p; p++)
        if (!isspace((unsigned char)*p) && *p != '"' && *p != '`' && *p != '[' && *p != ']')
            sb_putc(&norm, (char)tolower((unsigned char)*p));
    const char *out = arena_strndup(a, sb_str(&norm), norm.len);
    sb_free(&norm);
    return out;
}

/* Whether CREATE TABLE text holds CHECK ("col" IN (0, 1)), in any spacing or quoting. */
static bool has_boolean_check(arena *a, const char *normalized_sql, const char *column) {
    const char *want = arena_printf(a, "check(%sin(0,1))", normalize_sql(a, column));
    return strstr(normalized_sql, want) != NULL;
}

/*
 * PowerSync reads each column of its JSON rows as CAST(json_extract(data, '$.col') AS
 * TYPE), in its views and in its indexes alike. Finds the next such cast in normalized SQL
 * at or after `from`: sets *column and *type (upper case) and returns the text after it,
 * or NULL when there is none.
 */
static const char *next_cast(arena *a, const char *from, const char **column, const char **type) {
    static const char open[] = "json_extract(data,'$.";
    for (const char *hit = strstr(from, open); hit; hit = strstr(hit + 1, open)) {
        const char *name = hit + strlen(open), *close = strstr(name, "')as");
        if (!close) return NULL;
        const char *p = close + 4, *end = p;
        while (isalnum((unsigned char)*end) || *end == '_') end++;
        if (end == p || *end != ')') continue;
        *column = arena_strndup(a, name, (size_t)(close - name));
        char *upper = arena_strndup(a, p, (size_t)(end - p));
        for (char *q = upper; *q; q++) *q = (char)toupper((unsigned char)*q);
        *type = upper;
        return end;
    }
    return NULL;
}

/* The declared type of a column of a PowerSync view (SQLite reports none for a cast
 * column), read from the view's text; NULL when the view does not say. */
static const char *view_column_type(arena *a, const char *normalized_sql, const char *column) {
    const char *want = normalize_sql(a, column), *name, *type;
    for (const char *p = next_cast(a, normalized_sql, &name, &type); p;
         p = next_cast(a, p, &name, &type))
        if (strcmp(name, want) == 0) return type;
    return NULL;
}

/*
 * SQLite matches table, column and index names without regard to ASCII case ("Groups" is
 * the table groups), so the checker does too. Spec names are lower case: a name from the
 * database is looked up in the spec by its ASCII lower-case form.
 */
static const char *ascii_lower(arena *a, const char *name) {
    char *out = arena_strdup(a, name);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return out;
}

typedef struct sqlite_object {
    const char *type, *name, *sql, *normalized;
} sqlite_object;

typedef struct sqlite_state {
    findings *f;
    const syncspec_schema *schema;
    sqlite3 *db;
    sqlite_object *objects; /* sorted by name, ignoring ASCII case (NOCASE collation) */
    size_t object_count;
    /* Prepared once, reset per table. */
    sqlite3_stmt *columns, *indexes, *foreign_keys;
    /* PowerSync-managed tables: the indexes of a store table, the triggers of a view. */
    sqlite3_stmt *store_indexes, *view_triggers;
    const char *error;
} sqlite_state;

static int compare_object(const void *key, const void *item) {
    return sqlite3_stricmp((const char *)key, ((const sqlite_object *)item)->name);
}

static const sqlite_object *find_object(const sqlite_state *s, const char *name) {
    return bsearch(name, s->objects, s->object_count, sizeof *s->objects, compare_object);
}

static const char *text_at(arena *a, sqlite3_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

static int step_error(sqlite_state *s, const char *what) {
    s->error = arena_printf(s->f->a, "cannot read %s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

static void report_type(sqlite_state *s, const syncspec_table *t, const syncspec_column *c,
                        const char *type, bool managed) {
    arena *a = s->f->a;
    const char *want = sqlite_type_name(c->type);
    if (strcmp(affinity(type), want) == 0) return;
    finding *x = findings_add(s->f, FINDING_ERROR, "type-mismatch", TARGET, t->name, c->name,
                              "column %s.%s is %s (affinity %s), the spec says %s", t->name,
                              c->name, type && *type ? type : "untyped", affinity(type),
                              spec_type_text(a, c->type, sqlite_type_name));
    x->expected = want;
    x->actual = type;
    x->line = check_line(t, c);
    x->fix = repair_comment(
        a, managed ? "not applied: the client schema declares this column; change it there"
                   : "lossy, not applied: SQLite cannot change a column's type; rebuild the "
                     "table from the generated sqlite.sql");
}

static int check_columns(sqlite_state *s, const syncspec_table *t, const sqlite_object *object,
                         bool managed) {
    arena *a = s->f->a;
    sqlite3_stmt *st = s->columns;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, object->name, -1, SQLITE_STATIC);
    bool *seen = arena_calloc(a, t->column_count + 1, sizeof *seen);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = text_at(a, st, 0), *type = text_at(a, st, 1);
        bool not_null = sqlite3_column_int(st, 2) != 0, pk = sqlite3_column_int(st, 3) != 0;
        bool has_default = sqlite3_column_type(st, 4) != SQLITE_NULL;
        bool generated = sqlite3_column_int(st, 5) >= 2;
        const syncspec_column *c = name ? syncspec_table_column(t, ascii_lower(a, name)) : NULL;
        if (!c) {
            /* Harmless to the generated code unless it makes every insert fail. */
            bool blocks_inserts = not_null && !has_default && !generated;
            finding *x = findings_add(
                s->f, blocks_inserts ? FINDING_ERROR : FINDING_WARNING, "extra-column", TARGET,
                t->name, name,
                blocks_inserts ? "column %s.%s is not in the spec, and is NOT NULL without a "
                                 "default: inserts of spec rows fail"
                               : "column %s.%s is not in the spec",
                t->name, name ? name : "?");
            x->line = t->line;
            x->actual = type;
            if (pk) {
                x = findings_add(s->f, FINDING_ERROR, "missing-primary-key", TARGET, t->name, "id",
                                 "%s.%s is part of the primary key, the spec says (id)", t->name,
                                 name ? name : "?");
                x->line = t->line;
                x->expected = "id";
                x->fix = repair_comment(a, "not applied: SQLite cannot change a primary key; "
                                           "rebuild the table from the generated sqlite.sql");
            } else if (!managed) {
                x->fix = repair_comment(
                    a, arena_printf(a, "destructive, not applied: ALTER TABLE %s DROP COLUMN %s;",
                                    esc_sql_ident(a, t->name), esc_sql_ident(a, name)));
            }
            continue;
        }
        seen[c - t->columns] = true;
        if (managed) {
            /* PowerSync keeps rows as JSON behind views: no constraints, and a type only
             * where the view casts. */
            const char *cast = c->role == SYNCSPEC_ROLE_ID
                                   ? NULL
                                   : view_column_type(a, object->normalized, c->name);
            if (cast) report_type(s, t, c, cast, true);
            continue;
        }
        report_type(s, t, c, type, false);
        if (not_null != sqlite_not_null(c) && !(c->role == SYNCSPEC_ROLE_ID && pk)) {
            finding *x = findings_add(s->f, FINDING_ERROR, "nullability", TARGET, t->name, c->name,
                                      "column %s.%s is %s, the spec says %s", t->name, c->name,
                                      not_null ? "NOT NULL" : "nullable",
                                      sqlite_not_null(c) ? "NOT NULL" : "nullable");
            x->expected = sqlite_not_null(c) ? "NOT NULL" : "NULL";
            x->actual = not_null ? "NOT NULL" : "NULL";
            x->line = check_line(t, c);
            x->fix = repair_comment(a, "not applied: SQLite cannot change a column's NOT NULL; "
                                       "rebuild the table from the generated sqlite.sql");
        }
        if ((c->role == SYNCSPEC_ROLE_ID) != pk) {
            finding *x =
                findings_add(s->f, FINDING_ERROR, "missing-primary-key", TARGET, t->name, "id",
                             pk ? "%s.%s is part of the primary key, the spec says (id)"
                                : "%s.%s is not the primary key",
                             t->name, c->name);
            x->line = t->line;
            x->expected = "id";
            x->fix = repair_comment(a, "not applied: SQLite cannot change a primary key; rebuild "
                                       "the table from the generated sqlite.sql");
        }
        if (c->type == SYNCSPEC_TYPE_BOOLEAN &&
            !has_boolean_check(a, object->normalized, c->name)) {
            finding *x = findings_add(
                s->f, FINDING_WARNING, "missing-boolean-check", TARGET, t->name, c->name,
                "boolean column %s.%s has no CHECK (%s IN (0, 1))", t->name, c->name, c->name);
            x->line = check_line(t, c);
            x->expected = arena_printf(a, "CHECK (%s IN (0, 1))", esc_sql_ident(a, c->name));
            x->fix = repair_comment(a, "not applied: SQLite cannot add a CHECK constraint; "
                                       "rebuild the table from the generated sqlite.sql");
        }
    }
    if (rc != SQLITE_DONE) return step_error(s, arena_printf(a, "the columns of %s", t->name));
    for (size_t k = 0; k < t->column_count; k++) {
        if (seen[k]) continue;
        const syncspec_column *c = &t->columns[k];
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-column", TARGET, t->name, c->name,
                                  "column %s.%s is missing", t->name, c->name);
        x->line = check_line(t, c);
        x->expected = sqlite_type_name(c->type);
        if (managed) {
            x->fix = repair_comment(a, "not applied: the client schema declares the columns of "
                                       "a PowerSync-managed table; add it there");
            continue;
        }
        const char *statement =
            repair_sql(a, s->schema, TARGET,
                       (emit_repair){.kind = EMIT_REPAIR_ADD_COLUMN, .table = t, .column = c});
        if (!statement) continue;
        /* SQLite adds a NOT NULL column only with a default; PRIMARY KEY never. */
        bool addable = c->role != SYNCSPEC_ROLE_ID && !(sqlite_not_null(c) && !c->default_value);
        x->fix =
            addable
                ? statement
                : repair_comment(a, arena_printf(a,
                                                 "not applied: SQLite cannot add a NOT NULL column "
                                                 "without a default; rebuild the table\n%s",
                                                 statement));
    }
    return 0;
}

static const char *index_columns(strbuf *sb, const syncspec_index *index) {
    sb_reset(sb);
    for (size_t k = 0; k < index->column_count; k++) {
        if (k) sb_putc(sb, ',');
        sb_append(sb, index->columns[k]);
    }
    return sb_str(sb);
}

/* The CREATE INDEX statement of a spec index, as sqlite.sql has it. */
static const char *create_index(sqlite_state *s, const syncspec_table *t,
                                const syncspec_index *index) {
    return repair_sql(s->f->a, s->schema, TARGET,
                      (emit_repair){.kind = EMIT_REPAIR_CREATE_INDEX, .table = t, .index = index});
}

static int check_indexes(sqlite_state *s, const syncspec_table *t) {
    arena *a = s->f->a;
    sqlite3_stmt *st = s->indexes;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    bool *seen = arena_calloc(a, t->index_count + 1, sizeof *seen);
    strbuf want = STRBUF_INIT;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = text_at(a, st, 0), *origin = text_at(a, st, 2);
        const char *columns = text_at(a, st, 3);
        bool unique = sqlite3_column_int(st, 1) != 0, partial = sqlite3_column_int(st, 4) != 0;
        if (!name || (origin && strcmp(origin, "pk") == 0)) continue;
        if (!columns) columns = "";
        const syncspec_index *index = NULL;
        for (size_t k = 0; k < t->index_count && !index; k++)
            if (sqlite3_stricmp(t->indexes[k].name, name) == 0) index = &t->indexes[k];
        if (!index) {
            /* A UNIQUE inside CREATE TABLE (origin "u") has an automatic index that DROP
             * INDEX refuses: only a rebuild removes it. */
            bool constraint = origin && strcmp(origin, "u") == 0;
            finding *x =
                findings_add(s->f, FINDING_WARNING, "extra-index", TARGET, t->name, NULL,
                             constraint ? "%sUNIQUE constraint (index %s) on %s(%s) is not in the "
                                          "spec: it can reject rows that the spec allows"
                                        : "%sindex %s on %s(%s) is not in the spec",
                             unique && !constraint ? "unique " : "", name, t->name, columns);
            x->actual = arena_printf(a, "%s(%s)", unique ? "UNIQUE " : "", columns);
            x->index = name;
            x->line = t->line;
            x->fix = repair_comment(
                a, constraint
                       ? "not applied: SQLite cannot drop a UNIQUE constraint; rebuild the "
                         "table from the generated sqlite.sql"
                       : arena_printf(a, "not applied: DROP INDEX %s;", esc_sql_ident(a, name)));
            continue;
        }
        seen[index - t->indexes] = true;
        index_columns(&want, index);
        if (sqlite3_stricmp(columns, sb_str(&want)) == 0 && unique == index->unique && !partial)
            continue;
        finding *x = findings_add(s->f, FINDING_ERROR, "index-mismatch", TARGET, t->name, NULL,
                                  "index %s is %s(%s)%s, the spec says %s(%s)", name,
                                  unique ? "UNIQUE " : "", columns, partial ? " partial" : "",
                                  index->unique ? "UNIQUE " : "", sb_str(&want));
        x->expected = arena_printf(a, "%s(%s)", index->unique ? "UNIQUE " : "", sb_str(&want));
        x->actual = arena_printf(a, "%s(%s)%s", unique ? "UNIQUE " : "", columns,
                                 partial ? " partial" : "");
        x->index = index->name;
        x->line = index->line ? index->line : t->line;
        const char *create = create_index(s, t, index);
        x->fix =
            repair_comment(a, arena_printf(a, "not applied (drops an index): DROP INDEX %s;\n%s",
                                           esc_sql_ident(a, name), create ? create : ""));
    }
    if (rc != SQLITE_DONE) {
        sb_free(&want);
        return step_error(s, arena_printf(a, "the indexes of %s", t->name));
    }
    for (size_t k = 0; k < t->index_count; k++) {
        if (seen[k]) continue;
        const syncspec_index *index = &t->indexes[k];
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-index", TARGET, t->name, NULL,
                                  "index %s is missing", index->name);
        x->index = index->name;
        x->expected =
            arena_printf(a, "%s(%s)", index->unique ? "UNIQUE " : "", index_columns(&want, index));
        x->line = index->line ? index->line : t->line;
        x->fix = create_index(s, t, index);
    }
    sb_free(&want);
    return 0;
}

/*
 * The indexes PowerSync made on a table's JSON store for the client schema: named
 * <store>__<index>, over the casts of the indexed columns. PowerSync has no unique index
 * (rows are only as unique as the server makes them), so uniqueness is not compared.
 */
static int check_powersync_indexes(sqlite_state *s, const syncspec_table *t, const char *store) {
    arena *a = s->f->a;
    sqlite3_stmt *st = s->store_indexes;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, store, -1, SQLITE_TRANSIENT);
    bool *seen = arena_calloc(a, t->index_count + 1, sizeof *seen);
    size_t prefix = strlen(store) + 2;
    strbuf want = STRBUF_INIT, have = STRBUF_INIT;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *full = text_at(a, st, 0), *sql = text_at(a, st, 1);
        /* Only PowerSync's own: the automatic primary key index has no SQL. */
        if (!full || !sql || strlen(full) <= prefix || sqlite3_strnicmp(full, store, prefix - 2) ||
            strncmp(full + prefix - 2, "__", 2) != 0)
            continue;
        const char *name = full + prefix;
        sb_reset(&have);
        const char *column, *type;
        for (const char *p = next_cast(a, normalize_sql(a, sql), &column, &type); p;
             p = next_cast(a, p, &column, &type)) {
            if (have.len) sb_putc(&have, ',');
            sb_appendf(&have, "%s %s", column, type);
        }
        const syncspec_index *index = NULL;
        for (size_t k = 0; k < t->index_count && !index; k++)
            if (sqlite3_stricmp(t->indexes[k].name, name) == 0) index = &t->indexes[k];
        if (!index) {
            finding *x =
                findings_add(s->f, FINDING_WARNING, "extra-index", TARGET, t->name, NULL,
                             "index %s on %s(%s) is not in the spec", name, t->name, sb_str(&have));
            x->actual = arena_printf(a, "(%s)", sb_str(&have));
            x->line = t->line;
            x->fix = repair_comment(a, "not applied: the client schema declares the indexes of a "
                                       "PowerSync-managed table; remove it there");
            continue;
        }
        seen[index - t->indexes] = true;
        sb_reset(&want);
        for (size_t k = 0; k < index->column_count; k++) {
            const syncspec_column *c = syncspec_table_column(t, index->columns[k]);
            if (k) sb_putc(&want, ',');
            sb_appendf(&want, "%s %s", index->columns[k],
                       sqlite_type_name(c ? c->type : SYNCSPEC_TYPE_TEXT));
        }
        if (strcmp(sb_str(&want), sb_str(&have)) == 0) continue;
        finding *x = findings_add(s->f, FINDING_ERROR, "index-mismatch", TARGET, t->name, NULL,
                                  "index %s is (%s), the spec says (%s)", name, sb_str(&have),
                                  sb_str(&want));
        x->expected = arena_printf(a, "(%s)", sb_str(&want));
        x->actual = arena_printf(a, "(%s)", sb_str(&have));
        x->line = index->line ? index->line : t->line;
        x->fix = repair_comment(a, "not applied: the client schema declares the indexes of a "
                                   "PowerSync-managed table; change it there");
    }
    sb_free(&want);
    sb_free(&have);
    if (rc != SQLITE_DONE) return step_error(s, arena_printf(a, "the indexes of %s", store));
    for (size_t k = 0; k < t->index_count; k++) {
        if (seen[k]) continue;
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-index", TARGET, t->name, NULL,
                                  "index %s is missing", t->indexes[k].name);
        x->expected = arena_printf(a, "%s__%s", store, t->indexes[k].name);
        x->line = t->indexes[k].line ? t->indexes[k].line : t->line;
        x->fix = repair_comment(a, "not applied: the client schema declares the indexes of a "
                                   "PowerSync-managed table; add it there");
    }
    return 0;
}

/*
 * The table options the client schema gave PowerSync, read from the triggers of the view,
 * against those the generated client schema gives (none: see docs/typescript.md).
 * insertOnly leaves only an insert trigger, which queues the row without storing it:
 * rows written on the device vanish until they sync back, and updates fail. trackPrevious
 * and trackMetadata add the old values and metadata to each queued write, and
 * ignoreEmptyUpdates drops updates that change nothing; harmless, but not the schema's.
 */
static int check_powersync_options(sqlite_state *s, const syncspec_table *t) {
    arena *a = s->f->a;
    sqlite3_stmt *st = s->view_triggers;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    bool updates = false, old_values = false, metadata = false, ignore_empty = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *normalized = normalize_sql(a, text_at(a, st, 0));
        if (!strstr(normalized, "insteadofupdate")) continue;
        updates = true;
        /* The queued write names its extra parts: old_values, and the _metadata column of
         * the view; its last value is a bitmask of options, 16 for ignoreEmptyUpdates. */
        old_values |= strstr(normalized, "old_values") != NULL;
        metadata |= strstr(normalized, "new._metadata") != NULL;
        const char *end = strstr(normalized, ");end");
        const char *comma = end;
        while (comma && comma > normalized && isdigit((unsigned char)comma[-1])) comma--;
        if (comma && comma < end && comma[-1] == ',') ignore_empty |= (atoi(comma) & 16) != 0;
    }
    if (rc != SQLITE_DONE) return step_error(s, arena_printf(a, "the triggers of %s", t->name));
    struct {
        bool on;
        finding_severity severity;
        const char *option, *why;
    } options[] = {
        {!updates, FINDING_ERROR, "insertOnly",
         "rows written on the device are not kept there, and updates fail"},
        {old_values, FINDING_WARNING, "trackPrevious", "uploads carry the old values as well"},
        {metadata, FINDING_WARNING, "trackMetadata", "writes carry a _metadata column"},
        {ignore_empty, FINDING_WARNING, "ignoreEmptyUpdates",
         "updates that change nothing are not uploaded"},
    };
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        if (!options[i].on) continue;
        finding *x =
            findings_add(s->f, options[i].severity, "table-options-mismatch", TARGET, t->name, NULL,
                         "%s has the PowerSync option %s, which the generated client "
                         "schema does not give it: %s",
                         t->name, options[i].option, options[i].why);
        x->expected = "no option";
        x->actual = options[i].option;
        x->line = t->line;
        x->fix = repair_comment(a, "not applied: the client schema sets a table's options; "
                                   "use the generated one");
    }
    return 0;
}

static int check_foreign_keys(sqlite_state *s, const syncspec_table *t) {
    sqlite3_stmt *st = s->foreign_keys;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *from = text_at(s->f->a, st, 0), *to = text_at(s->f->a, st, 1);
        finding *x = findings_add(s->f, FINDING_ERROR, "foreign-key", TARGET, t->name, from,
                                  "%s.%s has a FOREIGN KEY to %s: sync cannot order writes for it",
                                  t->name, from ? from : "?", to ? to : "?");
        x->line = check_line(t, from ? syncspec_table_column(t, ascii_lower(s->f->a, from)) : NULL);
        x->actual = to;
        x->fix = repair_comment(s->f->a, "not applied: SQLite cannot drop a foreign key; rebuild "
                                         "the table from the generated sqlite.sql");
    }
    if (rc != SQLITE_DONE)
        return step_error(s, arena_printf(s->f->a, "the foreign keys of %s", t->name));
    return 0;
}

static int read_objects(sqlite_state *s) {
    arena *a = s->f->a;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', "
            "'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name COLLATE NOCASE",
            -1, &st, NULL) != SQLITE_OK)
        return step_error(s, "the schema");
    size_t cap = 64;
    s->objects = arena_calloc(a, cap, sizeof *s->objects);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s->object_count == cap) {
            sqlite_object *more = arena_calloc(a, cap * 2, sizeof *more);
            memcpy(more, s->objects, s->object_count * sizeof *more);
            s->objects = more;
            cap *= 2;
        }
        const char *sql = text_at(a, st, 2);
        s->objects[s->object_count++] =
            (sqlite_object){text_at(a, st, 0), text_at(a, st, 1), sql, normalize_sql(a, sql)};
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : step_error(s, "the schema");
}

static int check_table(sqlite_state *s, const syncspec_table *t) {
    arena *a = s->f->a;
    const sqlite_object *object = find_object(s, t->name);
    if (!object) {
        finding *x = findings_add(s->f, FINDING_ERROR, "missing-table", TARGET, t->name, NULL,
                                  "table %s is missing", t->name);
        x->line = t->line;
        x->fix = repair_sql(a, s->schema, TARGET,
                            (emit_repair){.kind = EMIT_REPAIR_CREATE_TABLE, .table = t});
        return 0;
    }
    /* A PowerSync-managed database: a view named after the table over ps_data__<t>
     * (synced) or ps_data_local__<t> (local-only). */
    bool managed = strcmp(object->type, "view") == 0;
    const char *store = NULL;
    if (managed) {
        bool synced_store = find_object(s, arena_printf(a, "ps_data__%s", t->name)) != NULL;
        bool local_store = find_object(s, arena_printf(a, "ps_data_local__%s", t->name)) != NULL;
        if (!synced_store && !local_store) {
            finding *x = findings_add(s->f, FINDING_ERROR, "not-a-table", TARGET, t->name, NULL,
                                      "%s is a view, and not one PowerSync manages", t->name);
            x->line = t->line;
            x->expected = "table";
            x->actual = "view";
            x->fix = repair_comment(
                a, arena_printf(a,
                                "not applied: replace the view %s with the table (DROP VIEW, "
                                "then the table's statements of the generated sqlite.sql)",
                                esc_sql_ident(a, t->name)));
            return 0;
        }
        if (t->local_only != (local_store && !synced_store)) {
            finding *x = findings_add(s->f, FINDING_ERROR, "local-only-mismatch", TARGET, t->name,
                                      NULL, "%s is %s in the database, %s in the spec", t->name,
                                      local_store ? "local-only" : "synced",
                                      t->local_only ? "local-only" : "synced");
            x->line = t->line;
            x->expected = t->local_only ? "local-only" : "synced";
            x->actual = local_store ? "local-only" : "synced";
        }
        store = arena_printf(a, "%s__%s",
                             local_store && !synced_store ? "ps_data_local" : "ps_data", t->name);
    }
    if (check_columns(s, t, object, managed) != 0) return -1;
    if (managed) {
        /* The indexes are on the store the table has, whichever the spec wants. */
        if (check_powersync_indexes(s, t, store) != 0) return -1;
        return check_powersync_options(s, t);
    }
    if (check_indexes(s, t) != 0) return -1;
    return check_foreign_keys(s, t);
}

static int check_database(sqlite_state *s) {
    arena *a = s->f->a;
    if (read_objects(s) != 0) return -1;
    static const char *const queries[] = {
        "SELECT name, type, \"notnull\", pk, dflt_value, hidden FROM pragma_table_xinfo(?1)",
        /* Key columns in order, DESC and collations other than BINARY marked and
         * expressions named, so that any difference from a plain index over the spec's
         * columns shows in the text compared. */
        "SELECT l.name, l.\"unique\", l.origin, (SELECT group_concat(c, ',') FROM (SELECT "
        "coalesce(x.name, '<expression>') || CASE WHEN x.\"desc\" THEN ' DESC' ELSE '' END || "
        "CASE WHEN x.coll IS NOT NULL AND x.coll <> 'BINARY' COLLATE NOCASE THEN ' COLLATE ' || "
        "x.coll ELSE '' END AS c "
        "FROM pragma_index_xinfo(l.name) x WHERE x.\"key\" ORDER BY x.seqno)), l.partial FROM "
        "pragma_index_list(?1) l",
        "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)",
        ("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 "
         "COLLATE NOCASE ORDER BY name"),
        "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 COLLATE NOCASE",
    };
    sqlite3_stmt **statements[] = {&s->columns, &s->indexes, &s->foreign_keys, &s->store_indexes,
                                   &s->view_triggers};
    for (size_t i = 0; i < sizeof statements / sizeof *statements; i++)
        if (sqlite3_prepare_v2(s->db, queries[i], -1, statements[i], NULL) != SQLITE_OK)
            return step_error(s, "the schema");
    for (size_t i = 0; i < s->schema->table_count; i++)
        if (check_table(s, &s->schema->tables[i]) != 0) return -1;
    table_lookup lookup;
    table_lookup_init(&lookup, a, s->schema);
    for (size_t i = 0; i < s->object_count; i++) {
        const sqlite_object *o = &s->objects[i];
        /* ps_* belong to PowerSync, syncspec_* to libsyncspec's store (its queue and state:
         * spec names may not start so); a spec table's own rows are checked above. */
        if (sqlite3_strnicmp(o->name, "ps_", 3) == 0 ||
            sqlite3_strnicmp(o->name, "syncspec_", 9) == 0 ||
            table_lookup_find(&lookup, ascii_lower(a, o->name)))
            continue;
        finding *x = findings_add(s->f, FINDING_WARNING, "extra-table", TARGET, o->name, NULL,
                                  "%s %s is not in the spec", o->type, o->name);
        x->actual = o->type;
        x->fix = repair_comment(a, arena_printf(a, "destructive, not applied: DROP %s %s;",
                                                strcmp(o->type, "view") == 0 ? "VIEW" : "TABLE",
                                                esc_sql_ident(a, o->name)));
    }
    return 0;
}

int check_sqlite(findings *f, const syncspec_schema *schema, const char *path, const char **error) {
    sqlite_state s = {.f = f, .schema = schema};
    /* Read-only, and never created: a missing file is an error, not an empty database. */
    if (sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        *error = arena_printf(f->a, "cannot open SQLite database %s: %s", path,
                              s.db ? sqlite3_errmsg(s.db) : "out of memory");
        sqlite3_close(s.db);
        return -1;
    }
    int rc = check_database(&s);
    if (rc != 0) *error = arena_printf(f->a, "SQLite database %s: %s", path, s.error);
    sqlite3_finalize(s.columns);
    sqlite3_finalize(s.indexes);
    sqlite3_finalize(s.foreign_keys);
    sqlite3_finalize(s.store_indexes);
    sqlite3_finalize(s.view_triggers);
    sqlite3_close(s.db);
    return rc;
}
