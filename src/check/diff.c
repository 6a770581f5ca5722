/*
 * A database's tables against the spec's: for each spec table, the table, its columns
 * (type, NOT NULL, primary key, CHECKs), indexes, foreign keys and properties; then what
 * the database has that the spec does not. Each finding code is filed by one function,
 * whichever the database; a db_kind (at the end of this file) says how they differ.
 */
#include "check/diff.h"

#include <ctype.h>
#include <string.h>

#include "check/deparse.h"
#include "emit/escape.h"
#include "emit/types.h"
#include "util/strbuf.h"

/* A finding about table t of this database. */
static finding *add(diff *d, finding_severity severity, const char *code, const syncspec_table *t,
                    const char *column, const char *message) {
    return findings_add(d->f, severity, code, d->kind->target, t->name, column, "%s", message);
}

static bool has(const diff *d, unsigned flag) { return (d->kind->flags & flag) != 0; }

const char *diff_qualified(const diff *d, const char *name) {
    if (!d->cat->server) return esc_sql_ident(d->a, name);
    return SAY(d, "%s.%s", esc_sql_ident(d->a, d->schema->pg_schema), esc_sql_ident(d->a, name));
}

const char *diff_repair(const diff *d, const syncspec_table *t, emit_repair repair) {
    repair.table = t;
    return repair_sql(d->a, d->schema, d->kind->target, repair);
}

/* The comment of a repair that is not applied: SQLite alters little in place. */
static const char *rebuild(const diff *d, const char *what) {
    return repair_comment(d->a, SAY(d,
                                    "not applied: SQLite cannot %s; rebuild the table from the "
                                    "generated sqlite.sql",
                                    what));
}

/* The comment of an index repair that belongs in the client schema of a PowerSync-managed
 * table. */
static const char *client_schema(const diff *d, const char *what) {
    return repair_comment(d->a, SAY(d,
                                    "not applied: the client schema declares the indexes of a "
                                    "PowerSync-managed table; %s",
                                    what));
}

static const syncspec_column *spec_column(const diff *d, const syncspec_table *t,
                                          const char *name) {
    for (size_t k = 0; name && k < t->column_count; k++)
        if (catalog_same_name(d->cat, t->columns[k].name, name)) return &t->columns[k];
    return NULL;
}

/* ---- columns ---------------------------------------------------------------------------- */

static void missing_column(diff *d, const syncspec_table *t, const db_table *dt,
                           const syncspec_column *c) {
    finding *x = add(d, FINDING_ERROR, "missing-column", t, c->name,
                     SAY(d, "column %s.%s is missing", t->name, c->name));
    x->line = check_line(t, c);
    x->expected = d->kind->type_name(c->type);
    if (dt->managed) {
        x->fix = repair_comment(d->a, "not applied: the client schema declares the columns of a "
                                      "PowerSync-managed table; add it there");
        return;
    }
    /* Safe to run where it can run: on a table with rows, a NOT NULL column without a
     * default fails and changes nothing. SQLite adds a NOT NULL column only with a
     * default, and a PRIMARY KEY never. */
    const char *statement =
        diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_ADD_COLUMN, .column = c});
    bool addable = has(d, DB_ALTERS_IN_PLACE) ||
                   (c->role != SYNCSPEC_ROLE_ID && !(d->kind->not_null(c) && !c->default_value));
    if (statement && !addable)
        statement = repair_comment(d->a, SAY(d,
                                             "not applied: SQLite cannot add a NOT NULL column "
                                             "without a default; rebuild the table\n%s",
                                             statement));
    x->fix = statement;
}

/* Server-only columns are common and harmless (the sync rules select explicit lists),
 * unless they are NOT NULL without a default: then every insert of a spec row fails. */
static void extra_column(diff *d, const syncspec_table *t, const db_table *dt,
                         const db_column *col) {
    bool blocks_inserts = col->not_null && !col->has_default;
    finding *x =
        add(d, blocks_inserts ? FINDING_ERROR : FINDING_WARNING, "extra-column", t, col->name,
            SAY(d,
                blocks_inserts ? "column %s.%s is not in the spec, and is NOT NULL "
                                 "without a default: inserts of spec rows fail"
                               : "column %s.%s is not in the spec",
                t->name, col->name));
    x->line = t->line;
    x->actual = col->type;
    /* A key column goes with the key (missing-primary-key says so). */
    if (!col->primary_key && !dt->managed)
        x->fix =
            repair_comment(d->a, SAY(d,
                                     "destructive, not applied: ALTER TABLE %s DROP "
                                     "COLUMN %s;",
                                     diff_qualified(d, t->name), esc_sql_ident(d->a, col->name)));
}

