/* <name>_schema.h/.c and <name>_sanitize.c: row structs, descriptors, typed sanitizers. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "emit/emit.h"
#include "emit/escape.h"
#include "emit/targets.h"
#include "model/types.h"
#include "spec/values.h"
#include "util/strbuf.h"

/* C keywords and the macros of standard headers: a column so named gets a trailing '_'. */
static const char *const c_reserved[] = {
    "auto",    "break",     "case",     "char",    "const",    "continue",      "default",
    "do",      "double",    "else",     "enum",    "extern",   "float",         "for",
    "goto",    "if",        "inline",   "int",     "long",     "register",      "restrict",
    "return",  "short",     "signed",   "sizeof",  "static",   "struct",        "switch",
    "typedef", "union",     "unsigned", "void",    "volatile", "while",         "bool",
    "true",    "false",     "alignas",  "alignof", "noreturn", "static_assert", "thread_local",
    "complex", "imaginary", NULL};

static const char *c_field(arena *a, const char *name) {
    /* The first letter first: this runs for every column each time columns are walked. */
    for (const char *const *k = c_reserved; *k; k++)
        if (**k == *name && strcmp(*k, name) == 0) return arena_concat(a, name, "_", NULL);
    return name;
}

static const char *upper(arena *a, const char *s) {
    char *u = arena_strdup(a, s);
    for (char *p = u; *p; p++) *p = (char)toupper((unsigned char)*p);
    return u;
}

static const char *c_literal_or_null(arena *a, const char *s) {
    return s ? esc_c_string(a, s) : "NULL";
}

static const char *const role_enums[] = {"SYNCSPEC_ROLE_DECLARED",   "SYNCSPEC_ROLE_ID",
                                         "SYNCSPEC_ROLE_OWNER",      "SYNCSPEC_ROLE_CREATED_AT",
                                         "SYNCSPEC_ROLE_UPDATED_AT", "SYNCSPEC_ROLE_DELETED_AT"};

