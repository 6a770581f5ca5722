/*
 * The loader: YAML tree → schema model. It checks structure (known keys, the kind of every
 * value, types, the version) and converts values to their canonical text; validate/ then
 * checks meaning over the finished model (compile/ runs the two in turn). It always builds
 * a complete model, with defaults where a value was wrong, so that every later rule still
 * runs and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/implicit.h"
#include "model/limits.h"
#include "model/types.h"
#include "spec/names.h"
#include "spec/sha256.h"
#include "spec/source.h"
#include "spec/spec.h"
#include "spec/strmap.h"
#include "spec/values.h"
#include "spec/yaml_tree.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

typedef struct loader {
    arena *a;   /* the model and its source map */
    arena *tmp; /* the tree and messages: freed when loading ends */
    diag_list *diags;
    const char *file;
    syncspec_schema *schema;
    spec_source *src;
    strmap enum_values; /* reused by every enum */
    const char *owner_property;
} loader;

static const char *const top_keys[] = {"syncspec", "name", "owner_column", "id_format",
                                       "postgres", "sync", "tables",       NULL};
static const char *const postgres_keys[] = {"schema", "publication", NULL};
static const char *const sync_keys[] = {"format", "bucket", NULL};
static const char *const table_keys[] = {"description", "local_only",  "insert_only",
                                         "timestamps",  "soft_delete", "columns",
                                         "indexes",     "unique",      NULL};
static const char *const column_keys[] = {"type",       "required",    "default", "max_length",
                                          "min",        "max",         "pattern", "enum",
                                          "references", "description", NULL};
static const char *const index_keys[] = {"columns", "unique", NULL};
static const char *const unique_keys[] = {"columns", NULL};
static const char *const id_formats[] = {"uuid", "text", NULL};
static const char *const sync_formats[] = {"bucket_definitions", "streams", NULL};

/* Type names from other systems, mapped to the spec's, for a better "did you mean". */
static const struct {
    const char *alias, *type;
} type_aliases[] = {
    {"int", "integer"},    {"int4", "integer"},       {"int8", "integer"},
    {"bigint", "integer"}, {"smallint", "integer"},   {"long", "integer"},
    {"string", "text"},    {"str", "text"},           {"varchar", "text"},
    {"char", "text"},      {"bool", "boolean"},       {"float", "real"},
    {"double", "real"},    {"number", "real"},        {"numeric", "real"},
    {"decimal", "real"},   {"datetime", "timestamp"}, {"timestamptz", "timestamp"},
    {"date", "timestamp"}, {"time", "timestamp"},     {"uuid", "id"},
    {"jsonb", "json"},     {"object", "json"},        {"map", "json"},
};

static diag *report(loader *L, unsigned line, unsigned col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static diag *report(loader *L, unsigned line, unsigned col, const char *code, const char *fmt,
                    ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *message = arena_vprintf(L->tmp, fmt, ap);
    va_end(ap);
    return diag_add(L->diags, DIAG_ERROR, code, L->file, line, col, "%s", message);
}

static spec_pos pos_of(const ynode *n) {
    spec_pos p = {n ? n->line : 0, n ? n->col : 0};
    return p;
}

static const char *join_names(loader *L, const char *const *names) {
    strbuf sb = STRBUF_INIT;
    for (const char *const *n = names; *n; n++) {
        if (n != names) sb_append(&sb, ", ");
        sb_append(&sb, *n);
    }
    const char *out = arena_strdup(L->tmp, sb_str(&sb));
    sb_free(&sb);
    return out;
}

/* `subject` as it reads in the message, quotes included: "'required'", "table 'notes'". */
static diag *wrong_kind_of(loader *L, const ynode *n, const char *subject, const char *expected) {
    return report(L, n->line, n->col, "wrong-kind", "%s expects %s, found %s", subject, expected,
                  spec_describe_node(L->tmp, n));
}

static diag *wrong_kind(loader *L, const ynode *n, const char *key, const char *expected) {
    return wrong_kind_of(L, n, arena_printf(L->tmp, "'%s'", key), expected);
}

static bool is_null(const ynode *n) { return n->kind == YNODE_SCALAR && n->scalar == YSCALAR_NULL; }

static const ypair *get_pair(const ynode *map, const char *key) {
    if (!map || map->kind != YNODE_MAPPING) return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < map->count; i++)
        if (map->pairs[i].key->len == len && memcmp(map->pairs[i].key->text, key, len) == 0)
            return &map->pairs[i];
    return NULL;
}