static void type_mismatch(diff *d, const syncspec_table *t, const db_table *dt,
                          const syncspec_column *c, const char *type) {
    const db_kind *k = d->kind;
    const char *want = k->type_name(c->type), *have = k->affinity ? k->affinity(type) : type;
    if (strcmp(have, want) == 0) return;
    const char *shown =
        k->affinity ? SAY(d, "%s (affinity %s)", type && *type ? type : "untyped", have) : type;
    finding *x = add(d, FINDING_ERROR, "type-mismatch", t, c->name,
                     SAY(d, "column %s.%s is %s, the spec says %s", t->name, c->name, shown,
                         spec_type_text(d->a, c->type, k->type_name)));
    x->line = check_line(t, c);
    x->expected = want;
    x->actual = type;
    const char *cq = esc_sql_ident(d->a, c->name);
    if (dt->managed)
        x->fix = repair_comment(
            d->a, "not applied: the client schema declares this column; change it there");
    else if (has(d, DB_ALTERS_IN_PLACE))
        x->fix = repair_comment(d->a, SAY(d,
                                          "may lose data, not applied: ALTER TABLE %s ALTER "
                                          "COLUMN %s TYPE %s USING %s::%s;",
                                          diff_qualified(d, t->name), cq, want, cq, want));
    else
        x->fix = repair_comment(d->a, "lossy, not applied: SQLite cannot change a column's type; "
                                      "rebuild the table from the generated sqlite.sql");
}

static void nullability(diff *d, const syncspec_table *t, const syncspec_column *c,
                        const db_column *col) {
    bool want = d->kind->not_null(c);
    if (col->not_null == want || (c->role == SYNCSPEC_ROLE_ID && col->primary_key)) return;
    bool owner = c->role == SYNCSPEC_ROLE_OWNER && want;
    finding *x =
        add(d, FINDING_ERROR, owner ? "owner-nullable" : "nullability", t, c->name,
            owner ? SAY(d, "owner column %s.%s is nullable: rows without an owner reach no one",
                        t->name, c->name)
                  : SAY(d, "column %s.%s is %s, the spec says %s", t->name, c->name,
                        col->not_null ? "NOT NULL" : "nullable", want ? "NOT NULL" : "nullable"));
    x->line = check_line(t, c);
    x->expected = want ? "NOT NULL" : "NULL";
    x->actual = col->not_null ? "NOT NULL" : "NULL";
    /* SET NOT NULL fails, changing nothing, while a NULL remains: safe to run. */
    x->fix = has(d, DB_ALTERS_IN_PLACE)
                 ? diff_repair(d, t,
                               (emit_repair){.kind = want ? EMIT_REPAIR_SET_NOT_NULL
                                                          : EMIT_REPAIR_DROP_NOT_NULL,
                                             .column = c})
                 : rebuild(d, "change a column's NOT NULL");
}

/*
 * missing-primary-key. Where the key is read per column (SQLite), with each column `col`
 * (c its spec column, NULL for an extra one); otherwise once per table, from the index
 * that implements the key.
 */
static void primary_key(diff *d, const syncspec_table *t, const db_table *dt,
                        const syncspec_column *c, const db_column *col) {
    finding *x;
    if (has(d, DB_KEY_PER_COLUMN)) {
        if ((c && c->role == SYNCSPEC_ROLE_ID) == col->primary_key) return;
        x = add(d, FINDING_ERROR, "missing-primary-key", t, "id",
                SAY(d,
                    col->primary_key ? "%s.%s is part of the primary key, the spec says (id)"
                                     : "%s.%s is not the primary key",
                    t->name, c ? c->name : col->name));
        x->fix = rebuild(d, "change a primary key");
    } else {
        const db_index *key = NULL;
        for (size_t i = 0; i < dt->index_count; i++)
            if (dt->indexes[i].primary) key = &dt->indexes[i];
        if (key && strcmp(key->columns, "id") == 0 && !*key->irregular) return;
        x = add(
            d, FINDING_ERROR, "missing-primary-key", t, "id",
            key ? SAY(d, "the primary key of %s is (%s), the spec says (id)", t->name, key->columns)
                : SAY(d, "%s has no primary key on id", t->name));
        x->actual = key ? key->columns : NULL;
        x->fix = key ? repair_comment(d->a, SAY(d,
                                                "not applied (replaces the primary key): ALTER "
                                                "TABLE %s DROP CONSTRAINT %s, ADD PRIMARY KEY "
                                                "(\"id\");",
                                                diff_qualified(d, t->name),
                                                esc_sql_ident(d->a, key->name)))
                     : diff_repair(d, t,
                                   (emit_repair){.kind = EMIT_REPAIR_ADD_PRIMARY_KEY,
                                                 .column = &t->columns[0]});
    }
    x->line = t->line;
    x->expected = "id";
}

