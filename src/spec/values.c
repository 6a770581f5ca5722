#include "spec/values.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* The value grammar lives in the runtime (value.c), so uploads and specs read alike. */
void spec_format_real(char buf[32], double v) { syncspec_format_real(buf, v); }
int spec_parse_timestamp(int64_t *ms, const char *s) { return syncspec_timestamp_parse(ms, s); }
void spec_format_timestamp(char buf[32], int64_t ms) {
    if (syncspec_timestamp_format(buf, ms) != 0) buf[0] = '\0';
}
bool spec_is_uuid(const char *s) { return syncspec_is_uuid(s); }
size_t spec_utf8_length(const char *s) { return syncspec_utf8_length(s, strlen(s)); }

static bool json_canonical(strbuf *sb, const json_t *v) {
    syncspec_buffer b = {0};
    bool ok = syncspec_json_canonical(&b, v) == 0;
    if (ok) sb_append_n(sb, b.data ? b.data : "", b.len);
    syncspec_buffer_free(&b);
    return ok;
}

int spec_parse_int64(int64_t *out, const char *s) {
    const char *p = s;
    bool negative = false;
    if (*p == '+' || *p == '-') negative = *p++ == '-';
    if (*p < '0' || *p > '9') return -1;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool overflow = false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (limit - digit) / 10)
            overflow = true;
        else
            v = v * 10 + digit;
    }
    if (*p) return -1;
    if (overflow) return -2;
    *out = negative ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

int spec_parse_real(double *out, const char *s) {
    const char *p = s + (*s == '+' || *s == '-');
    if (*p == '.' && (p[1] == 'i' || p[1] == 'I' || p[1] == 'n' || p[1] == 'N')) return -1;
    double v = strtod(s, NULL);
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

const char *spec_describe_node(arena *a, const ynode *n) {
    if (n->kind == YNODE_MAPPING) return "a mapping";
    if (n->kind == YNODE_SEQUENCE) return "a list";
    if (n->scalar == YSCALAR_NULL)
        return n->len ? arena_printf(a, "null ('%s')", n->text) : "nothing";
    int shown = n->len > 40 ? 40 : (int)n->len;
    const char *more = n->len > 40 ? "..." : "";
    if (n->scalar == YSCALAR_STRING && !n->plain)
        return arena_printf(a, "the string '%.*s%s'", shown, n->text, more);
    return arena_printf(a, "'%.*s%s'", shown, n->text, more);
}

/* ---- json ---------------------------------------------------------------------------- */

static json_t *node_to_json(const ynode *n) {
    switch (n->kind) {
    case YNODE_MAPPING: {
        json_t *obj = json_object();
        for (size_t i = 0; i < n->count; i++) {
            json_t *value = node_to_json(n->pairs[i].value);
            if (!value) {
                json_decref(obj);
                return NULL;
            }
            json_object_setn_new_nocheck(obj, n->pairs[i].key->text, n->pairs[i].key->len, value);
        }
        return obj;
    }
    case YNODE_SEQUENCE: {
        json_t *arr = json_array();
        for (size_t i = 0; i < n->count; i++) {
            json_t *item = node_to_json(n->items[i]);
            if (!item) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, item);
        }
        return arr;
    }
    case YNODE_SCALAR:
        break;
    }
    switch (n->scalar) {
    case YSCALAR_NULL:
        return json_null();
    case YSCALAR_BOOL:
        return json_boolean(n->text[0] == 't' || n->text[0] == 'T');
    case YSCALAR_INT:
    case YSCALAR_FLOAT: {
        int64_t i;
        if (n->scalar == YSCALAR_INT && spec_parse_int64(&i, n->text) == 0)
            return json_integer((json_int_t)i);
        double r;
        /* .inf and .nan have no JSON spelling. */
        return spec_parse_real(&r, n->text) == 0 ? json_real(r) : NULL;
    }
    case YSCALAR_STRING:
        break;
    }
    return json_stringn_nocheck(n->text, n->len);
}