/* `what` names the mapping in messages: "table" and a name give "table 'documents'". */
static void check_keys(loader *L, const ynode *map, const char *const *valid, const char *what,
                       const char *name) {
    for (size_t i = 0; i < map->count; i++) {
        const ynode *key = map->pairs[i].key;
        bool known = false;
        for (const char *const *v = valid; *v && !known; v++) known = strcmp(*v, key->text) == 0;
        if (known) continue;
        const char *where = name ? arena_printf(L->tmp, "%s '%s'", what, name) : what;
        diag *d = report(L, key->line, key->col, "unknown-key",
                         "unknown key '%s' in %s; expected one of: %s", key->text, where,
                         join_names(L, valid));
        const char *guess = diag_did_you_mean(key->text, valid);
        if (guess) diag_note(L->diags, d, 0, 0, "did you mean '%s'?", guess);
    }
}

/* A boolean option; leaves *out alone when absent or wrong. */
static void load_bool(loader *L, const ynode *map, const char *key, bool *out, spec_pos *pos) {
    const ynode *n = ytree_get(map, key);
    if (!n) return;
    if (pos) *pos = pos_of(n);
    if (n->kind == YNODE_SCALAR && n->scalar == YSCALAR_BOOL) {
        *out = n->text[0] == 't' || n->text[0] == 'T';
        return;
    }
    diag *d = wrong_kind(L, n, key, "a boolean (true or false)");
    /* YAML 1.1 read these as booleans; YAML 1.2 (and so this loader) reads strings. */
    static const struct {
        const char *word;
        bool value;
    } yaml11[] = {{"yes", true}, {"y", true},  {"on", true},
                  {"no", false}, {"n", false}, {"off", false}};
    for (size_t i = 0; n->kind == YNODE_SCALAR && i < sizeof yaml11 / sizeof *yaml11; i++)
        if (strcasecmp(yaml11[i].word, n->text) == 0) {
            diag_note(L->diags, d, 0, 0,
                      "YAML 1.1 spellings (yes, no, on, off) are plain strings here; write %s",
                      yaml11[i].value ? "true" : "false");
            break;
        }
}

/* A string option: any non-null scalar, taken as its text. NULL when absent or wrong. */
static const char *load_string(loader *L, const ynode *map, const char *key, spec_pos *pos) {
    const ynode *n = ytree_get(map, key);
    if (!n) return NULL;
    if (pos) *pos = pos_of(n);
    if (n->kind == YNODE_SCALAR && n->scalar != YSCALAR_NULL) return n->text;
    wrong_kind(L, n, key, "a string");
    return NULL;
}

/* A mapping-valued option; null means empty. NULL when absent or wrong. */
static const ynode *load_mapping(loader *L, const ynode *n, const char *key, const char *what) {
    if (!n || is_null(n)) return NULL;
    if (n->kind == YNODE_MAPPING) return n;
    wrong_kind(L, n, key, what);
    return NULL;
}

static bool choose(loader *L, const ynode *n, const char *key, const char *const *choices,
                   int *out) {
    if (n->kind != YNODE_SCALAR || n->scalar == YSCALAR_NULL) {
        wrong_kind(L, n, key, arena_printf(L->tmp, "one of: %s", join_names(L, choices)));
        return false;
    }
    for (int i = 0; choices[i]; i++)
        if (strcmp(choices[i], n->text) == 0) {
            *out = i;
            return true;
        }
    diag *d = report(L, n->line, n->col, "invalid-value", "'%s' must be one of: %s, not '%s'", key,
                     join_names(L, choices), n->text);
    const char *guess = diag_did_you_mean(n->text, choices);
    if (guess) diag_note(L->diags, d, 0, 0, "did you mean '%s'?", guess);
    return false;
}

/* ---- columns ------------------------------------------------------------------------- */

