/*
 * A SQLite database read into a catalog: its tables and views, and for the spec's tables
 * their columns, indexes and foreign keys. A PowerSync client database keeps each table's
 * rows as JSON in a store (ps_data__<table>) behind a view of the table's name: the view's
 * columns, the types it casts them to, the indexes PowerSync made on the store and the
 * options its triggers show are read instead.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check/catalog.h"
#include "util/strbuf.h"

typedef struct sqlite_reader {
    catalog *cat;
    arena *a;
    sqlite3 *db;
    const char **sql; /* the CREATE text of each catalog table, normalized; by table */
    /* Prepared once, reset per table. */
    sqlite3_stmt *columns, *indexes, *foreign_keys;
    sqlite3_stmt *store_indexes, *view_triggers; /* PowerSync-managed tables */
    size_t cap;                                  /* of the array being read */
    const char *store;                           /* the JSON store whose indexes are being read */
    const char *error;
} sqlite_reader;

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

/* The type a PowerSync view casts a column to, read from the view's text; NULL when the
 * view does not say. */
static const char *view_column_type(arena *a, const char *normalized_sql, const char *column) {
    const char *want = normalize_sql(a, column), *name, *type;
    for (const char *p = next_cast(a, normalized_sql, &name, &type); p;
         p = next_cast(a, p, &name, &type))
        if (strcmp(name, want) == 0) return type;
    return NULL;
}

static const char *text_at(arena *a, sqlite3_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

static int step_error(sqlite_reader *r, const char *what) {
    r->error = arena_printf(r->a, "cannot read %s: %s", what, sqlite3_errmsg(r->db));
    return -1;
}

/* Runs a per-table statement for `name`, handing each row to `row`; `what` names what it
 * reads, for the error. */
static int each_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st, const char *name,
                    const char *what, void (*row)(sqlite_reader *, db_table *, sqlite3_stmt *)) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    r->cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(r, t, st);
    return rc == SQLITE_DONE ? 0 : step_error(r, arena_printf(r->a, "the %s of %s", what, name));
}

/* pragma_table_xinfo: name, type, notnull, pk, dflt_value, hidden. */
static void column_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st) {
    t->columns = catalog_push(r->a, t->columns, &t->column_count, &r->cap, sizeof *t->columns);
    db_column *c = &t->columns[t->column_count - 1];
    const char *sql = r->sql[t - r->cat->tables];
    c->name = text_at(r->a, st, 0);
    c->type = text_at(r->a, st, 1);
    c->not_null = sqlite3_column_int(st, 2) != 0;
    c->primary_key = sqlite3_column_int(st, 3) != 0;
    c->has_default = sqlite3_column_type(st, 4) != SQLITE_NULL ||
                     sqlite3_column_int(st, 5) >= 2; /* a generated column */
    if (!c->name) c->name = "?";
    c->boolean_check = has_boolean_check(r->a, sql, c->name);
    if (t->managed) c->cast_type = view_column_type(r->a, sql, c->name);
}

/* name, unique, origin, key columns, partial. The primary key shows in the columns. */
static void index_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st) {
    const char *name = text_at(r->a, st, 0), *origin = text_at(r->a, st, 2);
    if (!name || (origin && strcmp(origin, "pk") == 0)) return;
    t->indexes = catalog_push(r->a, t->indexes, &t->index_count, &r->cap, sizeof *t->indexes);
    db_index *x = &t->indexes[t->index_count - 1];
    const char *columns = text_at(r->a, st, 3);
    x->name = name;
    x->unique = sqlite3_column_int(st, 1) != 0;
    x->columns = columns ? columns : "";
    x->irregular = sqlite3_column_int(st, 4) != 0 ? "partial" : "";
    x->inline_unique = origin && strcmp(origin, "u") == 0;
}

/* from, table. */
static void foreign_key_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st) {
    t->foreign_keys = catalog_push(r->a, t->foreign_keys, &t->foreign_key_count, &r->cap,
                                   sizeof *t->foreign_keys);
    db_foreign_key *fk = &t->foreign_keys[t->foreign_key_count - 1];
    fk->column = text_at(r->a, st, 0);
    fk->target = text_at(r->a, st, 1);
}

/*
 * An index PowerSync made on a table's JSON store for the client schema: named
 * <store>__<index>, over the casts of the indexed columns, read as "column TYPE,...".
 * Only PowerSync's own: the automatic primary key index has no SQL.
 */
static void store_index_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st) {
    const char *full = text_at(r->a, st, 0), *sql = text_at(r->a, st, 1);
    const char *store = r->store;
    size_t prefix = strlen(store) + 2;
    if (!full || !sql || strlen(full) <= prefix || sqlite3_strnicmp(full, store, prefix - 2) ||
        strncmp(full + prefix - 2, "__", 2) != 0)
        return;
    strbuf have = STRBUF_INIT;
    const char *column, *type;
    for (const char *p = next_cast(r->a, normalize_sql(r->a, sql), &column, &type); p;
         p = next_cast(r->a, p, &column, &type)) {
        if (have.len) sb_putc(&have, ',');
        sb_appendf(&have, "%s %s", column, type);
    }
    t->indexes = catalog_push(r->a, t->indexes, &t->index_count, &r->cap, sizeof *t->indexes);
    db_index *x = &t->indexes[t->index_count - 1];
    x->name = full + prefix;
    x->columns = arena_strndup(r->a, sb_str(&have), have.len);
    x->irregular = "";
    sb_free(&have);
}

