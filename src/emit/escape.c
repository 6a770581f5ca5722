#include "emit/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/strbuf.h"

/*
 * The length of the start of `s` that every string escape here (C, JavaScript, JSON)
 * passes through as it is: printable ASCII but quotes, backslash and '?'. A name is all
 * of it, and is then copied between quotes with one look at each byte.
 */
static size_t plain_length(const char *s) {
    /* A bit per byte below 128. */
    static const uint64_t plain[2] = {
        0x7fffff7b00000000u, /* ' ' to '?', less '"', '\'' and '?' */
        0x7fffffffefffffffu, /* '@' to '~', less '\\' */
    };
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n] < 128 && (plain[p[n] >> 6] >> (p[n] & 63) & 1)) n++;
    return n;
}

/* The text between two quotes, as is: what most names need. */
static const char *quoted(arena *a, const char *s, size_t length, char quote) {
    char *out = arena_alloc_uninit(a, length + 3);
    out[0] = quote;
    memcpy(out + 1, s, length);
    out[length + 1] = quote;
    out[length + 2] = '\0';
    return out;
}

/* Surrounds with `quote`, doubling each occurrence of it. */
static const char *quote_doubling(arena *a, const char *s, char quote) {
    if (!strchr(s, quote)) return quoted(a, s, strlen(s), quote);
    size_t n = 2;
    for (const char *p = s; *p; p++) n += *p == quote ? 2 : 1;
    char *out = arena_alloc_uninit(a, n + 1), *o = out;
    *o++ = quote;
    for (const char *p = s; *p; p++) {
        if (*p == quote) *o++ = quote;
        *o++ = *p;
    }
    *o++ = quote;
    *o = '\0';
    return out;
}

const char *esc_sql_ident(arena *a, const char *s) { return quote_doubling(a, s, '"'); }
const char *esc_sql_literal(arena *a, const char *s) { return quote_doubling(a, s, '\''); }
const char *esc_yaml_single(arena *a, const char *s) { return quote_doubling(a, s, '\''); }

const char *esc_pg_literal(arena *a, const char *s) {
    if (!strchr(s, '\\')) return quote_doubling(a, s, '\'');
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, "E'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || *p == '\\') sb_putc(&sb, *p);
        sb_putc(&sb, *p);
    }
    sb_putc(&sb, '\'');
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* YAML forbids C0 controls (but tab), DEL and C1 controls in a scalar's text, and folds
 * line breaks (NEL, LS and PS too) inside single quotes. */
static size_t yaml_unsafe(const unsigned char *p) {
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f) return 1;
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) return 2;
    if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) return 3;
    if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) return 3; /* a BOM */
    return 0;
}

