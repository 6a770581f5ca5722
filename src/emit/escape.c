#include "emit/escape.h"

#include <string.h>

#include "util/strbuf.h"

/* Surrounds with `quote`, doubling each occurrence of it. */
static const char *quote_doubling(arena *a, const char *s, char quote) {
    size_t n = 2;
    for (const char *p = s; *p; p++) n += *p == quote ? 2 : 1;
    char *out = arena_alloc(a, n + 1), *o = out;
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

const char *esc_c_string(arena *a, const char *s) {
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_append(&sb, "\\\"");
            break;
        case '\\':
            sb_append(&sb, "\\\\");
            break;
        case '\n':
            sb_append(&sb, "\\n");
            break;
        case '\t':
            sb_append(&sb, "\\t");
            break;
        case '?':
            /* "??x" would be a trigraph under -std=c11. */
            sb_append(&sb, p[1] == '?' ? "?\\" : "?");
            break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                sb_appendf(&sb, "\\%03o", *p);
            else
                sb_putc(&sb, (char)*p);
        }
    }
    sb_putc(&sb, '"');
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *esc_c_comment(arena *a, const char *s) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = s; *p; p++) {
        sb_putc(&sb, *p);
        if (p[0] == '*' && p[1] == '/') sb_putc(&sb, ' ');
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}