/* Decimal text without printf: this runs for every column of every table. */
static const char *number(arena *a, int64_t v) {
    static const char *const small[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    if (v >= 0 && v < 10) return small[v];
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *--p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return arena_strdup(a, p);
}

static const char *bound(arena *a, const syncspec_column *c, const syncspec_bound *b) {
    if (!b->set) return "{0}";
    /* INT64_C(-9223372036854775808) negates a constant int64_t cannot hold (-Wpedantic). */
    if (c->type == SYNCSPEC_TYPE_INTEGER && b->i == INT64_MIN)
        return "{.set = true, .i = (-INT64_C(9223372036854775807) - 1), .r = "
               "-9223372036854775808.0}";
    if (c->type == SYNCSPEC_TYPE_INTEGER) {
        const char *i = number(a, b->i);
        return arena_concat(a, "{.set = true, .i = INT64_C(", i, "), .r = ", i, ".0}", NULL);
    }
    char buf[32];
    spec_format_real(buf, b->r);
    return arena_concat(a, "{.set = true, .r = ", buf, strpbrk(buf, ".e") ? "" : ".0", "}", NULL);
}

static const char *joined_literals(arena *a, const char *const *items, size_t count) {
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < count; i++) {
        if (i) sb_append(&sb, ", ");
        sb_append(&sb, esc_c_string(a, items[i]));
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

static ctx_value *comment_lines(arena *a, const char *text) {
    ctx_value *lines = context_lines(a, text ? esc_c_comment(a, text) : NULL);
    return lines;
}

static ctx_value *column_context(arena *a, const syncspec_column *c) {
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "field", c_field(a, c->name));
    ctx_set_string(a, col, "value_type", model_type_of(c->type)->c_value);
    ctx_set_string(a, col, "name_c", esc_c_string(a, c->name));
    ctx_set_string(a, col, "property_c", esc_c_string(a, c->property));
    ctx_set_string(a, col, "type_enum", model_type_of(c->type)->c_enum);
    ctx_set_string(a, col, "role_enum", role_enums[c->role]);
    ctx_set_string(a, col, "required", c->required ? "true" : "false");
    ctx_set_string(a, col, "default_c", c_literal_or_null(a, c->default_value));
    ctx_set_string(a, col, "max_length", number(a, c->max_length));
    ctx_set_string(a, col, "min", bound(a, c, &c->min));
    ctx_set_string(a, col, "max", bound(a, c, &c->max));
    ctx_set_string(a, col, "pattern_c", c_literal_or_null(a, c->pattern));
    ctx_set_string(a, col, "enum_values",
                   c->enum_count ? joined_literals(a, c->enum_values, c->enum_count) : "");
    ctx_set_bool(a, col, "has_enum", c->enum_count > 0);
    ctx_set_string(a, col, "enum_count", number(a, (int64_t)c->enum_count));
    ctx_set_string(a, col, "references_c", c_literal_or_null(a, c->references));
    ctx_set_string(a, col, "description_c", c_literal_or_null(a, c->description));
    ctx_set_string(a, col, "line", number(a, c->line));
    ctx_set_string(a, col, "col", number(a, c->col));
    /* A one-line comment for the struct field: the type, and what the spec says of it. */
    const char *note = c->description ? esc_c_comment(a, c->description) : NULL;
    if (note && strchr(note, '\n'))
        note = arena_strndup(a, note, (size_t)(strchr(note, '\n') - note));
    ctx_set_string(a, col, "type_name", syncspec_type_name(c->type));
    ctx_set_bool(a, col, "implicit", c->role != SYNCSPEC_ROLE_DECLARED);
    ctx_set_string(a, col, "note", note);
    return col;
}

/* Columns are a lazy list of their own: the templates walk the tables several times, and
 * only some of those walks look at columns. */
typedef struct column_source {
    const char *prefix;
    const syncspec_table *table;
} column_source;

static const ctx_value *column_item(arena *a, const void *data, size_t position, size_t count) {
    const column_source *source = data;
    (void)count;
    return column_context(a, &source->table->columns[position]);
}

/* Indexes too: one of the walks looks at them. */
static const ctx_value *index_item(arena *a, const void *data, size_t position, size_t count) {
    const syncspec_index *x = &((const syncspec_table *)data)->indexes[position];
    (void)count;
    ctx_value *index = ctx_object(a);
    ctx_set_string(a, index, "position", number(a, (int64_t)position));
    ctx_set_string(a, index, "columns", joined_literals(a, x->columns, x->column_count));
    ctx_set_string(a, index, "count", number(a, (int64_t)x->column_count));
    ctx_set_string(a, index, "name_c", esc_c_string(a, x->name));
    ctx_set_string(a, index, "unique", x->unique ? "true" : "false");
    ctx_set_string(a, index, "implicit", x->implicit ? "true" : "false");
    ctx_set_string(a, index, "line", number(a, x->line));
    ctx_set_string(a, index, "col", number(a, x->col));
    return index;
}

/* One table's context, built while rendering and freed after (see ctx_lazy_list): a
 * 1,000-table spec never holds every column's context at once. */
static const ctx_value *table_context(arena *a, const void *data, size_t position, size_t count) {
    const syncspec_schema *schema = data;
    const syncspec_table *t = &schema->tables[position];
    const char *prefix = schema->name;
    ctx_value *table = ctx_object(a);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "table_name_c", esc_c_string(a, t->name));
    ctx_set_string(a, table, "upper_name", upper(a, t->name));
    ctx_set_string(a, table, "index", number(a, (int64_t)position));
    ctx_set(a, table, "description", comment_lines(a, t->description));
    ctx_set_string(a, table, "description_c", c_literal_or_null(a, t->description));
    ctx_set_bool(a, table, "synced", !t->local_only);
    ctx_set_string(a, table, "local_only", t->local_only ? "true" : "false");
    ctx_set_string(a, table, "insert_only", t->insert_only ? "true" : "false");
    ctx_set_string(a, table, "timestamps", t->timestamps ? "true" : "false");
    ctx_set_string(a, table, "soft_delete", t->soft_delete ? "true" : "false");
    ctx_set_string(a, table, "owner_index", number(a, t->owner_index));
    ctx_set_string(a, table, "line", number(a, t->line));
    ctx_set_string(a, table, "col", number(a, t->col));
    ctx_set_string(a, table, "column_count", number(a, (int64_t)t->column_count));
    ctx_set_string(a, table, "index_count", number(a, (int64_t)t->index_count));
    column_source *source = arena_alloc(a, sizeof *source);
    source->prefix = prefix;
    source->table = t;
    ctx_set(a, table, "columns", ctx_lazy_list(a, t->column_count, column_item, source));
    ctx_set(a, table, "indexes", ctx_lazy_list(a, t->index_count, index_item, t));
    ctx_set_bool(a, table, "has_indexes", t->index_count > 0);
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_c(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema, esc_c_comment);
    const char *prefix = schema->name;
    ctx_set_string(a, root, "prefix", prefix);
    ctx_set_string(a, root, "upper_prefix", upper(a, prefix));
    ctx_set_string(a, root, "name_c", esc_c_string(a, schema->name));
    ctx_set_string(a, root, "owner_name_c", esc_c_string(a, schema->owner_name));
    ctx_set_string(a, root, "id_format_enum",
                   schema->id_format == SYNCSPEC_ID_UUID ? "SYNCSPEC_ID_UUID" : "SYNCSPEC_ID_TEXT");
    ctx_set_string(a, root, "pg_schema_c", esc_c_string(a, schema->pg_schema));
    ctx_set_string(a, root, "publication_c", esc_c_string(a, schema->publication));
    ctx_set_string(a, root, "sync_format_enum",
                   schema->sync_format == SYNCSPEC_SYNC_STREAMS
                       ? "SYNCSPEC_SYNC_STREAMS"
                       : "SYNCSPEC_SYNC_BUCKET_DEFINITIONS");
    ctx_set_string(a, root, "bucket_c", esc_c_string(a, schema->bucket));
    ctx_set_string(a, root, "source_path_c",
                   c_literal_or_null(a, schema->source_path ? emit_spec_name(schema) : NULL));
    ctx_set_string(a, root, "source_sha256_c", c_literal_or_null(a, schema->source_sha256));
    ctx_set_string(a, root, "table_count", arena_printf(a, "%zu", schema->table_count));

    ctx_set(a, root, "tables", ctx_lazy_list(a, schema->table_count, table_context, schema));
    return root;
}
