/* Upload sanitizers, driven by the generated table descriptors; docs/sanitizers.md says what
 * they guarantee. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/c_numbers.h"
#include "core/json_load.h"
#include "core/sync_internal.h"
#include "model/implicit.h"
#include "syncspec.h"

/* Scratch text for one op: chunks that never move, reset (not freed) between ops. */
typedef struct scratch_chunk {
    struct scratch_chunk *next;
    size_t used, size;
    char data[];
} scratch_chunk;

struct syncspec_sanitizer {
    const syncspec_schema *schema;
    pcre2_code ***patterns; /* [table][column], NULL where the column has none */
    pcre2_match_data *match;
    void *row; /* the largest row struct of the schema */
    size_t row_capacity;
    scratch_chunk *chunks;
    json_t *parsed; /* syncspec_sanitize_text's op, kept until the next call */
};

static char *scratch_alloc(syncspec_sanitizer *s, size_t n) {
    for (scratch_chunk *c = s->chunks; c; c = c->next)
        if (c->size - c->used >= n) {
            char *p = c->data + c->used;
            c->used += n;
            return p;
        }
    size_t size = n > 4096 ? n : 4096;
    scratch_chunk *c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->size = size;
    c->used = n;
    c->next = s->chunks;
    s->chunks = c;
    return c->data;
}

static void scratch_reset(syncspec_sanitizer *s) {
    for (scratch_chunk *c = s->chunks; c; c = c->next) c->used = 0;
}

static const char *scratch_copy(syncspec_sanitizer *s, const char *text, size_t n) {
    char *p = scratch_alloc(s, n + 1);
    if (!p) return NULL;
    memcpy(p, text, n);
    p[n] = '\0';
    return p;
}

void syncspec_sanitizer_free(syncspec_sanitizer *s) {
    if (!s) return;
    if (s->patterns) {
        for (size_t t = 0; t < s->schema->table_count; t++) {
            if (!s->patterns[t]) continue;
            for (size_t c = 0; c < s->schema->tables[t].column_count; c++)
                pcre2_code_free(s->patterns[t][c]);
            free(s->patterns[t]);
        }
        free(s->patterns);
    }
    pcre2_match_data_free(s->match);
    free(s->row);
    for (scratch_chunk *c = s->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    json_decref(s->parsed);
    free(s);
}

int syncspec_sanitizer_new(syncspec_sanitizer **out, const syncspec_schema *schema,
                           syncspec_error *error) {
    *out = NULL;
    syncspec_sanitizer *s = calloc(1, sizeof *s);
    if (!s) goto out_of_memory;
    s->schema = schema;
    s->patterns = calloc(schema->table_count ? schema->table_count : 1, sizeof *s->patterns);
    if (!s->patterns) goto out_of_memory;
    for (size_t t = 0; t < schema->table_count; t++) {
        const syncspec_table *table = &schema->tables[t];
        if (table->row_size == 0) {
            syncspec_sanitizer_free(s);
            return sync_error(error, SYNCSPEC_EINVALID,
                              "table %s has no row layout: sanitizers need the generated schema",
                              table->name);
        }
        if (table->row_size > s->row_capacity) s->row_capacity = table->row_size;
        for (size_t c = 0; c < table->column_count; c++) {
            const char *pattern = table->columns[c].pattern;
            if (!pattern) continue;
            if (!s->patterns[t]) {
                s->patterns[t] = calloc(table->column_count, sizeof **s->patterns);
                if (!s->patterns[t]) goto out_of_memory;
            }
            int code;
            PCRE2_SIZE offset;
            /* `$` at the very end only, as in JavaScript without the m flag (PCRE2's `$`
             * would also match before a final newline). */
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                           PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &offset, NULL);
            if (!re) {
                PCRE2_UCHAR message[120];
                pcre2_get_error_message(code, message, sizeof message);
                syncspec_sanitizer_free(s);
                return sync_error(error, SYNCSPEC_EINVALID,
                                  "%s.%s: pattern does not compile at offset %zu: %s", table->name,
                                  table->columns[c].name, (size_t)offset, (char *)message);
            }
            pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* an interpreter fallback is fine */
            s->patterns[t][c] = re;
        }
    }
    s->match = pcre2_match_data_create(1, NULL);
    s->row = calloc(1, s->row_capacity ? s->row_capacity : 1);
    if (!s->match || !s->row) goto out_of_memory;
    *out = s;
    return 0;
out_of_memory:
    syncspec_sanitizer_free(s);
    return sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
}