static void missing_boolean_check(diff *d, const syncspec_table *t, const syncspec_column *c,
                                  const db_column *col) {
    if (!has(d, DB_BOOLEAN_CHECKS) || c->type != SYNCSPEC_TYPE_BOOLEAN || col->boolean_check)
        return;
    finding *x =
        add(d, FINDING_WARNING, "missing-boolean-check", t, c->name,
            SAY(d, "boolean column %s.%s has no CHECK (%s IN (0, 1))", t->name, c->name, c->name));
    x->line = check_line(t, c);
    x->expected = SAY(d, "CHECK (%s IN (0, 1))", esc_sql_ident(d->a, c->name));
    x->fix = rebuild(d, "add a CHECK constraint");
}

/* A generated CHECK present by name: its definition as PostgreSQL prints it against the
 * one the generated file gives it. */
static void check_definition(diff *d, const syncspec_table *t, const syncspec_column *c,
                             model_check_kind kind, const db_check *check) {
    const char *want = deparse_check(d->a, c, kind), *have = check->definition;
    if (!want || strcmp(want, have) == 0) return;
    /* Added NOT VALID (the usual way on a large table): new rows are checked, the rows
     * before it may still break it until it is validated. */
    size_t want_len = strlen(want);
    bool not_valid =
        strncmp(have, want, want_len) == 0 && strcmp(have + want_len, " NOT VALID") == 0;
    finding *x =
        add(d, FINDING_ERROR, not_valid ? "check-not-valid" : "check-mismatch", t, c->name,
            not_valid ? SAY(d,
                            "CHECK constraint %s (%s) is NOT VALID: rows written before it "
                            "was added may break it",
                            check->name, model_check_of(kind)->name)
                      : SAY(d, "CHECK constraint %s (%s) is %s, the spec says %s", check->name,
                            model_check_of(kind)->name, have, want));
    x->line = check_line(t, c);
    x->expected = want;
    x->actual = have;
    /* Replacing is one statement: while a row breaks the spec's CHECK it fails and
     * changes nothing. */
    x->fix = diff_repair(
        d, t,
        (emit_repair){.kind = not_valid ? EMIT_REPAIR_VALIDATE_CHECK : EMIT_REPAIR_REPLACE_CHECK,
                      .column = c,
                      .check_kind = kind});
}

static const db_check *find_check(const db_table *dt, const char *name) {
    for (size_t i = 0; i < dt->check_count; i++)
        if (strcmp(dt->checks[i].name, name) == 0) return &dt->checks[i];
    return NULL;
}

static void generated_checks(diff *d, const syncspec_table *t, const db_table *dt,
                             const syncspec_column *c) {
    if (!has(d, DB_NAMED_CHECKS)) return;
    model_check_kind kinds[MODEL_CHECK_COUNT];
    size_t count = pg_check_kinds(kinds, d->schema, c);
    for (size_t q = 0; q < count; q++) {
        const char *name = pg_check_name(d->a, t->name, c->name, kinds[q]);
        const db_check *check = find_check(dt, name);
        if (check) {
            check_definition(d, t, c, kinds[q], check);
            continue;
        }
        finding *x = add(
            d, FINDING_ERROR, "missing-check", t, c->name,
            SAY(d, "CHECK constraint %s (%s) is missing", name, model_check_of(kinds[q])->name));
        x->line = check_line(t, c);
        x->expected = name;
        x->fix = diff_repair(
            d, t,
            (emit_repair){.kind = EMIT_REPAIR_ADD_CHECK, .column = c, .check_kind = kinds[q]});
    }
}