static bool lookup_type(loader *L, const ynode *n, syncspec_type *out) {
    if (n->kind != YNODE_SCALAR || n->scalar == YSCALAR_NULL) {
        wrong_kind(L, n, "type",
                   arena_printf(L->tmp, "a type name (%s)", join_names(L, model_type_names())));
        return false;
    }
    if (model_type_lookup(n->text, out)) return true;
    diag *d = report(L, n->line, n->col, "unknown-type", "unknown type '%s'; expected one of: %s",
                     n->text, join_names(L, model_type_names()));
    const char *guess = NULL;
    for (size_t i = 0; i < sizeof type_aliases / sizeof *type_aliases && !guess; i++)
        if (strcasecmp(type_aliases[i].alias, n->text) == 0) guess = type_aliases[i].type;
    if (!guess) guess = diag_did_you_mean(n->text, model_type_names());
    if (guess) diag_note(L->diags, d, 0, 0, "did you mean '%s'?", guess);
    return false;
}

static const char *type_article(syncspec_type t) {
    return t == SYNCSPEC_TYPE_INTEGER || t == SYNCSPEC_TYPE_ID ? "an" : "a";
}

static void not_applicable(loader *L, const ynode *n, const char *key, const char *needs,
                           const char *column, syncspec_type type) {
    report(L, n->line, n->col, "option-not-applicable",
           "'%s' applies only to %s columns; '%s' is %s %s column", key, needs, column,
           type_article(type), syncspec_type_name(type));
}

static void load_bound(loader *L, const ynode *n, const char *key, syncspec_column *c,
                       syncspec_bound *out) {
    if (c->type != SYNCSPEC_TYPE_INTEGER && c->type != SYNCSPEC_TYPE_REAL) {
        not_applicable(L, n, key, "integer and real", c->name, c->type);
        return;
    }
    bool number =
        n->kind == YNODE_SCALAR && (n->scalar == YSCALAR_INT || n->scalar == YSCALAR_FLOAT);
    if (c->type == SYNCSPEC_TYPE_INTEGER) {
        if (!number || n->scalar != YSCALAR_INT) {
            wrong_kind(L, n, key, "an integer");
            return;
        }
        int64_t v;
        if (spec_parse_int64(&v, n->text) != 0) {
            report(L, n->line, n->col, "invalid-value",
                   "'%s' %s is out of the range of a 64-bit integer", key, n->text);
            return;
        }
        out->set = true;
        out->i = v;
        out->r = (double)v;
        return;
    }
    if (!number) {
        wrong_kind(L, n, key, "a number");
        return;
    }
    double r;
    if (spec_parse_real(&r, n->text) != 0) {
        report(L, n->line, n->col, "invalid-value", "'%s' must be a finite number, not %s", key,
               n->text);
        return;
    }
    out->set = true;
    out->r = r;
    out->i = r > -9.2e18 && r < 9.2e18 ? (int64_t)r : 0;
}

static void load_enum(loader *L, const ynode *n, syncspec_column *c, spec_column_src *cs,
                      bool type_known) {
    if (n->kind != YNODE_SEQUENCE) {
        wrong_kind(L, n, "enum", "a list of values");
        return;
    }
    if (!type_known) return;
    if (c->type != SYNCSPEC_TYPE_TEXT && c->type != SYNCSPEC_TYPE_INTEGER &&
        c->type != SYNCSPEC_TYPE_REAL) {
        not_applicable(L, n, "enum", "text, integer and real", c->name, c->type);
        return;
    }
    if (n->count == 0) {
        report(L, n->line, n->col, "empty-enum", "'enum' of column '%s' lists no values", c->name);
        return;
    }
    const char **values = arena_calloc(L->a, n->count, sizeof *values);
    spec_pos *positions = arena_calloc(L->a, n->count, sizeof *positions);
    size_t count = 0;
    strmap *seen = &L->enum_values;
    strmap_clear(seen);
    for (size_t i = 0; i < n->count; i++) {
        const ynode *item = n->items[i];
        const char *error = NULL, *value = NULL;
        if (is_null(item))
            error = "null cannot be an enum value (a nullable column already allows null)";
        else
            value = spec_value_canonical(L->a, item, c->type, L->schema->id_format, &error);
        if (!value) {
            report(L, item->line, item->col, "invalid-enum", "enum value of column '%s': %s",
                   c->name, error);
            continue;
        }
        const ynode *first = strmap_put(seen, value, strlen(value), (void *)item);
        if (first) {
            diag *d = report(L, item->line, item->col, "duplicate-enum-value",
                             "enum value '%s' of column '%s' is listed twice", value, c->name);
            diag_note(L->diags, d, first->line, first->col, "first listed here");
            continue;
        }
        values[count] = value;
        positions[count] = pos_of(item);
        count++;
    }
    c->enum_values = values;
    c->enum_count = count;
    cs->enum_items = positions;
}