const char *esc_yaml_scalar(arena *a, const char *s) {
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
        plain = yaml_unsafe(p) == 0;
    if (plain) return esc_yaml_single(a, s);
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = yaml_unsafe(p);
        if (*p == '"' || *p == '\\') {
            sb_putc(&sb, '\\');
            sb_putc(&sb, (char)*p++);
        } else if (*p == '\n') {
            sb_append(&sb, "\\n");
            p++;
        } else if (*p == '\r') {
            sb_append(&sb, "\\r");
            p++;
        } else if (n == 1) {
            sb_appendf(&sb, "\\x%02x", *p++);
        } else if (n == 2) {
            sb_appendf(&sb, "\\u%04x", p[1]); /* U+0080..U+009F */
            p += 2;
        } else if (n == 3) {
            sb_append(&sb, p[0] == 0xef ? "\\ufeff" : p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 3;
        } else {
            sb_putc(&sb, (char)*p++);
        }
    }
    sb_putc(&sb, '"');
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* The bytes one input byte becomes inside a C string literal; `next` for trigraphs. */
static size_t c_escape(char out[5], unsigned char c, unsigned char next) {
    switch (c) {
    case '"': memcpy(out, "\\\"", 2); return 2;
    case '\\': memcpy(out, "\\\\", 2); return 2;
    case '\n': memcpy(out, "\\n", 2); return 2;
    case '\t': memcpy(out, "\\t", 2); return 2;
    case '?':
        /* "??x" would be a trigraph under -std=c11. */
        if (next == '?') {
            memcpy(out, "?\\", 2);
            return 2;
        }
        out[0] = '?';
        return 1;
    default:
        if (c < 0x20 || c >= 0x7f) {
            out[0] = '\\';
            out[1] = (char)('0' + (c >> 6));
            out[2] = (char)('0' + ((c >> 3) & 7));
            out[3] = (char)('0' + (c & 7));
            return 4;
        }
        out[0] = (char)c;
        return 1;
    }
}

const char *esc_c_string(arena *a, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t plain = plain_length(s);
    if (!p[plain]) return quoted(a, s, plain, '"');
    /* Two passes: measure, then write straight into the arena. */
    char buf[5];
    size_t n = 2;
    for (size_t i = 0; p[i]; i++) n += c_escape(buf, p[i], p[i + 1]);
    char *out = arena_alloc_uninit(a, n + 1), *o = out;
    *o++ = '"';
    for (size_t i = 0; p[i]; i++) o += c_escape(o, p[i], p[i + 1]);
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *esc_c_comment(arena *a, const char *s) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = s; *p; p++) {
        sb_putc(&sb, *p);
        /* A blank between the two characters of star-slash, slash-star and "??". */
        if ((p[0] == '*' && p[1] == '/') || (p[0] == '/' && p[1] == '*') ||
            (p[0] == '?' && p[1] == '?'))
            sb_putc(&sb, ' ');
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* JavaScript and JSON strings: `quote` and backslash escaped, control characters as
 * \uXXXX, and U+2028/U+2029 escaped too (older parsers end a line there). */
static const char *js_string(arena *a, const char *s, char quote) {
    /* Most strings are names that need no escape: quoted straight into the arena. */
    size_t n = plain_length(s);
    if (!s[n]) return quoted(a, s, n, quote);
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, quote);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == (unsigned char)quote || *p == '\\') {
            sb_putc(&sb, '\\');
            sb_putc(&sb, (char)*p);
        } else if (*p == '\n') {
            sb_append(&sb, "\\n");
        } else if (*p == '\r') {
            sb_append(&sb, "\\r");
        } else if (*p == '\t') {
            sb_append(&sb, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            sb_appendf(&sb, "\\u%04x", *p);
        } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            sb_append(&sb, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else {
            sb_putc(&sb, (char)*p);
        }
    }
    sb_putc(&sb, quote);
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *esc_ts_string(arena *a, const char *s) { return js_string(a, s, '\''); }
const char *esc_json_string(arena *a, const char *s) { return js_string(a, s, '"'); }

const char *esc_ts_template(arena *a, const char *s) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' || *p == '`' || (*p == '$' && p[1] == '{')) sb_putc(&sb, '\\');
        sb_putc(&sb, *p);
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* The reserved words of JavaScript and TypeScript (strict mode and declarations), and the
 * lower-case names the generated TypeScript imports or declares. */
/* clang-format off */
static const char *const ts_reserved[] = {
    "arguments", "await", "bigint", "boolean", "break", "case", "catch", "check", "class",
    "column", "const", "continue", "dbSchema", "debugger", "declare", "default", "delete", "do",
    "doublePrecision", "else", "enum", "eval", "export", "extends", "false", "finally", "for",
    "function", "if", "implements", "import", "in", "index", "instanceof", "integer", "interface",
    "jsonb", "let", "new", "null", "package", "pgSchema", "pgTable", "private", "protected",
    "public", "real", "return", "sql", "sqliteTable", "static", "super", "switch", "text", "this",
    "throw", "timestamp", "true", "try", "type", "typeof", "undefined", "uniqueIndex", "var",
    "void", "while", "with", "yield", NULL};
/* clang-format on */

const char *esc_ts_ident(arena *a, const char *name) {
    for (const char *const *k = ts_reserved; *k; k++)
        if (**k == *name && strcmp(*k, name) == 0) return arena_concat(a, name, "_", NULL);
    return name;
}