/* Bytes of client text to quote in a message: at most 60, never part of a character. */
static int client_text_length(const char *text) {
    size_t n = strnlen(text, 61);
    if (n <= 60) return (int)n;
    n = 60;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

/* Bytes in the UTF-8 sequence a lead byte starts; 0 for a byte no sequence starts with. */
static size_t utf8_sequence_length(unsigned char c) {
    return c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
}

/*
 * Messages are reported as JSON strings, so they must be UTF-8 whatever vsnprintf cut at the
 * end or a quoted text (jansson's parse errors quote the client's bytes) brought in: an
 * incomplete last character is dropped, any other invalid byte becomes '?'.
 */
static void utf8_repair(char *message) {
    size_t n = strlen(message), lead = n;
    while (lead > 0 && n - lead < 3 && ((unsigned char)message[lead - 1] & 0xC0) == 0x80) lead--;
    if (lead > 0) {
        size_t need = utf8_sequence_length((unsigned char)message[lead - 1]);
        if (need > 1 && need > n - lead + 1) message[n = lead - 1] = '\0';
    }
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence_length((unsigned char)message[i]);
        if (k && k <= n - i && syncspec_utf8_valid(message + i, k)) {
            i += k;
        } else {
            message[i++] = '?';
        }
    }
}

static void add_error(syncspec_op *out, const char *column, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_error(syncspec_op *out, const char *column, const char *code, const char *fmt,
                      ...) {
    if (out->error_count < SYNCSPEC_MAX_FIELD_ERRORS) {
        syncspec_field_error *e = &out->errors[out->error_count];
        e->column = column;
        e->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        utf8_repair(e->message);
    }
    out->error_count++;
}

static void *field(void *row, const syncspec_column *c) { return (char *)row + c->offset; }

static const syncspec_column *find_column(const syncspec_table *t, const char *key) {
    for (size_t i = 0; i < t->column_count; i++)
        if (strcmp(t->columns[i].name, key) == 0 || strcmp(t->columns[i].property, key) == 0)
            return &t->columns[i];
    return NULL;
}

/* A JSON string whose whole value (embedded NULs included) is exactly `text`. */
static bool string_is(const json_t *v, const char *text) {
    return json_is_string(v) && json_string_length(v) == strlen(text) &&
           memcmp(json_string_value(v), text, json_string_length(v)) == 0;
}

/* A JSON string's text when it holds no NUL: C string functions then see all of it. */
static const char *plain_string(const json_t *v) {
    const char *text = json_string_value(v);
    return text && strlen(text) == json_string_length(v) ? text : NULL;
}

/* Whether a JSON value holds a NUL in a string or a key: PostgreSQL's jsonb refuses both. */
static bool json_has_nul(const json_t *v) {
    if (json_is_string(v)) return !plain_string(v);
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (json_has_nul(json_array_get(v, i))) return true;
        return false;
    }
    const char *key;
    size_t key_len;
    json_t *member;
    json_object_keylen_foreach((json_t *)v, key, key_len, member) {
        if (strlen(key) != key_len || json_has_nul(member)) return true;
    }
    return false;
}

static bool valid_id(const syncspec_schema *schema, const char *id, size_t n) {
    if (n == 0 || strlen(id) != n || !syncspec_utf8_valid(id, n)) return false;
    return schema->id_format == SYNCSPEC_ID_TEXT || syncspec_is_uuid(id);
}

/* Integers as JSON integers, or reals with no fraction within int64. */
static bool to_int64(int64_t *out, const json_t *v) {
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double r = json_real_value(v);
        /* [-2^63, 2^63): the upper bound is exclusive, so the cast cannot overflow. */
        if (!isfinite(r) || r != trunc(r) || r < -9223372036854775808.0 ||
            r >= 9223372036854775808.0)
            return false;
        *out = (int64_t)r;
        return true;
    }
    return false;
}