static void load_column(loader *L, const ypair *pair, syncspec_column *c, spec_column_src *cs) {
    const ynode *key = pair->key, *value = pair->value;
    c->name = key->text;
    c->property = spec_property_name(L->a, c->name);
    c->role = SYNCSPEC_ROLE_DECLARED;
    c->type = SYNCSPEC_TYPE_TEXT;
    c->line = key->line;
    c->col = key->col;
    cs->name = pos_of(key);

    if (value->kind == YNODE_SCALAR && value->scalar != YSCALAR_NULL) {
        lookup_type(L, value, &c->type);
        return;
    }
    if (value->kind != YNODE_MAPPING) {
        /* An empty value has no text to point at: the column's name is clearer. */
        const ynode *at = is_null(value) && value->len == 0 ? key : value;
        report(L, at->line, at->col, "wrong-kind",
               "column '%s' expects a type name (title: text) or a mapping of options "
               "({ type: text, required: true }), found %s",
               c->name, spec_describe_node(L->tmp, value));
        return;
    }
    check_keys(L, value, column_keys, "column", c->name);

    const ynode *type = ytree_get(value, "type");
    bool type_known = false;
    if (!type)
        report(L, value->line, value->col, "missing-key",
               "column '%s' has no 'type'; expected one of: %s", c->name,
               join_names(L, model_type_names()));
    else
        type_known = lookup_type(L, type, &c->type);

    load_bool(L, value, "required", &c->required, NULL);
    c->description = load_string(L, value, "description", NULL);

    const ynode *n;
    if ((n = ytree_get(value, "references"))) {
        c->references = load_string(L, value, "references", &cs->references);
        if (c->references && type_known && c->type != SYNCSPEC_TYPE_ID) {
            not_applicable(L, n, "references", "id", c->name, c->type);
            c->references = NULL;
        }
    }
    if ((n = ytree_get(value, "max_length"))) {
        int64_t v = 0;
        if (type_known && c->type != SYNCSPEC_TYPE_TEXT) {
            not_applicable(L, n, "max_length", "text", c->name, c->type);
        } else if (n->kind != YNODE_SCALAR || n->scalar != YSCALAR_INT) {
            wrong_kind(L, n, "max_length", "a positive integer");
        } else if (spec_parse_int64(&v, n->text) != 0 || v < 1 || v > SPEC_LIMIT_MAX_LENGTH) {
            report(L, n->line, n->col, "invalid-value",
                   "'max_length' must be between 1 and %d characters, not %s",
                   SPEC_LIMIT_MAX_LENGTH, n->text);
        } else {
            c->max_length = v;
        }
    }
    if ((n = ytree_get(value, "min"))) {
        cs->min = pos_of(n);
        if (type_known) load_bound(L, n, "min", c, &c->min);
    }
    if ((n = ytree_get(value, "max"))) {
        cs->max = pos_of(n);
        if (type_known) load_bound(L, n, "max", c, &c->max);
    }
    if ((n = ytree_get(value, "pattern"))) {
        cs->pattern = pos_of(n);
        if (type_known && c->type != SYNCSPEC_TYPE_TEXT)
            not_applicable(L, n, "pattern", "text", c->name, c->type);
        else if (n->kind != YNODE_SCALAR || n->scalar == YSCALAR_NULL)
            wrong_kind(L, n, "pattern", "a regular expression (PCRE2) in a string");
        else
            c->pattern = n->text;
    }
    if ((n = ytree_get(value, "enum"))) load_enum(L, n, c, cs, type_known);
    if ((n = ytree_get(value, "default"))) {
        cs->default_value = pos_of(n);
        if (type_known && !is_null(n)) {
            const char *error = NULL;
            c->default_value = spec_value_canonical(L->a, n, c->type, L->schema->id_format, &error);
            if (!c->default_value)
                report(L, n->line, n->col, "invalid-default", "default of column '%s': %s", c->name,
                       error);
        }
    }
}

