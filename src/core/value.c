/*
 * Value grammar shared by the compiler (spec defaults) and the sanitizers (uploads): one
 * implementation of timestamps, reals, UUIDs, UTF-8 and canonical JSON, so a value means
 * the same thing in the spec as on the wire.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/c_numbers.h"
#include "core/sync_internal.h"
#include "syncspec.h"

/* Years 0001-01-01 through 9999-12-31, the range the canonical text form can spell. */
#define MIN_MS (-62135596800000LL)
#define MAX_MS (253402300799999LL)

int sync_reserve(syncspec_buffer *b, size_t n) {
    if (b->cap - b->len > n) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int syncspec_buffer_append(syncspec_buffer *b, const char *s, size_t n) {
    if (sync_reserve(b, n)) return -1;
    if (n) memcpy(b->data + b->len, s, n); /* s may be NULL when n is 0 */
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int append_str(syncspec_buffer *b, const char *s) {
    return syncspec_buffer_append(b, s, strlen(s));
}

void syncspec_buffer_free(syncspec_buffer *b) {
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void syncspec_format_real(char buf[SYNCSPEC_REAL_SIZE], double v) {
    if (v == 0) {
        strcpy(buf, "0");
        return;
    }
    /* The fewest significant digits that read back as exactly v... */
    char e[48];
    locale_t previous = c_numbers_begin();
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(e, sizeof e, "%.*e", precision - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    c_numbers_end(previous);
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

int syncspec_timestamp_parse(int64_t *ms, const char *s) {
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

int syncspec_timestamp_format(char buf[SYNCSPEC_TIMESTAMP_SIZE], int64_t ms) {
    if (ms < MIN_MS || ms > MAX_MS) return -1;
    int64_t seconds = ms / 1000, millis = ms % 1000;
    if (millis < 0) millis += 1000, seconds--;
    int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) rest += 86400, days--;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* Digit by digit, not with snprintf: a download formats two timestamps a row. Every
     * field is in range, so the text is always YYYY-MM-DDTHH:MM:SS.mmmZ. */
    const struct {
        unsigned value, digits;
        char after;
    } fields[] = {{(unsigned)y, 4, '-'},
                  {m, 2, '-'},
                  {d, 2, 'T'},
                  {(unsigned)(rest / 3600), 2, ':'},
                  {(unsigned)(rest / 60 % 60), 2, ':'},
                  {(unsigned)(rest % 60), 2, '.'},
                  {(unsigned)millis, 3, 'Z'}};
    char *p = buf;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        unsigned v = fields[i].value;
        for (unsigned k = fields[i].digits; k-- > 0; v /= 10) p[k] = (char)('0' + v % 10);
        p += fields[i].digits;
        *p++ = fields[i].after;
    }
    *p = '\0';
    return 0;
}

/* Lowercase only: PostgreSQL and SQLite compare ids as text, so AAAA… and aaaa… would be
 * two rows of one UUID; the canonical form (RFC 4122 output, PowerSync's uuid()) is it. */
bool syncspec_is_uuid(const char *s) {
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return s[36] == '\0';
}

bool syncspec_utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t extra;
        unsigned min;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= extra) return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            c = (c << 6) | (p[i] & 0x3F);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
        if (c < min || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) return false;
        p += extra + 1;
    }
    return true;
}

size_t syncspec_utf8_length(const char *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

static int compare_keys(const void *x, const void *y) {
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int json_string_out(syncspec_buffer *sb, const char *s, size_t len) {
    if (syncspec_buffer_append(sb, "\"", 1)) return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            append_str(sb, "\\\"");
            break;
        case '\\':
            append_str(sb, "\\\\");
            break;
        case '\n':
            append_str(sb, "\\n");
            break;
        case '\r':
            append_str(sb, "\\r");
            break;
        case '\t':
            append_str(sb, "\\t");
            break;
        case '\b':
            append_str(sb, "\\b");
            break;
        case '\f':
            append_str(sb, "\\f");
            break;
        default:
            if (c < 0x20) {
                char hex[8];
                snprintf(hex, sizeof hex, "\\u%04x", c);
                append_str(sb, hex);
            } else
                syncspec_buffer_append(sb, (const char *)&c, 1);
        }
    }
    return syncspec_buffer_append(sb, "\"", 1);
}

/* Compact, keys sorted by bytes, reals in shortest round-trip form: one text per value.
 * Returns false on a non-finite number. */
static bool json_canonical(syncspec_buffer *sb, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = malloc((n ? n : 1) * sizeof *keys);
        if (!keys) abort();
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)v, key, value) keys[i++] = key;
        qsort(keys, n, sizeof *keys, compare_keys);
        append_str(sb, "{");
        bool ok = true;
        for (i = 0; i < n && ok; i++) {
            if (i) append_str(sb, ",");
            json_string_out(sb, keys[i], strlen(keys[i]));
            append_str(sb, ":");
            ok = json_canonical(sb, json_object_get(v, keys[i]));
        }
        append_str(sb, "}");
        free(keys);
        return ok;
    }
    case JSON_ARRAY: {
        append_str(sb, "[");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) append_str(sb, ",");
            if (!json_canonical(sb, json_array_get(v, i))) return false;
        }
        append_str(sb, "]");
        return true;
    }
    case JSON_STRING:
        json_string_out(sb, json_string_value(v), json_string_length(v));
        return true;
    case JSON_INTEGER: {
        char n[32];
        snprintf(n, sizeof n, "%" PRId64, (int64_t)json_integer_value(v));
        append_str(sb, n);
    }
        return true;
    case JSON_REAL: {
        double r = json_real_value(v);
        if (!isfinite(r)) return false;
        char buf[32];
        syncspec_format_real(buf, r);
        append_str(sb, buf);
        return true;
    }
    case JSON_TRUE:
        append_str(sb, "true");
        return true;
    case JSON_FALSE:
        append_str(sb, "false");
        return true;
    case JSON_NULL:
        append_str(sb, "null");
        return true;
    }
    return false;
}

int syncspec_json_canonical(syncspec_buffer *out, const json_t *value) {
    return json_canonical(out, value) ? 0 : -1;
}
