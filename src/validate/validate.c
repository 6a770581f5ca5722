#define PCRE2_CODE_UNIT_WIDTH 8

#include "validate/validate.h"

#include <inttypes.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/implicit.h"
#include "model/limits.h"
#include "model/names.h"
#include "spec/strmap.h"
#include "spec/values.h"
#include "util/strbuf.h"

typedef struct validator {
    arena *a;
    diag_list *diags;
    const char *file;
    const syncspec_schema *schema;
    const spec_source *src;
    strmap tables;            /* name → syncspec_table */
    strmap relations;         /* tables and indexes share one namespace in SQL: name → relation */
    const char **table_names; /* NULL-terminated, for "did you mean" */
    /* Per-table and per-index sets, cleared and reused so a large spec allocates them once. */
    strmap columns, properties, indexes, index_columns;
    pcre2_match_context *match_context;
    /* The last pattern that compiled, kept for the next column: a large spec repeats its
     * patterns, and compiling one costs more than checking every value against it. */
    const char *pattern_text;
    pcre2_code *pattern;
} validator;

/* A table or an index, for name collisions. */
typedef struct relation {
    const syncspec_table *table;
    const syncspec_index *index; /* NULL for the table itself */
    spec_pos pos;
} relation;

static diag *report(validator *V, diag_severity severity, spec_pos pos, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static diag *report(validator *V, diag_severity severity, spec_pos pos, const char *code,
                    const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *message = arena_vprintf(V->a, fmt, ap);
    va_end(ap);
    return diag_add(V->diags, severity, code, V->file, pos.line, pos.col, "%s", message);
}

static spec_pos pos_at(unsigned line, unsigned col) {
    spec_pos p = {line, col};
    return p;
}

/* ---- names --------------------------------------------------------------------------- */

const char *validate_name(const char **why, arena *a, const char *what, const char *name) {
    const model_reserved_prefix *reserved = NULL;
    switch (model_check_name(name, &reserved)) {
    case MODEL_NAME_OK:
        return NULL;
    case MODEL_NAME_INVALID:
        *why = arena_printf(a,
                            "%s '%s' must match ^[a-z][a-z0-9_]*$ (lowercase letters, digits and "
                            "'_', starting with a letter)",
                            what, name);
        return "invalid-name";
    case MODEL_NAME_TOO_LONG:
        *why = arena_printf(a,
                            "%s '%s' is %zu bytes; names are at most %d bytes (PostgreSQL "
                            "would truncate it silently)",
                            what, name, strlen(name), SPEC_LIMIT_NAME);
        return "name-too-long";
    case MODEL_NAME_RESERVED:
        break;
    }
    *why = arena_printf(a, "%s '%s' starts with '%s', a prefix reserved by %s", what, name,
                        reserved->prefix, reserved->owner);
    return "reserved-name";
}

/* A valid spelling close to an invalid name: "ProjectId" → "project_id". */
static const char *suggest_name(arena *a, const char *name) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z') {
            if (sb.len && sb.data[sb.len - 1] != '_' && p > name && !(p[-1] >= 'A' && p[-1] <= 'Z'))
                sb_putc(&sb, '_');
            sb_putc(&sb, (char)(c - 'A' + 'a'));
        } else if (c == '-' || c == ' ' || c == '.') {
            sb_putc(&sb, '_');
        } else {
            sb_putc(&sb, c);
        }
    }
    const char *out = sb.len ? arena_strdup(a, sb_str(&sb)) : NULL;
    sb_free(&sb);
    const char *why;
    return out && strcmp(out, name) != 0 && !validate_name(&why, a, "", out) ? out : NULL;
}

static bool check_name(validator *V, const char *what, const char *name, spec_pos pos) {
    const char *why;
    const char *code = validate_name(&why, V->a, what, name);
    if (!code) return true;
    diag *d = report(V, DIAG_ERROR, pos, code, "%s", why);
    const char *better = strcmp(code, "invalid-name") == 0 ? suggest_name(V->a, name) : NULL;
    if (better) diag_note(V->diags, d, 0, 0, "did you mean '%s'?", better);
    return false;
}