/* ---- tables -------------------------------------------------------------------------- */

static void add_implicit(const loader *L, syncspec_table *t, syncspec_column *c,
                         const model_implicit *row) {
    c->name = model_implicit_name(row, L->schema);
    c->property = row->role == SYNCSPEC_ROLE_OWNER ? L->owner_property : row->property;
    c->type = row->type;
    c->role = row->role;
    c->required = row->required;
    if (row->role == SYNCSPEC_ROLE_OWNER) t->owner_index = (int)(c - t->columns);
}

/* The table's columns: the implicit ones that lead, the declared ones, the other implicit
 * ones (model/implicit.c). */
static void load_columns(loader *L, const ynode *columns, syncspec_table *t, spec_table_src *ts) {
    size_t declared = columns ? columns->count : 0;
    size_t cap = declared;
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++)
        cap += model_implicit_in(&model_implicit_columns[i], t);
    syncspec_column *cols = arena_calloc(L->a, cap, sizeof *cols);
    spec_column_src *srcs = arena_calloc(L->a, cap, sizeof *srcs);
    size_t n = 0;
    t->columns = cols;
    t->owner_index = -1;
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
        const model_implicit *row = &model_implicit_columns[i];
        if (row->leads && model_implicit_in(row, t)) add_implicit(L, t, &cols[n++], row);
    }
    for (size_t i = 0; i < declared; i++) {
        const ypair *pair = &columns->pairs[i];
        const model_implicit *row = model_implicit_find(L->schema, t, pair->key->text);
        if (row) {
            report(L, pair->key->line, pair->key->col, "redeclared-implicit-column",
                   "column '%s' is implicit in table '%s' and cannot be declared: %s",
                   pair->key->text, t->name, row->why);
            continue;
        }
        load_column(L, pair, &cols[n], &srcs[n]);
        n++;
    }
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
        const model_implicit *row = &model_implicit_columns[i];
        if (!row->leads && model_implicit_in(row, t)) add_implicit(L, t, &cols[n++], row);
    }
    t->column_count = n;
    ts->columns = srcs;
}

/* One entry of `indexes` or `unique`; false when it is unusable. */
static bool load_index(loader *L, const ynode *item, bool in_unique, syncspec_table *t,
                       syncspec_index *ix, spec_index_src *is) {
    const char *list_key = in_unique ? "unique" : "indexes";
    const ynode *columns = item;
    ix->unique = in_unique;
    ix->line = item->line;
    ix->col = item->col;
    is->pos = pos_of(item);
    if (item->kind == YNODE_MAPPING) {
        check_keys(L, item, in_unique ? unique_keys : index_keys, "an index of table", t->name);
        columns = ytree_get(item, "columns");
        if (!in_unique) load_bool(L, item, "unique", &ix->unique, NULL);
        if (!columns) {
            report(L, item->line, item->col, "missing-key",
                   "an index of table '%s' has no 'columns'", t->name);
            return false;
        }
    } else if (item->kind != YNODE_SEQUENCE) {
        diag *d = report(L, item->line, item->col, "wrong-kind",
                         "each entry of '%s' is a list of columns ([a, b]) or a mapping "
                         "({ columns: [a, b] }), found %s",
                         list_key, spec_describe_node(L->tmp, item));
        if (item->kind == YNODE_SCALAR && !is_null(item))
            diag_note(L->diags, d, 0, 0, "for an index on one column write - [%s]", item->text);
        return false;
    }
    if (columns->kind != YNODE_SEQUENCE) {
        wrong_kind(L, columns, "columns", "a list of column names");
        return false;
    }
    if (columns->count == 0) {
        report(L, columns->line, columns->col, "empty-index",
               "an index of table '%s' lists no columns", t->name);
        return false;
    }
    const char **names = arena_calloc(L->a, columns->count, sizeof *names);
    spec_pos *positions = arena_calloc(L->a, columns->count, sizeof *positions);
    bool ok = true;
    for (size_t i = 0; i < columns->count; i++) {
        const ynode *c = columns->items[i];
        positions[i] = pos_of(c);
        if (c->kind != YNODE_SCALAR || c->scalar == YSCALAR_NULL) {
            wrong_kind(L, c, "columns", "column names");
            ok = false;
            continue;
        }
        names[i] = c->text;
    }
    if (!ok) return false;
    ix->columns = names;
    ix->column_count = columns->count;
    is->columns = positions;
    ix->name = spec_index_name(L->a, ix->unique ? "uq" : "idx", t->name, names, columns->count);
    return true;
}