static const char *json_value(arena *a, const ynode *n, const char **error) {
    json_t *root;
    if (n->kind == YNODE_SCALAR && n->scalar == YSCALAR_STRING) {
        /* As in an upload, a string for a json column is JSON text. */
        json_error_t err;
        root = json_loadb(n->text, n->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
        if (!root) {
            *error = arena_printf(a,
                                  "%s is not JSON text (%s); write a JSON value as YAML "
                                  "(e.g. {a: 1}) or quote its JSON text",
                                  spec_describe_node(a, n), err.text);
            return NULL;
        }
    } else {
        root = node_to_json(n);
    }
    strbuf sb = STRBUF_INIT;
    bool ok = root && json_canonical(&sb, root);
    json_decref(root);
    const char *out = ok ? arena_strdup(a, sb_str(&sb)) : NULL;
    sb_free(&sb);
    if (!ok) *error = "JSON has no infinity or NaN";
    return out;
}

const char *spec_value_canonical(arena *a, const ynode *n, syncspec_type type,
                                 syncspec_id_format id_format, const char **error) {
    char buf[32];
    *error = NULL;
    if (type == SYNCSPEC_TYPE_JSON) return json_value(a, n, error);
    if (n->kind != YNODE_SCALAR) {
        *error = arena_printf(a, "expected a %s value, found %s", syncspec_type_name(type),
                              spec_describe_node(a, n));
        return NULL;
    }
    switch (type) {
    case SYNCSPEC_TYPE_TEXT:
        return n->text;
    case SYNCSPEC_TYPE_ID:
        if (id_format == SYNCSPEC_ID_UUID && !spec_is_uuid(n->text)) {
            *error = arena_printf(a, "%s is not a lowercase UUID (id_format is uuid)",
                                  spec_describe_node(a, n));
            return NULL;
        }
        if (n->len == 0) {
            *error = "an id cannot be empty";
            return NULL;
        }
        return n->text;
    case SYNCSPEC_TYPE_INTEGER: {
        int64_t v;
        int rc = n->scalar == YSCALAR_INT ? spec_parse_int64(&v, n->text) : -1;
        if (rc == -2) {
            *error = arena_printf(a, "%s is out of the range of a 64-bit integer", n->text);
            return NULL;
        }
        if (rc) {
            *error = arena_printf(a, "expected an integer, found %s", spec_describe_node(a, n));
            return NULL;
        }
        return arena_printf(a, "%" PRId64, v);
    }
    case SYNCSPEC_TYPE_REAL: {
        if (n->scalar != YSCALAR_INT && n->scalar != YSCALAR_FLOAT) {
            *error = arena_printf(a, "expected a number, found %s", spec_describe_node(a, n));
            return NULL;
        }
        double v;
        if (spec_parse_real(&v, n->text) != 0) {
            *error = arena_printf(a, "%s is not a finite number", n->text);
            return NULL;
        }
        spec_format_real(buf, v);
        return arena_strdup(a, buf);
    }
    case SYNCSPEC_TYPE_BOOLEAN:
        if (n->scalar != YSCALAR_BOOL) {
            *error = arena_printf(a, "expected true or false, found %s", spec_describe_node(a, n));
            return NULL;
        }
        return n->text[0] == 't' || n->text[0] == 'T' ? "true" : "false";
    case SYNCSPEC_TYPE_TIMESTAMP: {
        int64_t ms;
        if (spec_parse_timestamp(&ms, n->text) != 0) {
            *error = arena_printf(a,
                                  "%s is not a timestamp (expected YYYY-MM-DDTHH:MM:SS[.sss] "
                                  "with Z or ±hh:mm, between years 0001 and 9999)",
                                  spec_describe_node(a, n));
            return NULL;
        }
        spec_format_timestamp(buf, ms);
        return arena_strdup(a, buf);
    }
    case SYNCSPEC_TYPE_JSON:
        break;
    }
    *error = "unknown type";
    return NULL;
}