/* The server would refuse rows that clients accept: their uploads then fail. */
static void extra_checks(diff *d, const syncspec_table *t, const db_table *dt) {
    if (!dt->check_count) return;
    /* The names of the CHECKs the generated file gives this table. */
    const char **names = arena_calloc(d->a, t->column_count * MODEL_CHECK_COUNT + 1, sizeof *names);
    size_t count = 0;
    for (size_t k = 0; k < t->column_count; k++) {
        model_check_kind kinds[MODEL_CHECK_COUNT];
        size_t n = pg_check_kinds(kinds, d->schema, &t->columns[k]);
        for (size_t q = 0; q < n; q++)
            names[count++] = pg_check_name(d->a, t->name, t->columns[k].name, kinds[q]);
    }
    for (size_t i = 0; i < dt->check_count; i++) {
        const db_check *check = &dt->checks[i];
        bool known = false;
        for (size_t k = 0; k < count && !known; k++) known = strcmp(names[k], check->name) == 0;
        if (known) continue;
        finding *x = add(d, FINDING_WARNING, "extra-check", t, check->columns,
                         SAY(d,
                             "CHECK constraint %s on %s is not in the spec: the server may "
                             "reject rows that clients accept",
                             check->name, t->name));
        x->line = t->line;
        x->actual = check->name;
        x->fix =
            repair_comment(d->a, SAY(d, "not applied: ALTER TABLE %s DROP CONSTRAINT %s;",
                                     diff_qualified(d, t->name), esc_sql_ident(d->a, check->name)));
    }
}

/* One spec column and the database's column of that name; either may be NULL. */
static void diff_column(diff *d, const syncspec_table *t, const db_table *dt, size_t spec,
                        size_t db) {
    const syncspec_column *c = spec < t->column_count ? &t->columns[spec] : NULL;
    const db_column *col = db < dt->column_count ? &dt->columns[db] : NULL;
    if (!col) {
        missing_column(d, t, dt, c);
        return;
    }
    if (!c) {
        extra_column(d, t, dt, col);
        if (has(d, DB_KEY_PER_COLUMN)) primary_key(d, t, dt, NULL, col);
        return;
    }
    if (dt->managed) {
        /* PowerSync keeps rows as JSON behind views: no constraints, and a type only
         * where the view casts. */
        if (c->role != SYNCSPEC_ROLE_ID && col->cast_type)
            type_mismatch(d, t, dt, c, col->cast_type);
        return;
    }
    type_mismatch(d, t, dt, c, col->type);
    nullability(d, t, c, col);
    if (has(d, DB_KEY_PER_COLUMN)) primary_key(d, t, dt, c, col);
    missing_boolean_check(d, t, c, col);
    generated_checks(d, t, dt, c);
}

/* ---- indexes ---------------------------------------------------------------------------- */

/* An index's columns as the database's text has them: "a,b", or on a PowerSync store
 * "a TEXT,b INTEGER". */
static const char *index_columns(const diff *d, const syncspec_table *t, const db_table *dt,
                                 const syncspec_index *index) {
    strbuf sb = STRBUF_INIT;
    for (size_t k = 0; k < index->column_count; k++) {
        if (k) sb_putc(&sb, ',');
        sb_append(&sb, index->columns[k]);
        if (!dt->managed) continue;
        const syncspec_column *c = syncspec_table_column(t, index->columns[k]);
        sb_appendf(&sb, " %s", d->kind->type_name(c ? c->type : SYNCSPEC_TYPE_TEXT));
    }
    const char *out = arena_strndup(d->a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* The statement that removes an index: PostgreSQL refuses DROP INDEX on the index of a
 * constraint, which only ALTER TABLE ... DROP CONSTRAINT removes. */
static const char *drop_index(const diff *d, const syncspec_table *t, const db_index *index) {
    if (index->constraint)
        return SAY(d, "ALTER TABLE %s DROP CONSTRAINT %s;", diff_qualified(d, t->name),
                   esc_sql_ident(d->a, index->constraint));
    return SAY(d, "DROP INDEX %s;", diff_qualified(d, index->name));
}

static void missing_index(diff *d, const syncspec_table *t, const db_table *dt,
                          const syncspec_index *spec) {
    syncspec_index index = d->kind->created_index(d->a, t, spec);
    finding *x =
        add(d, FINDING_ERROR, "missing-index", t, NULL, SAY(d, "index %s is missing", index.name));
    x->line = spec->line ? spec->line : t->line;
    if (dt->managed) {
        x->expected = SAY(d, "%s__%s__%s", dt->local_store ? "ps_data_local" : "ps_data", t->name,
                          index.name);
        x->fix = client_schema(d, "add it there");
        return;
    }
    x->index = index.name;
    x->expected = SAY(d, "%s(%s)", index.unique ? "UNIQUE " : "", index_columns(d, t, dt, &index));
    x->fix = diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_INDEX, .index = spec});
}