static void load_indexes(loader *L, const ynode *indexes, const ynode *uniques, syncspec_table *t,
                         spec_table_src *ts) {
    size_t cap = 1 + (indexes ? indexes->count : 0) + (uniques ? uniques->count : 0);
    syncspec_index *ixs = arena_calloc(L->a, cap, sizeof *ixs);
    spec_index_src *srcs = arena_calloc(L->a, cap, sizeof *srcs);
    size_t n = 0;
    if (!t->local_only) {
        const char **cols = arena_calloc(L->a, 1, sizeof *cols);
        cols[0] = L->schema->owner_name;
        ixs[n].columns = cols;
        ixs[n].column_count = 1;
        ixs[n].implicit = true;
        ixs[n].name = spec_index_name(L->a, "idx", t->name, cols, 1);
        n++;
    }
    for (int pass = 0; pass < 2; pass++) {
        const ynode *list = pass == 0 ? indexes : uniques;
        for (size_t i = 0; list && i < list->count; i++)
            if (load_index(L, list->items[i], pass == 1, t, &ixs[n], &srcs[n]))
                n++;
            else
                memset(&ixs[n], 0, sizeof ixs[n]), memset(&srcs[n], 0, sizeof srcs[n]);
    }
    t->indexes = ixs;
    t->index_count = n;
    ts->indexes = srcs;
}

static const ynode *load_list(loader *L, const ynode *map, const char *key) {
    const ynode *n = ytree_get(map, key);
    if (!n || is_null(n)) return NULL;
    if (n->kind == YNODE_SEQUENCE) return n;
    wrong_kind(L, n, key, "a list of indexes, each a list of columns ([a, b])");
    return NULL;
}

static void load_table(loader *L, const ypair *pair, syncspec_table *t, spec_table_src *ts) {
    const ynode *key = pair->key;
    t->name = key->text;
    t->line = key->line;
    t->col = key->col;
    t->timestamps = true;
    ts->name = pos_of(key);
    const ynode *map = NULL;
    if (pair->value->kind == YNODE_MAPPING)
        map = pair->value;
    else if (!is_null(pair->value))
        wrong_kind_of(L, pair->value, arena_printf(L->tmp, "table '%s'", t->name),
                      "a mapping of options (columns, indexes, ...)");
    if (map) {
        check_keys(L, map, table_keys, "table", t->name);
        t->description = load_string(L, map, "description", NULL);
        load_bool(L, map, "local_only", &t->local_only, NULL);
        load_bool(L, map, "insert_only", &t->insert_only, &ts->insert_only);
        load_bool(L, map, "timestamps", &t->timestamps, NULL);
        load_bool(L, map, "soft_delete", &t->soft_delete, NULL);
    }
    const ynode *columns = load_mapping(L, ytree_get(map, "columns"), "columns",
                                        "a mapping of column names to types or options");
    load_columns(L, columns, t, ts);
    load_indexes(L, load_list(L, map, "indexes"), load_list(L, map, "unique"), t, ts);
}

static void load_tables(loader *L, const ynode *root) {
    const ypair *pair = get_pair(root, "tables");
    if (!pair) {
        report(L, root->line, root->col, "no-tables", "the spec has no 'tables'");
        return;
    }
    const ynode *tables = pair->value;
    if (is_null(tables) || (tables->kind == YNODE_MAPPING && tables->count == 0)) {
        report(L, pair->key->line, pair->key->col, "no-tables", "'tables' declares no tables");
        return;
    }
    if (tables->kind != YNODE_MAPPING) {
        wrong_kind(L, tables, "tables", "a mapping of table names to tables");
        return;
    }
    if (tables->count > SPEC_LIMIT_TABLES) {
        report(L, pair->key->line, pair->key->col, "too-many-tables",
               "'tables' declares %u tables; the limit is %d", (unsigned)tables->count,
               SPEC_LIMIT_TABLES);
        return;
    }
    L->owner_property = spec_property_name(L->a, L->schema->owner_name);
    syncspec_table *ts = arena_calloc(L->a, tables->count, sizeof *ts);
    spec_table_src *srcs = arena_calloc(L->a, tables->count, sizeof *srcs);
    for (size_t i = 0; i < tables->count; i++) load_table(L, &tables->pairs[i], &ts[i], &srcs[i]);
    L->schema->tables = ts;
    L->schema->table_count = tables->count;
    L->src->tables = srcs;
}