static void check_spec_names(validator *V) {
    const syncspec_schema *s = V->schema;
    const spec_source *src = V->src;
    if (src->name.line && check_name(V, "spec name", s->name, src->name) &&
        strcmp(s->name, "syncspec") == 0)
        report(V, DIAG_ERROR, src->name, "reserved-name",
               "spec name 'syncspec' would clash with the runtime's syncspec_ identifiers");
    if (src->owner_column.line && check_name(V, "owner column", s->owner_name, src->owner_column)) {
        for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
            const model_implicit *c = &model_implicit_columns[i];
            if (c->role != SYNCSPEC_ROLE_OWNER && strcmp(s->owner_name, c->name) == 0)
                report(V, DIAG_ERROR, src->owner_column, "reserved-name",
                       "owner column cannot be '%s': that name is an implicit column", c->name);
        }
    }
    if (src->pg_schema.line) check_name(V, "schema name", s->pg_schema, src->pg_schema);
    if (src->publication.line) check_name(V, "publication name", s->publication, src->publication);
    if (src->bucket.line) {
        check_name(V, "bucket name", s->bucket, src->bucket);
        if (s->sync_format == SYNCSPEC_SYNC_STREAMS)
            report(V, DIAG_WARNING, src->bucket, "ineffective-option",
                   "'bucket' is unused with format: streams (each table is its own stream)");
    }
}

/* ---- column constraints -------------------------------------------------------------- */

/* The compiled pattern of `c`, owned by the validator (NULL when it does not compile). */
static pcre2_code *compile_pattern(validator *V, const syncspec_column *c,
                                   const spec_column_src *cs) {
    if (V->pattern && strcmp(V->pattern_text, c->pattern) == 0) return V->pattern;
    int error;
    PCRE2_SIZE offset;
    /* The sanitizers' flags: a default must match as an uploaded value would. */
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)c->pattern, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &error, &offset, NULL);
    if (code) {
        pcre2_code_free(V->pattern);
        V->pattern = code;
        V->pattern_text = c->pattern;
        return code;
    }
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    report(V, DIAG_ERROR, cs->pattern, "invalid-pattern",
           "pattern of column '%s' does not compile: %s at offset %zu", c->name,
           (const char *)message, (size_t)offset);
    return NULL;
}

/* Why `value` (canonical text) breaks a constraint of `c`, or NULL when it fits. */
static const char *value_problem(validator *V, const syncspec_column *c, pcre2_code *pattern,
                                 const char *value) {
    if (c->type == SYNCSPEC_TYPE_TEXT) {
        size_t chars = spec_utf8_length(value);
        if (c->max_length && chars > (uint64_t)c->max_length)
            return arena_printf(V->a, "'%s' is %zu characters, longer than max_length %" PRId64,
                                value, chars, c->max_length);
        if (pattern) {
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(pattern, NULL);
            int rc =
                pcre2_match(pattern, (PCRE2_SPTR)value, strlen(value), 0, 0, md, V->match_context);
            pcre2_match_data_free(md);
            if (rc == PCRE2_ERROR_NOMATCH)
                return arena_printf(V->a, "'%s' does not match pattern '%s'", value, c->pattern);
            if (rc < 0) {
                PCRE2_UCHAR message[256];
                pcre2_get_error_message(rc, message, sizeof message);
                return arena_printf(V->a, "matching '%s' against the pattern failed: %s", value,
                                    (const char *)message);
            }
        }
    } else if (c->type == SYNCSPEC_TYPE_INTEGER) {
        int64_t v;
        if (spec_parse_int64(&v, value) != 0) return NULL;
        if (c->min.set && v < c->min.i)
            return arena_printf(V->a, "%s is less than min %" PRId64, value, c->min.i);
        if (c->max.set && v > c->max.i)
            return arena_printf(V->a, "%s is greater than max %" PRId64, value, c->max.i);
    } else if (c->type == SYNCSPEC_TYPE_REAL) {
        double v = strtod(value, NULL);
        char bound[32];
        if (c->min.set && v < c->min.r) {
            spec_format_real(bound, c->min.r);
            return arena_printf(V->a, "%s is less than min %s", value, bound);
        }
        if (c->max.set && v > c->max.r) {
            spec_format_real(bound, c->max.r);
            return arena_printf(V->a, "%s is greater than max %s", value, bound);
        }
    }
    return NULL;
}