/* Whether s is a number in JSON's grammar: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static bool json_number_text(const char *s) {
    if (*s == '-') s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9') s++;
    else
        return false;
    if (*s == '.') {
        if (!(*++s >= '0' && *s <= '9')) return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        if (*++s == '+' || *s == '-') s++;
        if (!(*s >= '0' && *s <= '9')) return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == '\0';
}

/*
 * Numbers, or numeric strings in JSON's number grammar only (strtod alone would also take
 * "0x10", " 5", "inf" and "nan"). As for JSON numbers, a value past a double is refused and
 * one too small for it is 0.
 */
static bool to_number(double *out, const json_t *v) {
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return isfinite(*out);
    }
    const char *s = plain_string(v);
    if (!s || !json_number_text(s)) return false;
    *out = c_strtod(s, NULL);
    return isfinite(*out);
}

static bool to_bool(bool *out, const json_t *v) {
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    double r;
    if (json_is_integer(v) || json_is_real(v)) {
        r = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
        if (r != 0.0 && r != 1.0) return false;
        *out = r == 1.0;
        return true;
    }
    if (json_is_string(v)) {
        if (string_is(v, "true") || string_is(v, "1"))
            *out = true;
        else if (string_is(v, "false") || string_is(v, "0"))
            *out = false;
        else
            return false;
        return true;
    }
    return false;
}

/* ISO 8601 text, or epoch seconds (|v| < 10^10) or milliseconds as a number. */
static bool to_timestamp(int64_t *out, const json_t *v) {
    if (json_is_string(v)) {
        const char *text = plain_string(v);
        return text && syncspec_timestamp_parse(out, text) == 0;
    }
    double r;
    if (!json_is_integer(v) && !json_is_real(v)) return false;
    r = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
    if (!isfinite(r)) return false;
    double ms = fabs(r) < 1e10 ? r * 1000.0 : r;
    if (ms < -62135596800000.0 || ms > 253402300799999.0) return false;
    *out = (int64_t)trunc(ms);
    return true;
}

static void check_constraints(syncspec_op *out, syncspec_sanitizer *s, size_t table_index,
                              const syncspec_column *c, const void *row) {
    if (c->type == SYNCSPEC_TYPE_TEXT || c->type == SYNCSPEC_TYPE_ID) {
        const syncspec_text_value *v = (const syncspec_text_value *)field((void *)row, c);
        if (c->max_length && (int64_t)syncspec_utf8_length(v->value, v->length) > c->max_length)
            add_error(out, c->name, SYNCSPEC_E_MAX_LENGTH, "%s: longer than %" PRId64 " characters",
                      c->name, c->max_length);
        pcre2_code *re = s->patterns[table_index]
                             ? s->patterns[table_index][c - s->schema->tables[table_index].columns]
                             : NULL;
        if (re && pcre2_match(re, (PCRE2_SPTR)v->value, v->length, 0, 0, s->match, NULL) < 0)
            add_error(out, c->name, SYNCSPEC_E_PATTERN, "%s: does not match %s", c->name,
                      c->pattern);
    }
    if (c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_REAL) {
        bool integer = c->type == SYNCSPEC_TYPE_INTEGER;
        int64_t i = integer ? ((const syncspec_int_value *)field((void *)row, c))->value : 0;
        double r = integer ? 0 : ((const syncspec_real_value *)field((void *)row, c))->value;
        if (c->min.set && (integer ? i < c->min.i : r < c->min.r))
            add_error(out, c->name, SYNCSPEC_E_MIN, "%s: below the minimum", c->name);
        if (c->max.set && (integer ? i > c->max.i : r > c->max.r))
            add_error(out, c->name, SYNCSPEC_E_MAX, "%s: above the maximum", c->name);
    }
    if (c->enum_count) {
        char buf[SYNCSPEC_TIMESTAMP_SIZE];
        const char *text = syncspec_row_text(buf, c, row);
        bool found = false;
        for (size_t k = 0; k < c->enum_count && !found; k++)
            found = text && strcmp(text, c->enum_values[k]) == 0;
        if (!found)
            add_error(out, c->name, SYNCSPEC_E_ENUM, "%s: not one of the allowed values", c->name);
    }
}