/* A unique one can reject rows that clients accept; a plain one only costs writes. A
 * UNIQUE inside SQLite's CREATE TABLE has an automatic index that DROP INDEX refuses. */
static void extra_index(diff *d, const syncspec_table *t, const db_table *dt,
                        const db_index *index) {
    bool inline_unique = index->inline_unique;
    finding *x = add(
        d, FINDING_WARNING, "extra-index", t, NULL,
        SAY(d,
            inline_unique ? "%sUNIQUE constraint (index %s) on %s(%s) is not in the spec: it can "
                            "reject rows that the spec allows"
                          : "%sindex %s on %s(%s) is not in the spec",
            index->unique && !inline_unique ? "unique " : "", index->name, t->name,
            index->columns));
    x->index = dt->managed ? NULL : index->name;
    x->line = t->line;
    x->actual = SAY(d, "%s(%s)", index->unique ? "UNIQUE " : "", index->columns);
    x->fix = dt->managed ? client_schema(d, "remove it there")
             : inline_unique
                 ? rebuild(d, "drop a UNIQUE constraint")
                 : repair_comment(d->a, SAY(d, "not applied: %s", drop_index(d, t, index)));
}

static void index_mismatch(diff *d, const syncspec_table *t, const db_table *dt,
                           const syncspec_index *spec, const db_index *have) {
    /* The index as the generated file creates it (PostgreSQL: unique keys per owner);
     * repairs create the spec's own. PowerSync has no unique index (rows are only as
     * unique as the server makes them), so there uniqueness is not compared. */
    syncspec_index index = d->kind->created_index(d->a, t, spec);
    const char *want = index_columns(d, t, dt, &index), *irregular = have->irregular;
    bool unique = index.unique && !dt->managed;
    if (catalog_same_name(d->cat, have->columns, want) && have->unique == unique && !*irregular)
        return;
    const char *actual = SAY(d, "%s(%s)%s%s", have->unique ? "UNIQUE " : "", have->columns,
                             *irregular ? " " : "", irregular);
    const char *expected = SAY(d, "%s(%s)", unique ? "UNIQUE " : "", want);
    finding *x = add(d, FINDING_ERROR, "index-mismatch", t, NULL,
                     SAY(d, "index %s is %s, the spec says %s", have->name, actual, expected));
    x->index = dt->managed ? NULL : index.name;
    x->line = index.line ? index.line : t->line;
    x->expected = expected;
    x->actual = actual;
    if (dt->managed) {
        x->fix = client_schema(d, "change it there");
        return;
    }
    const char *create =
        diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_INDEX, .index = spec});
    /* A unique key over the spec's columns alone (as postgres.sql made it before keys
     * held per owner): the key with the owner can only accept more rows, so replacing it
     * cannot fail or lose a row. Anything else is left to the user. */
    bool widens = have->unique && index.unique && !*irregular &&
                  index.column_count == spec->column_count + 1 &&
                  strcmp(have->columns, index_columns(d, t, dt, spec)) == 0;
    const char *statements = SAY(d, "%s\n%s", drop_index(d, t, have), create ? create : "");
    x->fix = widens ? SAY(d, "-- the key held across owners: per owner it accepts more rows\n%s",
                          statements)
                    : repair_comment(d->a, SAY(d, "not applied (drops an index): %s", statements));
}

static void diff_index(diff *d, const syncspec_table *t, const db_table *dt, size_t spec,
                       size_t db) {
    const syncspec_index *index = spec < t->index_count ? &t->indexes[spec] : NULL;
    const db_index *have = db < dt->index_count ? &dt->indexes[db] : NULL;
    if (!have)
        missing_index(d, t, dt, index);
    else if (!index)
        extra_index(d, t, dt, have);
    else
        index_mismatch(d, t, dt, index, have);
}

/* ---- tables ----------------------------------------------------------------------------- */

/* The name of the spec's column or index k. */
static const char *spec_item(const syncspec_table *t, bool indexes, size_t k) {
    return indexes ? t->indexes[k].name : t->columns[k].name;
}

/* The name of the database's column or index j; NULL for an index that is neither the
 * spec's nor extra (the primary key's, which primary_key compares). */
static const char *db_item(const db_table *dt, bool indexes, size_t j) {
    if (!indexes) return dt->columns[j].name;
    return dt->indexes[j].primary ? NULL : dt->indexes[j].name;
}

/*
 * Pairs the spec's columns (or indexes) with the database's by name and compares each
 * pair, an index past the end standing for "none": in the database's order then the
 * spec's missing ones, or in the spec's order then the database's extra ones
 * (db_kind.database_order), so that findings come in the order the database is read.
 */