/* ---- the document -------------------------------------------------------------------- */

static void load_version(loader *L, const ynode *root) {
    const ynode *n = ytree_get(root, "syncspec");
    if (!n) {
        report(L, root->line, root->col, "missing-key",
               "the spec has no 'syncspec' version; start it with: syncspec: 1");
        return;
    }
    int64_t v;
    if (n->kind != YNODE_SCALAR || n->scalar != YSCALAR_INT || spec_parse_int64(&v, n->text)) {
        wrong_kind(L, n, "syncspec", "the spec format version (1)");
        return;
    }
    if (v != 1)
        report(L, n->line, n->col, "unsupported-version",
               "spec format version %s is not supported; this syncspec reads version 1", n->text);
}

static void load_root(loader *L, const ynode *root) {
    syncspec_schema *s = L->schema;
    spec_source *src = L->src;
    src->root = pos_of(root);
    check_keys(L, root, top_keys, "the spec", NULL);
    load_version(L, root);

    s->name = load_string(L, root, "name", &src->name);
    if (!ytree_get(root, "name"))
        report(L, root->line, root->col, "missing-key",
               "the spec has no 'name' (the prefix of generated C identifiers, e.g. name: app)");
    if (!s->name) s->name = "app";

    const char *owner = load_string(L, root, "owner_column", &src->owner_column);
    if (owner) s->owner_name = owner;

    const ynode *n;
    int choice;
    if ((n = ytree_get(root, "id_format")) && choose(L, n, "id_format", id_formats, &choice))
        s->id_format = (syncspec_id_format)choice;
    const ynode *pg =
        load_mapping(L, ytree_get(root, "postgres"), "postgres", "a mapping (schema, publication)");
    if (pg) {
        check_keys(L, pg, postgres_keys, "'postgres'", NULL);
        const char *v = load_string(L, pg, "schema", &src->pg_schema);
        if (v) s->pg_schema = v;
        v = load_string(L, pg, "publication", &src->publication);
        if (v) s->publication = v;
    }
    const ynode *sync =
        load_mapping(L, ytree_get(root, "sync"), "sync", "a mapping (format, bucket)");
    if (sync) {
        check_keys(L, sync, sync_keys, "'sync'", NULL);
        if ((n = ytree_get(sync, "format"))) {
            src->sync_format = pos_of(n);
            if (choose(L, n, "format", sync_formats, &choice))
                s->sync_format = (syncspec_sync_format)choice;
        }
        const char *v = load_string(L, sync, "bucket", &src->bucket);
        if (v) s->bucket = v;
    }
    load_tables(L, root);
}

/*
 * The spec's digest (for the banners) is computed on a second thread while this one parses
 * the YAML: it only reads the text, and loading leaves the other core idle. On the
 * 1,000-table benchmark spec (750 KB) that is 47 M instructions, about 5 ms, off the main
 * thread (docs/testing.md). A small spec is hashed in place; a thread costs more than
 * hashing a few kilobytes.
 */
enum { DIGEST_THREAD_FROM = 64 * 1024 };

typedef struct digest_job {
    char *hex;
    const char *data;
    size_t len;
    pthread_t thread;
    bool threaded;
} digest_job;

static void *digest_run(void *data) {
    digest_job *j = data;
    sha256_hex(j->hex, j->data, j->len);
    return NULL;
}

static void digest_start(digest_job *j) {
    j->threaded =
        j->len >= DIGEST_THREAD_FROM && pthread_create(&j->thread, NULL, digest_run, j) == 0;
    if (!j->threaded) digest_run(j);
}

static void digest_wait(digest_job *j) {
    if (j->threaded) pthread_join(j->thread, NULL);
    j->threaded = false;
}

