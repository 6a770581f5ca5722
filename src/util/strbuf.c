#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_grow(strbuf *sb, size_t extra) {
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap - sb->len <= extra) cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) {
        fputs("syncspec: out of memory\n", stderr);
        abort();
    }
    sb->data = p;
    sb->cap = cap;
}

void sb_vappendf(strbuf *sb, const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n <= 0) return;
    if (sb->cap - sb->len <= (size_t)n) sb_grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_appendf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vappendf(sb, fmt, ap);
    va_end(ap);
}

const char *sb_str(const strbuf *sb) { return sb->data ? sb->data : ""; }

void sb_reset(strbuf *sb) {
    sb->len = 0;
    if (sb->data) sb->data[0] = '\0';
}

void sb_free(strbuf *sb) {
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

char *sb_steal(strbuf *sb) {
    char *p = sb->data;
    if (!p) {
        p = malloc(1);
        if (p) p[0] = '\0';
    }
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return p;
}