static void check_column(validator *V, const syncspec_column *c, const spec_column_src *cs) {
    if (c->min.set && c->max.set &&
        (c->type == SYNCSPEC_TYPE_INTEGER ? c->min.i > c->max.i : c->min.r > c->max.r)) {
        char lo[32], hi[32];
        spec_format_real(lo, c->min.r);
        spec_format_real(hi, c->max.r);
        if (c->type == SYNCSPEC_TYPE_INTEGER) {
            snprintf(lo, sizeof lo, "%" PRId64, c->min.i);
            snprintf(hi, sizeof hi, "%" PRId64, c->max.i);
        }
        diag *d = report(V, DIAG_ERROR, cs->min, "min-greater-than-max",
                         "min %s of column '%s' is greater than its max %s: no value fits", lo,
                         c->name, hi);
        diag_note(V->diags, d, cs->max.line, cs->max.col, "max is set here");
    }
    pcre2_code *pattern = c->pattern ? compile_pattern(V, c, cs) : NULL;
    for (size_t i = 0; i < c->enum_count; i++) {
        const char *why = value_problem(V, c, pattern, c->enum_values[i]);
        if (why)
            report(V, DIAG_ERROR, cs->enum_items[i], "invalid-enum",
                   "enum value of column '%s': %s", c->name, why);
    }
    if (c->default_value) {
        const char *why = value_problem(V, c, pattern, c->default_value);
        if (!why && c->enum_count) {
            bool listed = false;
            for (size_t i = 0; i < c->enum_count && !listed; i++)
                listed = strcmp(c->enum_values[i], c->default_value) == 0;
            if (!listed) {
                strbuf sb = STRBUF_INIT;
                for (size_t i = 0; i < c->enum_count; i++)
                    sb_appendf(&sb, "%s%s", i ? ", " : "", c->enum_values[i]);
                why = arena_printf(V->a, "'%s' is not one of the enum values (%s)",
                                   c->default_value, sb_str(&sb));
                sb_free(&sb);
            }
        }
        if (why)
            report(V, DIAG_ERROR, cs->default_value, "invalid-default",
                   "default of column '%s': %s", c->name, why);
    }
}

static void check_reference(validator *V, const syncspec_table *t, const syncspec_column *c,
                            const spec_column_src *cs) {
    const syncspec_table *target = strmap_get(&V->tables, c->references, strlen(c->references));
    if (!target) {
        diag *d = report(V, DIAG_ERROR, cs->references, "unknown-table",
                         "column '%s.%s' references table '%s', which the spec does not declare",
                         t->name, c->name, c->references);
        const char *guess = diag_did_you_mean(c->references, V->table_names);
        if (guess) diag_note(V->diags, d, 0, 0, "did you mean '%s'?", guess);
        return;
    }
    if (!t->local_only && target->local_only) {
        diag *d = report(V, DIAG_ERROR, cs->references, "local-only-reference",
                         "column '%s.%s' of a synced table references the local-only table "
                         "'%s', whose rows never reach the server or other devices",
                         t->name, c->name, c->references);
        diag_note(V->diags, d, target->line, target->col, "'%s' is declared local_only here",
                  target->name);
    }
}

/* ---- tables -------------------------------------------------------------------------- */