/* Sets one column from a JSON value (not null). False after adding a type error. */
static bool set_value(syncspec_op *out, syncspec_sanitizer *s, const syncspec_column *c, void *row,
                      const json_t *v) {
    void *f = field(row, c);
    switch (c->type) {
    case SYNCSPEC_TYPE_INTEGER: {
        syncspec_int_value *x = f;
        if (!to_int64(&x->value, v)) break;
        x->state = SYNCSPEC_SET;
        return true;
    }
    case SYNCSPEC_TYPE_REAL: {
        syncspec_real_value *x = f;
        if (!to_number(&x->value, v)) break;
        x->state = SYNCSPEC_SET;
        return true;
    }
    case SYNCSPEC_TYPE_BOOLEAN: {
        syncspec_bool_value *x = f;
        if (!to_bool(&x->value, v)) break;
        x->state = SYNCSPEC_SET;
        return true;
    }
    case SYNCSPEC_TYPE_TIMESTAMP: {
        syncspec_int_value *x = f;
        if (!to_timestamp(&x->value, v)) break;
        x->state = SYNCSPEC_SET;
        return true;
    }
    case SYNCSPEC_TYPE_JSON: {
        syncspec_text_value *x = f;
        /* Clients send JSON columns as JSON text; any other value is the value itself. */
        json_t *parsed = NULL;
        const json_t *value = v;
        if (json_is_string(v)) {
            /* Repeated keys are refused here as in a value (upload_json_loadb marks those). */
            parsed = json_loadb(json_string_value(v), json_string_length(v),
                                JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
            if (!parsed) break;
            value = parsed;
        } else if (json_has_nul(v)) {
            break; /* the text form cannot hold one either: jansson refuses it there */
        }
        syncspec_buffer b = {0};
        int rc = syncspec_json_canonical(&b, value);
        json_decref(parsed);
        if (rc != 0) {
            syncspec_buffer_free(&b);
            break;
        }
        x->value = scratch_copy(s, b.data, b.len);
        x->length = b.len;
        syncspec_buffer_free(&b);
        if (!x->value) return false;
        x->state = SYNCSPEC_SET;
        return true;
    }
    default: { /* text and id */
        syncspec_text_value *x = f;
        if (json_is_string(v)) {
            const char *text = plain_string(v);
            size_t n = json_string_length(v);
            if (!text || !syncspec_utf8_valid(text, n)) break;
            if (c->type == SYNCSPEC_TYPE_ID && !valid_id(s->schema, text, n)) {
                add_error(out, c->name, SYNCSPEC_E_BAD_ID, "%s: not a valid %s", c->name,
                          s->schema->id_format == SYNCSPEC_ID_UUID ? "lowercase UUID" : "id");
                return false;
            }
            x->value = text;
            x->length = n;
        } else if (c->type == SYNCSPEC_TYPE_TEXT && (json_is_number(v) || json_is_boolean(v))) {
            char buf[SYNCSPEC_REAL_SIZE];
            if (json_is_integer(v))
                snprintf(buf, sizeof buf, "%" PRId64, (int64_t)json_integer_value(v));
            else if (json_is_real(v))
                syncspec_format_real(buf, json_real_value(v));
            else
                strcpy(buf, json_is_true(v) ? "true" : "false");
            x->length = strlen(buf);
            x->value = scratch_copy(s, buf, x->length);
            if (!x->value) return false;
        } else {
            break;
        }
        x->state = SYNCSPEC_SET;
        return true;
    }
    }
    add_error(out, c->name, SYNCSPEC_E_TYPE, "%s: not a valid %s", c->name,
              syncspec_type_name(c->type));
    return false;
}

static void set_null(void *row, const syncspec_column *c) {
    /* Every value struct starts with its state. */
    *(syncspec_state *)field(row, c) = SYNCSPEC_NULL;
}

static syncspec_state state_of(const void *row, const syncspec_column *c) {
    return *(const syncspec_state *)((const char *)row + c->offset);
}

static void set_text(void *row, const syncspec_column *c, const char *text) {
    syncspec_text_value *x = field(row, c);
    x->state = SYNCSPEC_SET;
    x->value = text;
    x->length = strlen(text);
}

int syncspec_sanitize(syncspec_op *out, syncspec_sanitizer *s, const json_t *op,
                      const char *user_id) {
    out->kind = SYNCSPEC_OP_PUT;
    out->table = NULL;
    out->id = NULL;
    out->row = NULL;
    out->error_count = 0;
    scratch_reset(s);
    if (!json_is_object(op)) {
        add_error(out, NULL, SYNCSPEC_E_BAD_OP, "an op must be a JSON object");
        return 1;
    }
    const json_t *kind = json_object_get(op, "op");
    if (string_is(kind, "PUT"))
        out->kind = SYNCSPEC_OP_PUT;
    else if (string_is(kind, "PATCH"))
        out->kind = SYNCSPEC_OP_PATCH;
    else if (string_is(kind, "DELETE"))
        out->kind = SYNCSPEC_OP_DELETE;
    else
        add_error(out, NULL, SYNCSPEC_E_BAD_OP, "op must be PUT, PATCH or DELETE");
    bool known_kind = out->error_count == 0;

    /* Keys the op's text gave twice (upload_json_loadb marks them): which was meant is
     * unknowable, so the op is refused, the last value still judged for its own errors. */
    const json_t *repeated =
        json_object_getn(op, UPLOAD_JSON_DUPLICATES, UPLOAD_JSON_DUPLICATES_LENGTH);
    for (size_t i = 0; i < json_array_size(repeated); i++) {
        const char *name = json_string_value(json_array_get(repeated, i));
        add_error(out, NULL, SYNCSPEC_E_BAD_OP, "the op gives '%.*s' more than once",
                  client_text_length(name), name);
    }

    const json_t *table_value = json_object_get(op, "table");
    const char *table_name = json_string_value(table_value);
    size_t table_index = 0;
    const syncspec_table *t = NULL;
    for (size_t i = 0; i < s->schema->table_count && !t; i++)
        if (string_is(table_value, s->schema->tables[i].name))
            t = &s->schema->tables[table_index = i];
    if (!t) {
        if (!table_name) table_name = "";
        add_error(out, NULL, SYNCSPEC_E_UNKNOWN_TABLE, "no table named '%.*s'",
                  client_text_length(table_name), table_name);
        return 1;
    }
    if (t->local_only) {
        add_error(out, NULL, SYNCSPEC_E_LOCAL_ONLY, "%s is local-only: it is never uploaded",
                  t->name);
        return 1;
    }
    out->table = t;
    if (t->insert_only && known_kind && out->kind != SYNCSPEC_OP_PUT)
        add_error(out, NULL, SYNCSPEC_E_INSERT_ONLY, "%s accepts inserts (PUT) only", t->name);

    void *row = s->row;
    memset(row, 0, t->row_size);
    out->row = row;
    const syncspec_column *id_column = &t->columns[0];
    const json_t *id = json_object_get(op, "id");
    if (!json_is_string(id) ||
        !valid_id(s->schema, json_string_value(id), json_string_length(id))) {
        add_error(out, "id", SYNCSPEC_E_BAD_ID, "id must be a %s",
                  s->schema->id_format == SYNCSPEC_ID_UUID ? "lowercase UUID" : "non-empty string");
    } else {
        out->id = json_string_value(id);
        set_text(row, id_column, out->id);
    }
    const syncspec_column *owner = t->owner_index >= 0 ? &t->columns[t->owner_index] : NULL;
    /* Without a known operation the data cannot be judged (what is required depends on it). */
    if (!known_kind) return 1;

    const json_t *data = json_object_get(op, "data");
    if (out->kind == SYNCSPEC_OP_DELETE) data = NULL; /* DELETE carries no data */
    if (data && !json_is_null(data) && !json_is_object(data)) {
        add_error(out, NULL, SYNCSPEC_E_BAD_DATA, "data must be an object");
        data = NULL;
    }
    /* Each column once: its snake and camel keys must agree when both are given. */
    const char *key;
    size_t key_len;
    json_t *value;
    repeated = json_object_getn(data, UPLOAD_JSON_DUPLICATES, UPLOAD_JSON_DUPLICATES_LENGTH);
    for (size_t i = 0; i < json_array_size(repeated); i++) {
        const char *name = json_string_value(json_array_get(repeated, i));
        const syncspec_column *c = find_column(t, name);
        add_error(out, c ? c->name : name, SYNCSPEC_E_DUPLICATE_KEY,
                  "data gives '%.*s' more than once", client_text_length(name), name);
    }
    json_object_keylen_foreach((json_t *)data, key, key_len, value) {
        if (value == repeated) continue;
        const syncspec_column *c = strlen(key) == key_len ? find_column(t, key) : NULL;
        if (!c) {
            add_error(out, key, SYNCSPEC_E_UNKNOWN_KEY, "%s has no column '%.*s'", t->name,
                      client_text_length(key), key);
            continue;
        }
        if (strcmp(key, c->name) != 0) {
            const json_t *snake = json_object_get(data, c->name);
            if (snake) {
                if (!json_equal(snake, value))
                    add_error(out, c->name, SYNCSPEC_E_KEY_CONFLICT, "%s and %s differ", c->name,
                              c->property);
                continue; /* the snake key is the one taken */
            }
        }
        if (c->role == SYNCSPEC_ROLE_ID) {
            if (!out->id || !string_is(value, out->id))
                add_error(out, c->name, SYNCSPEC_E_ID_MISMATCH, "data.id differs from the op's id");
            continue;
        }
        if (c == owner) {
            if (json_is_null(value)) {
                if (out->kind == SYNCSPEC_OP_PATCH)
                    add_error(out, c->name, SYNCSPEC_E_IMMUTABLE, "%s cannot be cleared", c->name);
            } else if (!string_is(value, user_id)) {
                add_error(out, c->name,
                          out->kind == SYNCSPEC_OP_PATCH ? SYNCSPEC_E_IMMUTABLE
                                                         : SYNCSPEC_E_FORBIDDEN_OWNER,
                          "%s belongs to the authenticated user only", c->name);
            }
            continue; /* set below, from the user id */
        }
        if (json_is_null(value)) {
            if (c->required)
                add_error(out, c->name, SYNCSPEC_E_REQUIRED, "%s is required and cannot be null",
                          c->name);
            else
                set_null(row, c);
            continue;
        }
        if (set_value(out, s, c, row, value)) check_constraints(out, s, table_index, c, row);
    }
    if (owner && out->kind == SYNCSPEC_OP_PUT) set_text(row, owner, user_id);
    if (out->kind == SYNCSPEC_OP_PUT) {
        /* Server-set timestamps may be absent; so may columns with a default. */
        for (size_t i = 0; i < t->column_count; i++) {
            const syncspec_column *c = &t->columns[i];
            const model_implicit *implicit = model_implicit_of(c->role);
            if (!c->required || c->default_value || c == owner || c->role == SYNCSPEC_ROLE_ID ||
                (implicit && implicit->stamped))
                continue;
            if (state_of(row, c) == SYNCSPEC_ABSENT && !json_object_get(data, c->name) &&
                !json_object_get(data, c->property))
                add_error(out, c->name, SYNCSPEC_E_REQUIRED, "%s is required", c->name);
        }
    }
    return out->error_count ? 1 : 0;
}

int syncspec_sanitize_text(syncspec_op *out, syncspec_sanitizer *s, const char *json, size_t length,
                           const char *user_id) {
    json_decref(s->parsed);
    json_error_t error;
    s->parsed = upload_json_loadb(json, length, &error);
    if (!s->parsed) {
        memset(out, 0, sizeof *out);
        add_error(out, NULL, SYNCSPEC_E_BAD_OP, "not JSON: %s at line %d, column %d", error.text,
                  error.line, error.column);
        return 1;
    }
    return syncspec_sanitize(out, s, s->parsed, user_id);
}