static void walk(diff *d, const syncspec_table *t, const db_table *dt, bool indexes) {
    size_t spec_count = indexes ? t->index_count : t->column_count;
    size_t db_count = indexes ? dt->index_count : dt->column_count;
    void (*visit)(diff *, const syncspec_table *, const db_table *, size_t, size_t) =
        indexes ? diff_index : diff_column;
    size_t *spec_of = arena_calloc(d->a, db_count + 1, sizeof *spec_of);
    size_t *db_of = arena_calloc(d->a, spec_count + 1, sizeof *db_of);
    const char **names = arena_calloc(d->a, db_count + 1, sizeof *names);
    for (size_t k = 0; k < spec_count; k++) db_of[k] = db_count;
    for (size_t j = 0; j < db_count; j++) {
        names[j] = db_item(dt, indexes, j);
        spec_of[j] = spec_count;
        for (size_t k = 0; k < spec_count && names[j] && spec_of[j] == spec_count; k++)
            if (catalog_same_name(d->cat, spec_item(t, indexes, k), names[j])) spec_of[j] = k;
        if (spec_of[j] < spec_count && db_of[spec_of[j]] == db_count) db_of[spec_of[j]] = j;
    }
    if (has(d, DB_DATABASE_ORDER)) {
        for (size_t j = 0; j < db_count; j++)
            if (names[j]) visit(d, t, dt, spec_of[j], j);
        for (size_t k = 0; k < spec_count; k++)
            if (db_of[k] == db_count) visit(d, t, dt, k, db_count);
    } else {
        for (size_t k = 0; k < spec_count; k++) visit(d, t, dt, k, db_of[k]);
        for (size_t j = 0; j < db_count; j++)
            if (names[j] && spec_of[j] == spec_count) visit(d, t, dt, spec_count, j);
    }
}

/*
 * The table options a PowerSync client schema gave the table, against those the generated
 * client schema gives (none: see docs/typescript.md). insertOnly queues rows without
 * storing them: rows written on the device vanish until they sync back, and updates fail.
 * The others are harmless, but not the schema's.
 */
static void table_options(diff *d, const syncspec_table *t, const db_table *dt) {
    const db_powersync_options *o = &dt->options;
    struct {
        bool on;
        finding_severity severity;
        const char *option, *why;
    } options[] = {
        {o->insert_only, FINDING_ERROR, "insertOnly",
         "rows written on the device are not kept there, and updates fail"},
        {o->track_previous, FINDING_WARNING, "trackPrevious",
         "uploads carry the old values as well"},
        {o->track_metadata, FINDING_WARNING, "trackMetadata", "writes carry a _metadata column"},
        {o->ignore_empty_updates, FINDING_WARNING, "ignoreEmptyUpdates",
         "updates that change nothing are not uploaded"},
    };
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        if (!options[i].on) continue;
        finding *x = add(d, options[i].severity, "table-options-mismatch", t, NULL,
                         SAY(d,
                             "%s has the PowerSync option %s, which the generated client "
                             "schema does not give it: %s",
                             t->name, options[i].option, options[i].why));
        x->expected = "no option";
        x->actual = options[i].option;
        x->line = t->line;
        x->fix = repair_comment(d->a, "not applied: the client schema sets a table's options; "
                                      "use the generated one");
    }
}

/* What the table is beyond its columns: row-level security, persistence, replica
 * identity (what PostgreSQL's logical replication depends on). An UNLOGGED table cannot be
 * published; SET LOGGED comes before the publication block in the repair file, so that
 * block can then add it. */
static void table_properties(diff *d, const syncspec_table *t, const db_table *dt) {
    const struct {
        bool on;
        finding_severity severity;
        const char *code, *message, *expected, *actual;
        emit_repair_kind repair; /* EMIT_REPAIR_KIND_COUNT: a comment, not applied */
    } properties[] = {
        {dt->row_security, FINDING_WARNING, "row-level-security",
         "has row-level security: the sync service needs a role with BYPASSRLS to replicate it",
         NULL, NULL, EMIT_REPAIR_KIND_COUNT},
        {dt->unlogged, FINDING_ERROR, "unlogged-table",
         "is UNLOGGED: it cannot be published, so its changes never reach clients", "LOGGED",
         "UNLOGGED", EMIT_REPAIR_SET_LOGGED},
        {dt->replica_identity_nothing, FINDING_ERROR, "replica-identity-nothing",
         "has REPLICA IDENTITY NOTHING: its changes cannot be replicated", "DEFAULT", "NOTHING",
         EMIT_REPAIR_REPLICA_IDENTITY},
    };
    for (size_t i = 0; i < sizeof properties / sizeof *properties; i++) {
        if (!properties[i].on) continue;
        finding *x = add(d, properties[i].severity, properties[i].code, t, NULL,
                         SAY(d, "%s %s", t->name, properties[i].message));
        x->line = t->line;
        x->expected = properties[i].expected;
        x->actual = properties[i].actual;
        x->fix = properties[i].repair < EMIT_REPAIR_KIND_COUNT
                     ? diff_repair(d, t, (emit_repair){.kind = properties[i].repair})
                     : repair_comment(d->a, SAY(d,
                                                "if the policies are not needed: ALTER TABLE %s "
                                                "DISABLE ROW LEVEL SECURITY;",
                                                diff_qualified(d, t->name)));
    }
}

