/* A growable byte buffer, always NUL-terminated. */
#ifndef SYNCSPEC_UTIL_STRBUF_H
#define SYNCSPEC_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct strbuf {
    char *data; /* NULL until the first append; owned by the strbuf */
    size_t len, cap;
} strbuf;

#define STRBUF_INIT                                                                                \
    { NULL, 0, 0 }

/* Makes room for `extra` more bytes and the NUL (sb_append_n's rare case). */
void sb_grow(strbuf *sb, size_t extra);

/* Appending is inline: it is what rendering does most, and a call each time costs more
 * than the copy of a short piece of text. */
static inline void sb_append_n(strbuf *sb, const char *s, size_t n) {
    if (sb->cap - sb->len <= n) sb_grow(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}
static inline void sb_append(strbuf *sb, const char *s) { sb_append_n(sb, s, strlen(s)); }
static inline void sb_putc(strbuf *sb, char c) { sb_append_n(sb, &c, 1); }
void sb_appendf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vappendf(strbuf *sb, const char *fmt, va_list ap);
/* Never NULL: "" for an empty buffer. */
const char *sb_str(const strbuf *sb);
void sb_reset(strbuf *sb);
/* Frees the data; the buffer is then empty and reusable. */
void sb_free(strbuf *sb);
/* Hands the data to the caller (free() it); the buffer is then empty. */
char *sb_steal(strbuf *sb);

#endif