/* Why a table lacks a column it names, when that column is implicit in other tables. */
static const char *missing_column_hint(const validator *V, const syncspec_table *t,
                                       const char *name) {
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
        const model_implicit *c = &model_implicit_columns[i];
        if (c->absent && !model_implicit_in(c, t) &&
            strcmp(model_implicit_name(c, V->schema), name) == 0)
            return c->absent;
    }
    return NULL;
}

static const char **column_names(validator *V, const syncspec_table *t) {
    const char **names = arena_calloc(V->a, t->column_count + 1, sizeof *names);
    for (size_t i = 0; i < t->column_count; i++) names[i] = t->columns[i].name;
    return names;
}

static void add_relation(validator *V, const char *name, const syncspec_table *t,
                         const syncspec_index *ix, spec_pos pos) {
    relation *r = arena_alloc(V->a, sizeof *r);
    r->table = t;
    r->index = ix;
    r->pos = pos;
    const relation *first = strmap_put(&V->relations, name, strlen(name), r);
    if (!first || !ix) return;
    diag *d;
    if (first->index)
        d = report(V, DIAG_ERROR, pos, "name-collision",
                   "index name '%s' of table '%s' is also the name of an index of table '%s'", name,
                   t->name, first->table->name);
    else
        d = report(V, DIAG_ERROR, pos, "name-collision",
                   "index name '%s' of table '%s' is also the name of a table (indexes and "
                   "tables share one namespace in SQL)",
                   name, t->name);
    if (first->pos.line) diag_note(V->diags, d, first->pos.line, first->pos.col, "used here");
}

static void check_indexes(validator *V, const syncspec_table *t, const spec_table_src *ts) {
    const strmap *columns = &V->columns;
    strmap *seen = &V->indexes;
    strmap_clear(seen);
    const char **candidates = NULL;
    for (size_t i = 0; i < t->index_count; i++) {
        const syncspec_index *ix = &t->indexes[i];
        const spec_index_src *is = &ts->indexes[i];
        spec_pos pos = ix->implicit ? pos_at(t->line, t->col) : is->pos;
        bool ok = true;
        if (ix->column_count > SPEC_LIMIT_INDEX_COLUMNS) {
            report(V, DIAG_ERROR, pos, "too-many-index-columns",
                   "an index of table '%s' has %zu columns; the limit is %d", t->name,
                   ix->column_count, SPEC_LIMIT_INDEX_COLUMNS);
            ok = false;
        }
        strmap *in_index = &V->index_columns;
        strmap_clear(in_index);
        for (size_t k = 0; k < ix->column_count && !ix->implicit; k++) {
            const char *name = ix->columns[k];
            spec_pos cpos = is->columns[k];
            if (!strmap_get(columns, name, strlen(name))) {
                diag *d = report(V, DIAG_ERROR, cpos, "unknown-column",
                                 "table '%s' has no column '%s' to index", t->name, name);
                const char *hint = missing_column_hint(V, t, name);
                if (!hint) {
                    if (!candidates) candidates = column_names(V, t);
                    const char *guess = diag_did_you_mean(name, candidates);
                    if (guess) hint = arena_printf(V->a, "did you mean '%s'?", guess);
                }
                if (hint) diag_note(V->diags, d, 0, 0, "%s", hint);
                ok = false;
                continue;
            }
            spec_pos *first = strmap_get(in_index, name, strlen(name));
            if (first) {
                diag *d =
                    report(V, DIAG_ERROR, cpos, "duplicate-index-column",
                           "column '%s' appears twice in one index of table '%s'", name, t->name);
                diag_note(V->diags, d, first->line, first->col, "first listed here");
                ok = false;
                continue;
            }
            spec_pos *p = arena_alloc(V->a, sizeof *p);
            *p = cpos;
            strmap_put(in_index, name, strlen(name), p);
        }
        if (!ok) continue;

        strbuf key = STRBUF_INIT;
        sb_append(&key, ix->unique ? "unique" : "index");
        for (size_t k = 0; k < ix->column_count; k++) {
            sb_putc(&key, '|');
            sb_append(&key, ix->columns[k]);
        }
        size_t key_len = key.len;
        const char *k = arena_strndup(V->a, sb_str(&key), key_len);
        sb_free(&key);
        const syncspec_index *first = strmap_put(seen, k, key_len, (void *)ix);
        if (first) {
            diag *d =
                report(V, DIAG_ERROR, pos, "duplicate-index", "table '%s' declares this %s twice",
                       t->name, ix->unique ? "unique constraint" : "index");
            if (first->implicit)
                diag_note(V->diags, d, 0, 0,
                          "every synced table already has an index on its owner column '%s'",
                          V->schema->owner_name);
            else
                diag_note(V->diags, d, first->line, first->col, "first declared here");
            continue;
        }
        add_relation(V, ix->name, t, ix, pos);
    }
}