/* Offline writes arrive out of order: a client database must not have foreign keys, and on
 * the server they can reject valid uploads. SQLite's are unnamed, PostgreSQL's named. */
static void foreign_keys(diff *d, const syncspec_table *t, const db_table *dt) {
    for (size_t i = 0; i < dt->foreign_key_count; i++) {
        const db_foreign_key *fk = &dt->foreign_keys[i];
        const char *column = fk->column ? fk->column : "?";
        finding *x =
            fk->name ? add(d, FINDING_WARNING, "foreign-key", t, fk->column,
                           SAY(d,
                               "%s has FOREIGN KEY %s: offline uploads arrive out of order, so "
                               "it can reject valid writes",
                               t->name, fk->name))
                     : add(d, FINDING_ERROR, "foreign-key", t, fk->column,
                           SAY(d, "%s.%s has a FOREIGN KEY to %s: sync cannot order writes for it",
                               t->name, column, fk->target ? fk->target : "?"));
        x->line = fk->name ? t->line : check_line(t, spec_column(d, t, fk->column));
        x->actual = fk->target;
        x->fix = fk->name ? repair_comment(d->a, SAY(d,
                                                     "not applied: ALTER TABLE %s DROP "
                                                     "CONSTRAINT %s;",
                                                     diff_qualified(d, t->name),
                                                     esc_sql_ident(d->a, fk->name)))
                          : rebuild(d, "drop a foreign key");
    }
}

/* A relation of the table's name that is no table: CREATE TABLE IF NOT EXISTS would do
 * nothing, and a view cannot be published. */
static void not_a_table(diff *d, const syncspec_table *t, const db_table *dt) {
    finding *x =
        add(d, FINDING_ERROR, "not-a-table", t, NULL,
            has(d, DB_POWERSYNC_VIEWS)
                ? SAY(d, "%s is a %s, and not one PowerSync manages", t->name, dt->relation)
                : SAY(d, "%s is a %s, not a table: it cannot be published", t->name, dt->relation));
    x->line = t->line;
    x->expected = "table";
    x->actual = dt->relation;
    char *keyword = arena_strdup(d->a, dt->relation);
    for (char *p = keyword; *p; p++) *p = (char)toupper((unsigned char)*p);
    x->fix = repair_comment(d->a, SAY(d,
                                      "not applied: replace the %s %s with the table (DROP %s, "
                                      "then the table's statements of the generated %s)",
                                      dt->relation, diff_qualified(d, t->name), keyword,
                                      d->kind->generated_file));
}

static void diff_table(diff *d, const syncspec_table *t) {
    const db_table *dt = catalog_table(d->cat, t->name);
    bool table = dt && strcmp(dt->relation, "table") == 0;
    if (t->local_only && !has(d, DB_KEEPS_LOCAL_ONLY)) {
        if (!table) return;
        finding *x = add(d, FINDING_WARNING, "local-only-in-postgres", t, NULL,
                         SAY(d, "local-only table %s exists in PostgreSQL", t->name));
        x->line = t->line;
        x->fix = repair_comment(
            d->a, SAY(d, "destructive, not applied: DROP TABLE %s;", diff_qualified(d, t->name)));
        return;
    }
    if (!dt) {
        finding *x =
            add(d, FINDING_ERROR, "missing-table", t, NULL, SAY(d, "table %s is missing", t->name));
        x->line = t->line;
        x->fix = diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_CREATE_TABLE});
        return;
    }
    if (!table && !dt->managed) {
        not_a_table(d, t, dt);
        return;
    }
    if (dt->managed && t->local_only != dt->local_store) {
        const char *have = dt->local_store ? "local-only" : "synced";
        const char *want = t->local_only ? "local-only" : "synced";
        finding *x = add(d, FINDING_ERROR, "local-only-mismatch", t, NULL,
                         SAY(d, "%s is %s in the database, %s in the spec", t->name, have, want));
        x->line = t->line;
        x->expected = want;
        x->actual = have;
    }
    walk(d, t, dt, false);
    extra_checks(d, t, dt);
    if (!has(d, DB_KEY_PER_COLUMN)) primary_key(d, t, dt, NULL, NULL);
    walk(d, t, dt, true);
    if (dt->managed) table_options(d, t, dt);
    table_properties(d, t, dt);
    foreign_keys(d, t, dt);
}