/*
 * A trigger of a PowerSync view, for the table options the client schema gave it.
 * insertOnly leaves only an insert trigger; the update trigger's queued write names its
 * extra parts (old_values, the view's _metadata column), and its last value is a bitmask
 * of options, 16 for ignoreEmptyUpdates.
 */
static void trigger_row(sqlite_reader *r, db_table *t, sqlite3_stmt *st) {
    db_powersync_options *o = &t->options;
    const char *normalized = normalize_sql(r->a, text_at(r->a, st, 0));
    if (!strstr(normalized, "insteadofupdate")) return;
    o->insert_only = false;
    o->track_previous |= strstr(normalized, "old_values") != NULL;
    o->track_metadata |= strstr(normalized, "new._metadata") != NULL;
    const char *end = strstr(normalized, ");end");
    const char *comma = end;
    while (comma && comma > normalized && isdigit((unsigned char)comma[-1])) comma--;
    if (comma && comma < end && comma[-1] == ',')
        o->ignore_empty_updates |= (atoi(comma) & 16) != 0;
}

static int read_table(sqlite_reader *r, db_table *t) {
    if (each_row(r, t, r->columns, t->name, "columns", column_row) != 0) return -1;
    if (!t->managed)
        return each_row(r, t, r->indexes, t->name, "indexes", index_row) != 0 ||
                       each_row(r, t, r->foreign_keys, t->name, "foreign keys", foreign_key_row) !=
                           0
                   ? -1
                   : 0;
    r->store = arena_printf(r->a, "%s__%s", t->local_store ? "ps_data_local" : "ps_data", t->name);
    t->options.insert_only = true; /* until an update trigger shows */
    return each_row(r, t, r->store_indexes, r->store, "indexes", store_index_row) != 0 ||
                   each_row(r, t, r->view_triggers, t->name, "triggers", trigger_row) != 0
               ? -1
               : 0;
}

/* Every table and view, in the order catalog_table searches (NOCASE is its order). */
static int read_objects(sqlite_reader *r) {
    catalog *cat = r->cat;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            r->db,
            "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', "
            "'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name COLLATE NOCASE",
            -1, &st, NULL) != SQLITE_OK)
        return step_error(r, "the schema");
    size_t cap = 0, sql_count = 0, sql_cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cat->tables = catalog_push(r->a, cat->tables, &cat->table_count, &cap, sizeof *cat->tables);
        db_table *t = &cat->tables[cat->table_count - 1];
        t->relation = text_at(r->a, st, 0);
        t->name = text_at(r->a, st, 1);
        r->sql = catalog_push(r->a, r->sql, &sql_count, &sql_cap, sizeof *r->sql);
        r->sql[sql_count - 1] = normalize_sql(r->a, text_at(r->a, st, 2));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return step_error(r, "the schema");
    /* A view over a store of its name is PowerSync's. */
    for (size_t i = 0; i < cat->table_count; i++) {
        db_table *t = &cat->tables[i];
        if (strcmp(t->relation, "view") != 0) continue;
        bool synced = catalog_table(cat, arena_printf(r->a, "ps_data__%s", t->name)) != NULL;
        bool local = catalog_table(cat, arena_printf(r->a, "ps_data_local__%s", t->name)) != NULL;
        t->managed = synced || local;
        t->local_store = local && !synced;
    }
    return 0;
}

static int read_database(sqlite_reader *r, const syncspec_schema *schema) {
    if (read_objects(r) != 0) return -1;
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
    sqlite3_stmt **statements[] = {&r->columns, &r->indexes, &r->foreign_keys, &r->store_indexes,
                                   &r->view_triggers};
    for (size_t i = 0; i < sizeof statements / sizeof *statements; i++)
        if (sqlite3_prepare_v2(r->db, queries[i], -1, statements[i], NULL) != SQLITE_OK)
            return step_error(r, "the schema");
    for (size_t i = 0; i < schema->table_count; i++) {
        db_table *t = (db_table *)catalog_table(r->cat, schema->tables[i].name);
        if (!t || (strcmp(t->relation, "table") != 0 && !t->managed)) continue;
        if (read_table(r, t) != 0) return -1;
    }
    return 0;
}

int read_sqlite(catalog *cat, arena *a, const syncspec_schema *schema, const char *path,
                const char **error) {
    memset(cat, 0, sizeof *cat);
    cat->kind = &db_kind_sqlite;
    cat->fold_case = true;
    sqlite_reader r = {.cat = cat, .a = a};
    /* Read-only, and never created: a missing file is an error, not an empty database. */
    if (sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        *error = arena_printf(a, "cannot open SQLite database %s: %s", path,
                              r.db ? sqlite3_errmsg(r.db) : "out of memory");
        sqlite3_close(r.db);
        return -1;
    }
    int rc = read_database(&r, schema);
    if (rc != 0) *error = arena_printf(a, "SQLite database %s: %s", path, r.error);
    sqlite3_finalize(r.columns);
    sqlite3_finalize(r.indexes);
    sqlite3_finalize(r.foreign_keys);
    sqlite3_finalize(r.store_indexes);
    sqlite3_finalize(r.view_triggers);
    sqlite3_close(r.db);
    return rc;
}
