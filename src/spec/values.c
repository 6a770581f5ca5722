#include "spec/values.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* Years 0001-01-01 through 9999-12-31, the range the canonical text form can spell. */
#define MIN_MS (-62135596800000LL)
#define MAX_MS (253402300799999LL)

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

void spec_format_real(char buf[32], double v) {
    if (v == 0) {
        strcpy(buf, "0");
        return;
    }
    /* The fewest significant digits that read back as exactly v... */
    char e[48];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(e, sizeof e, "%.*e", precision - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    const char *s = e;
    char *out = buf;
    if (*s == '-') *out++ = *s++;
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    /* ...written as JavaScript writes numbers: plain between 1e-7 and 1e21, else with an
     * exponent. */
    if (exp >= 21 || exp < -6) {
        *out++ = digits[0];
        if (nd > 1) {
            *out++ = '.';
            memcpy(out, digits + 1, (size_t)nd - 1);
            out += nd - 1;
        }
        *out++ = 'e';
        *out++ = exp < 0 ? '-' : '+';
        int magnitude = exp < 0 ? -exp : exp;
        if (magnitude >= 100) *out++ = (char)('0' + magnitude / 100);
        if (magnitude >= 10) *out++ = (char)('0' + magnitude / 10 % 10);
        *out++ = (char)('0' + magnitude % 10);
        *out = '\0';
        return;
    }
    if (exp < 0) {
        *out++ = '0';
        *out++ = '.';
        for (int i = -1; i > exp; i--) *out++ = '0';
        memcpy(out, digits, (size_t)nd);
        out += nd;
    } else {
        for (int i = 0; i <= exp; i++) *out++ = i < nd ? digits[i] : '0';
        if (nd > exp + 1) {
            *out++ = '.';
            memcpy(out, digits + exp + 1, (size_t)(nd - exp - 1));
            out += nd - exp - 1;
        }
    }
    *out = '\0';
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

static unsigned days_in_month(unsigned y, unsigned m) {
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int spec_parse_timestamp(int64_t *ms, const char *s) {
    unsigned year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
    if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) || s[7] != '-' ||
        !digits(s + 8, 2, &day))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return -1;
    const char *p = s + 10;
    int64_t offset_minutes = 0;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ') return -1;
        p++;
        if (!digits(p, 2, &hour) || p[2] != ':' || !digits(p + 3, 2, &minute) || p[5] != ':' ||
            !digits(p + 6, 2, &second))
            return -1;
        if (hour > 23 || minute > 59 || second > 59) return -1;
        p += 8;
        if (*p == '.') {
            p++;
            int n = 0;
            while (*p >= '0' && *p <= '9') {
                if (n < 3) millis = millis * 10 + (unsigned)(*p - '0');
                n++;
                p++;
            }
            if (n < 1 || n > 9) return -1;
            for (int i = n; i < 3; i++) millis *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            unsigned oh, om;
            p++;
            if (!digits(p, 2, &oh)) return -1;
            p += 2;
            if (*p == ':') p++;
            if (!digits(p, 2, &om)) return -1;
            p += 2;
            if (oh > 23 || om > 59) return -1;
            offset_minutes = sign * (int64_t)(oh * 60 + om);
        }
        if (*p) return -1;
    }
    int64_t days = days_from_civil(year, month, day);
    int64_t t = ((days * 24 + hour) * 60 + minute) * 60 + second;
    t -= offset_minutes * 60;
    t = t * 1000 + millis;
    if (t < MIN_MS || t > MAX_MS) return -1;
    *ms = t;
    return 0;
}

void spec_format_timestamp(char buf[32], int64_t ms) {
    int64_t seconds = ms / 1000, millis = ms % 1000;
    if (millis < 0) millis += 1000, seconds--;
    int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) rest += 86400, days--;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* The compiler cannot see that every field is in range; the text is 24 bytes. */
    char text[96];
    snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d,
             (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60), (int)millis);
    memcpy(buf, text, 25);
    buf[24] = '\0';
}

bool spec_is_uuid(const char *s) {
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return s[36] == '\0';
}

size_t spec_utf8_length(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return n;
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

static int compare_keys(const void *x, const void *y) {
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void json_string_out(strbuf *sb, const char *s, size_t len) {
    sb_putc(sb, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            sb_append(sb, "\\\"");
            break;
        case '\\':
            sb_append(sb, "\\\\");
            break;
        case '\n':
            sb_append(sb, "\\n");
            break;
        case '\r':
            sb_append(sb, "\\r");
            break;
        case '\t':
            sb_append(sb, "\\t");
            break;
        case '\b':
            sb_append(sb, "\\b");
            break;
        case '\f':
            sb_append(sb, "\\f");
            break;
        default:
            if (c < 0x20)
                sb_appendf(sb, "\\u%04x", c);
            else
                sb_putc(sb, (char)c);
        }
    }
    sb_putc(sb, '"');
}

/* Compact, keys sorted by bytes, reals in shortest round-trip form: one text per value.
 * Returns false on a non-finite number. */
static bool json_canonical(strbuf *sb, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = malloc((n ? n : 1) * sizeof *keys);
        if (!keys) abort();
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)v, key, value) keys[i++] = key;
        qsort(keys, n, sizeof *keys, compare_keys);
        sb_putc(sb, '{');
        bool ok = true;
        for (i = 0; i < n && ok; i++) {
            if (i) sb_putc(sb, ',');
            json_string_out(sb, keys[i], strlen(keys[i]));
            sb_putc(sb, ':');
            ok = json_canonical(sb, json_object_get(v, keys[i]));
        }
        sb_putc(sb, '}');
        free(keys);
        return ok;
    }
    case JSON_ARRAY: {
        sb_putc(sb, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) sb_putc(sb, ',');
            if (!json_canonical(sb, json_array_get(v, i))) return false;
        }
        sb_putc(sb, ']');
        return true;
    }
    case JSON_STRING:
        json_string_out(sb, json_string_value(v), json_string_length(v));
        return true;
    case JSON_INTEGER:
        sb_appendf(sb, "%" PRId64, (int64_t)json_integer_value(v));
        return true;
    case JSON_REAL: {
        double r = json_real_value(v);
        if (!isfinite(r)) return false;
        char buf[32];
        spec_format_real(buf, r);
        sb_append(sb, buf);
        return true;
    }
    case JSON_TRUE:
        sb_append(sb, "true");
        return true;
    case JSON_FALSE:
        sb_append(sb, "false");
        return true;
    case JSON_NULL:
        sb_append(sb, "null");
        return true;
    }
    return false;
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
            *error =
                arena_printf(a, "%s is not a UUID (id_format is uuid)", spec_describe_node(a, n));
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