static void check_table(validator *V, const syncspec_table *t, const spec_table_src *ts) {
    check_name(V, "table name", t->name, ts->name);
    if (t->column_count > SPEC_LIMIT_COLUMNS)
        report(V, DIAG_ERROR, ts->name, "too-many-columns",
               "table '%s' has %zu columns (implicit ones included); the limit is %d", t->name,
               t->column_count, SPEC_LIMIT_COLUMNS);
    if (t->local_only && t->insert_only)
        report(V, DIAG_WARNING, ts->insert_only, "ineffective-option",
               "insert_only has no effect on the local-only table '%s', which is never "
               "uploaded",
               t->name);

    strmap *columns = &V->columns, *properties = &V->properties;
    strmap_clear(columns);
    strmap_clear(properties);
    for (size_t i = 0; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        const spec_column_src *cs = &ts->columns[i];
        strmap_put(columns, c->name, strlen(c->name), (void *)c);
        if (c->role != SYNCSPEC_ROLE_DECLARED) {
            strmap_put(properties, c->property, strlen(c->property), (void *)c);
            continue;
        }
        if (!check_name(V, "column name", c->name, cs->name)) continue;
        const syncspec_column *first =
            strmap_put(properties, c->property, strlen(c->property), (void *)c);
        if (first) {
            diag *d = report(V, DIAG_ERROR, cs->name, "property-collision",
                             "column '%s' has the camelCase property name '%s', which is also "
                             "the name or property of column '%s'",
                             c->name, c->property, first->name);
            if (first->line)
                diag_note(V->diags, d, first->line, first->col, "'%s' is here", first->name);
        }
        check_column(V, c, cs);
        if (c->references) check_reference(V, t, c, cs);
    }
    check_indexes(V, t, ts);
}

int validate_schema(const syncspec_schema *schema, const spec_source *src, arena *a,
                    diag_list *diags) {
    size_t errors_before = diag_error_count(diags);
    validator V;
    memset(&V, 0, sizeof V);
    V.a = a;
    V.diags = diags;
    V.file = src->file;
    V.schema = schema;
    V.src = src;
    strmap_init(&V.tables, a);
    strmap_init(&V.relations, a);
    strmap_init(&V.columns, a);
    strmap_init(&V.properties, a);
    strmap_init(&V.indexes, a);
    strmap_init(&V.index_columns, a);
    /* Patterns run only over the spec's own defaults, but a pathological one must still
     * finish. */
    V.match_context = pcre2_match_context_create(NULL);
    if (V.match_context) pcre2_set_match_limit(V.match_context, 1000000);

    check_spec_names(&V);
    V.table_names = arena_calloc(a, schema->table_count + 1, sizeof *V.table_names);
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        V.table_names[i] = t->name;
        strmap_put(&V.tables, t->name, strlen(t->name), (void *)t);
        add_relation(&V, t->name, t, NULL, src->tables[i].name);
    }
    for (size_t i = 0; i < schema->table_count; i++)
        check_table(&V, &schema->tables[i], &src->tables[i]);
    pcre2_match_context_free(V.match_context);
    pcre2_code_free(V.pattern);
    return diag_error_count(diags) > errors_before ? -1 : 0;
}