/* ---- the database ----------------------------------------------------------------------- */

/*
 * Tables the spec does not have, where that is drift (a client database). PowerSync's own
 * ps_* and libsyncspec's syncspec_* (a device's queue, state and view: spec names may not
 * start so) are not.
 */
static void extra_tables(diff *d) {
    table_lookup lookup;
    table_lookup_init(&lookup, d->a, d->schema);
    for (size_t i = 0; i < d->cat->table_count; i++) {
        const db_table *o = &d->cat->tables[i];
        /* Spec names are lower case: looked up by the name's ASCII lower-case form. */
        char *lower = arena_strdup(d->a, o->name);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        if (strncmp(lower, "ps_", 3) == 0 || strncmp(lower, "syncspec_", 9) == 0 ||
            table_lookup_find(&lookup, lower))
            continue;
        finding *x = findings_add(d->f, FINDING_WARNING, "extra-table", d->kind->target, o->name,
                                  NULL, "%s %s is not in the spec", o->relation, o->name);
        x->actual = o->relation;
        x->fix = repair_comment(d->a, SAY(d, "destructive, not applied: DROP %s %s;",
                                          strcmp(o->relation, "view") == 0 ? "VIEW" : "TABLE",
                                          diff_qualified(d, o->name)));
    }
}

void diff_catalog(findings *f, const syncspec_schema *schema, const catalog *cat) {
    diff d = {.f = f, .a = f->a, .schema = schema, .cat = cat, .kind = cat->kind};
    f->queries += cat->queries;
    if (cat->server) diff_settings(&d);
    for (size_t i = 0; i < schema->table_count; i++) diff_table(&d, &schema->tables[i]);
    if (has(&d, DB_REPORTS_EXTRA_TABLES)) extra_tables(&d);
    if (cat->server) diff_publication(&d);
}

/* The checkers: a reader, then the diff. */
static int
check_with(findings *f, const syncspec_schema *schema, const char *source, const char **error,
           int (*read)(catalog *, arena *, const syncspec_schema *, const char *, const char **)) {
    catalog cat;
    if (read(&cat, f->a, schema, source, error) != 0) return -1;
    diff_catalog(f, schema, &cat);
    return 0;
}

int check_sqlite(findings *f, const syncspec_schema *schema, const char *path, const char **error) {
    return check_with(f, schema, path, error, read_sqlite);
}

int check_postgres(findings *f, const syncspec_schema *schema, const char *conninfo,
                   const char **error) {
    return check_with(f, schema, conninfo, error, read_postgres);
}

/* ---- the kinds of database -------------------------------------------------------------- */

/* SQLite's affinity rules (section 3.1 of its datatype documentation), in order. */
static const char *sqlite_affinity(const char *declared) {
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

/* sqlite.sql creates the spec's indexes as they are. */
static syncspec_index spec_index(arena *a, const syncspec_table *table,
                                 const syncspec_index *index) {
    (void)a;
    (void)table;
    return *index;
}

/* target, generated file, type names, NOT NULL, indexes as created, affinity, flags */
const db_kind db_kind_sqlite = {"sqlite",
                                "sqlite.sql",
                                sqlite_type_name,
                                sqlite_not_null,
                                spec_index,
                                sqlite_affinity,
                                DB_DATABASE_ORDER | DB_KEEPS_LOCAL_ONLY | DB_KEY_PER_COLUMN |
                                    DB_BOOLEAN_CHECKS | DB_POWERSYNC_VIEWS |
                                    DB_REPORTS_EXTRA_TABLES};
const db_kind db_kind_postgres = {"postgres",
                                  "postgres.sql",
                                  pg_type_name,
                                  pg_not_null,
                                  pg_index,
                                  NULL,
                                  DB_NAMED_CHECKS | DB_ALTERS_IN_PLACE};