static int load(const syncspec_schema **out, const spec_source **out_src, arena *a,
                const char *file, const char *data, size_t len, diag_list *diags) {
    size_t errors_before = diag_error_count(diags);
    if (len > SPEC_LIMIT_BYTES) {
        diag_add(diags, DIAG_ERROR, "spec-too-large", file, 1, 1,
                 "the spec is %zu bytes; the limit is %u", len, SPEC_LIMIT_BYTES);
        return -1;
    }
    int rc = -1;
    arena *tmp = arena_new();
    if (!tmp) {
        diag_add(diags, DIAG_ERROR, "io", file, 0, 0, "out of memory");
        return -2;
    }
    digest_job digest = {.hex = arena_alloc(a, 65), .data = data, .len = len};
    digest_start(&digest);
    const ynode *root;
    if (ytree_parse(&root, tmp, a, file, data, len, diags) != 0) goto cleanup;
    if (is_null(root)) {
        diag_add(diags, DIAG_ERROR, "empty-spec", file, 1, 1,
                 "the spec is empty; it needs at least 'syncspec: 1', 'name' and 'tables'");
        goto cleanup;
    }
    if (root->kind != YNODE_MAPPING) {
        diag_add(diags, DIAG_ERROR, "wrong-kind", file, root->line, root->col,
                 "a spec is a mapping (syncspec, name, tables, ...), found %s",
                 spec_describe_node(tmp, root));
        goto cleanup;
    }

    syncspec_schema *s = arena_alloc(a, sizeof *s);
    s->name = "app";
    s->owner_name = model_implicit_of(SYNCSPEC_ROLE_OWNER)->name;
    s->id_format = SYNCSPEC_ID_UUID;
    s->pg_schema = "public";
    s->publication = "powersync";
    s->sync_format = SYNCSPEC_SYNC_BUCKET_DEFINITIONS;
    s->bucket = "user_data";
    s->source_path = file;
    s->source_sha256 = digest.hex; /* filled in by the time load returns */

    spec_source *src = arena_alloc(a, sizeof *src);
    src->file = file;
    loader L;
    memset(&L, 0, sizeof L);
    L.a = a;
    L.tmp = tmp;
    L.diags = diags;
    L.file = file;
    L.schema = s;
    L.src = src;
    strmap_init(&L.enum_values, tmp);
    load_root(&L, root);
    *out = s;
    *out_src = src;
    if (diag_error_count(diags) == errors_before) rc = 0;
cleanup:
    digest_wait(&digest);
    arena_free(tmp);
    return rc;
}

int spec_load_buffer(const syncspec_schema **out, const spec_source **src, arena *a,
                     const char *path, const char *data, size_t len, diag_list *diags) {
    *out = NULL;
    *src = NULL;
    const char *file = arena_strdup(a, path ? path : "<input>");
    return load(out, src, a, file, data ? data : "", data ? len : 0, diags);
}

/*
 * Reads a whole regular file in one allocation of its size (a large spec then costs one
 * copy, not a chain of doublings); anything else (a pipe) goes through fs_read_file.
 * Returns 0, or -1 with errno set (EFBIG over the limit).
 */
static int read_spec(char **data, size_t *len, const char *path) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fs_read_file(data, len, path, SPEC_LIMIT_BYTES);
    }
    if ((uintmax_t)st.st_size > SPEC_LIMIT_BYTES) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            free(buf);
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0) break; /* the file shrank while we read it */
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

int spec_load_file(const syncspec_schema **out, const spec_source **src, arena *a,
                   const char *path, diag_list *diags) {
    *out = NULL;
    *src = NULL;
    const char *file = arena_strdup(a, path);
    char *data = NULL;
    size_t len = 0;
    if (read_spec(&data, &len, path) != 0) {
        if (errno == EFBIG) {
            diag_add(diags, DIAG_ERROR, "spec-too-large", file, 1, 1,
                     "the spec is larger than %u bytes", SPEC_LIMIT_BYTES);
            return -1;
        }
        diag_add(diags, DIAG_ERROR, "io", file, 0, 0, "cannot read the spec: %s", strerror(errno));
        return -2;
    }
    int rc = load(out, src, a, file, data, len, diags);
    free(data);
    return rc;
}
