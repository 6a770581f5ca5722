#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sync_internal.h"

int sync_error(syncspec_error *error, int code, const char *fmt, ...) {
    if (error) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, ap);
        va_end(ap);
        error->code = code;
    }
    return code;
}

int sync_puts(syncspec_buffer *b, const char *s) { return syncspec_buffer_append(b, s, strlen(s)); }

int sync_printf(syncspec_buffer *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof small) return syncspec_buffer_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = syncspec_buffer_append(b, big, (size_t)n);
    free(big);
    return rc;
}

/* The length of the well-formed UTF-8 sequence at s[0] (lead byte >= 0x80), or 0. */
static size_t utf8_sequence(const char *s, size_t left) {
    unsigned char c = (unsigned char)*s;
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    return n && n <= left && syncspec_utf8_valid(s, n) ? n : 0;
}

/* Bytes that are not UTF-8 cannot travel in JSON: each is written as \u0000, which the
 * server's sanitizer refuses (an id that is not UTF-8 gets its op rejected, not the upload). */
static const char not_utf8[] = "\\u0000";

int sync_json_string(syncspec_buffer *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (syncspec_buffer_append(b, "\"", 1)) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t len = utf8_sequence(s + i, n - i);
            if (len) {
                i += len - 1;
                continue;
            }
            if (syncspec_buffer_append(b, s + run, i - run) || sync_puts(b, not_utf8)) return -1;
            run = i + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (syncspec_buffer_append(b, s + run, i - run)) return -1;
        char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
        const char *e = esc;
        if (c == '"')
            e = "\\\"";
        else if (c == '\\')
            e = "\\\\";
        else if (c == '\n')
            e = "\\n";
        else if (c == '\t')
            e = "\\t";
        else if (c == '\r')
            e = "\\r";
        if (sync_puts(b, e)) return -1;
        run = i + 1;
    }
    if (syncspec_buffer_append(b, s + run, n - run)) return -1;
    return syncspec_buffer_append(b, "\"", 1);
}

int sync_ident(syncspec_buffer *b, const char *name) {
    if (syncspec_buffer_append(b, "\"", 1)) return -1;
    for (const char *p = name; *p; p++)
        if (syncspec_buffer_append(b, p, 1) || (*p == '"' && syncspec_buffer_append(b, "\"", 1)))
            return -1;
    return syncspec_buffer_append(b, "\"", 1);
}

int sync_qualified(syncspec_buffer *b, const char *schema, const char *name) {
    return sync_ident(b, schema) || sync_puts(b, ".") || sync_ident(b, name) ? -1 : 0;
}

/* MD5 (RFC 1321): the digest of an uploaded transaction's text (server.c). */
typedef struct md5_state {
    uint32_t a, b, c, d;
} md5_state;

/* The four rounds unrolled, as RFC 1321 writes them: the compiler keeps every shift and
 * constant immediate, which the checksum of a whole store needs. */
#define MD5_F(x, y, z) ((x & y) | (~x & z))
#define MD5_G(x, y, z) ((x & z) | (y & ~z))
#define MD5_H(x, y, z) (x ^ y ^ z)
#define MD5_I(x, y, z) (y ^ (x | ~z))
#define MD5_STEP(f, a, b, c, d, x, s, k)                                                           \
    do {                                                                                           \
        a += f(b, c, d) + x + k;                                                                   \
        a = (a << s | a >> (32 - s)) + b;                                                          \
    } while (0)

static void md5_block(md5_state *st, const unsigned char *p) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = st->a, b = st->b, c = st->c, d = st->d;
    MD5_STEP(MD5_F, a, b, c, d, w[0], 7, 0xd76aa478);
    MD5_STEP(MD5_F, d, a, b, c, w[1], 12, 0xe8c7b756);
    MD5_STEP(MD5_F, c, d, a, b, w[2], 17, 0x242070db);
    MD5_STEP(MD5_F, b, c, d, a, w[3], 22, 0xc1bdceee);
    MD5_STEP(MD5_F, a, b, c, d, w[4], 7, 0xf57c0faf);
    MD5_STEP(MD5_F, d, a, b, c, w[5], 12, 0x4787c62a);
    MD5_STEP(MD5_F, c, d, a, b, w[6], 17, 0xa8304613);
    MD5_STEP(MD5_F, b, c, d, a, w[7], 22, 0xfd469501);
    MD5_STEP(MD5_F, a, b, c, d, w[8], 7, 0x698098d8);
    MD5_STEP(MD5_F, d, a, b, c, w[9], 12, 0x8b44f7af);
    MD5_STEP(MD5_F, c, d, a, b, w[10], 17, 0xffff5bb1);
    MD5_STEP(MD5_F, b, c, d, a, w[11], 22, 0x895cd7be);
    MD5_STEP(MD5_F, a, b, c, d, w[12], 7, 0x6b901122);
    MD5_STEP(MD5_F, d, a, b, c, w[13], 12, 0xfd987193);
    MD5_STEP(MD5_F, c, d, a, b, w[14], 17, 0xa679438e);
    MD5_STEP(MD5_F, b, c, d, a, w[15], 22, 0x49b40821);
    MD5_STEP(MD5_G, a, b, c, d, w[1], 5, 0xf61e2562);
    MD5_STEP(MD5_G, d, a, b, c, w[6], 9, 0xc040b340);
    MD5_STEP(MD5_G, c, d, a, b, w[11], 14, 0x265e5a51);
    MD5_STEP(MD5_G, b, c, d, a, w[0], 20, 0xe9b6c7aa);
    MD5_STEP(MD5_G, a, b, c, d, w[5], 5, 0xd62f105d);
    MD5_STEP(MD5_G, d, a, b, c, w[10], 9, 0x02441453);
    MD5_STEP(MD5_G, c, d, a, b, w[15], 14, 0xd8a1e681);
    MD5_STEP(MD5_G, b, c, d, a, w[4], 20, 0xe7d3fbc8);
    MD5_STEP(MD5_G, a, b, c, d, w[9], 5, 0x21e1cde6);
    MD5_STEP(MD5_G, d, a, b, c, w[14], 9, 0xc33707d6);
    MD5_STEP(MD5_G, c, d, a, b, w[3], 14, 0xf4d50d87);
    MD5_STEP(MD5_G, b, c, d, a, w[8], 20, 0x455a14ed);
    MD5_STEP(MD5_G, a, b, c, d, w[13], 5, 0xa9e3e905);
    MD5_STEP(MD5_G, d, a, b, c, w[2], 9, 0xfcefa3f8);
    MD5_STEP(MD5_G, c, d, a, b, w[7], 14, 0x676f02d9);
    MD5_STEP(MD5_G, b, c, d, a, w[12], 20, 0x8d2a4c8a);
    MD5_STEP(MD5_H, a, b, c, d, w[5], 4, 0xfffa3942);
    MD5_STEP(MD5_H, d, a, b, c, w[8], 11, 0x8771f681);
    MD5_STEP(MD5_H, c, d, a, b, w[11], 16, 0x6d9d6122);
    MD5_STEP(MD5_H, b, c, d, a, w[14], 23, 0xfde5380c);
    MD5_STEP(MD5_H, a, b, c, d, w[1], 4, 0xa4beea44);
    MD5_STEP(MD5_H, d, a, b, c, w[4], 11, 0x4bdecfa9);
    MD5_STEP(MD5_H, c, d, a, b, w[7], 16, 0xf6bb4b60);
    MD5_STEP(MD5_H, b, c, d, a, w[10], 23, 0xbebfbc70);
    MD5_STEP(MD5_H, a, b, c, d, w[13], 4, 0x289b7ec6);
    MD5_STEP(MD5_H, d, a, b, c, w[0], 11, 0xeaa127fa);
    MD5_STEP(MD5_H, c, d, a, b, w[3], 16, 0xd4ef3085);
    MD5_STEP(MD5_H, b, c, d, a, w[6], 23, 0x04881d05);
    MD5_STEP(MD5_H, a, b, c, d, w[9], 4, 0xd9d4d039);
    MD5_STEP(MD5_H, d, a, b, c, w[12], 11, 0xe6db99e5);
    MD5_STEP(MD5_H, c, d, a, b, w[15], 16, 0x1fa27cf8);
    MD5_STEP(MD5_H, b, c, d, a, w[2], 23, 0xc4ac5665);
    MD5_STEP(MD5_I, a, b, c, d, w[0], 6, 0xf4292244);
    MD5_STEP(MD5_I, d, a, b, c, w[7], 10, 0x432aff97);
    MD5_STEP(MD5_I, c, d, a, b, w[14], 15, 0xab9423a7);
    MD5_STEP(MD5_I, b, c, d, a, w[5], 21, 0xfc93a039);
    MD5_STEP(MD5_I, a, b, c, d, w[12], 6, 0x655b59c3);
    MD5_STEP(MD5_I, d, a, b, c, w[3], 10, 0x8f0ccc92);
    MD5_STEP(MD5_I, c, d, a, b, w[10], 15, 0xffeff47d);
    MD5_STEP(MD5_I, b, c, d, a, w[1], 21, 0x85845dd1);
    MD5_STEP(MD5_I, a, b, c, d, w[8], 6, 0x6fa87e4f);
    MD5_STEP(MD5_I, d, a, b, c, w[15], 10, 0xfe2ce6e0);
    MD5_STEP(MD5_I, c, d, a, b, w[6], 15, 0xa3014314);
    MD5_STEP(MD5_I, b, c, d, a, w[13], 21, 0x4e0811a1);
    MD5_STEP(MD5_I, a, b, c, d, w[4], 6, 0xf7537e82);
    MD5_STEP(MD5_I, d, a, b, c, w[11], 10, 0xbd3af235);
    MD5_STEP(MD5_I, c, d, a, b, w[2], 15, 0x2ad7d2bb);
    MD5_STEP(MD5_I, b, c, d, a, w[9], 21, 0xeb86d391);
    st->a += a;
    st->b += b;
    st->c += c;
    st->d += d;
}

void sync_md5(unsigned char digest[16], const void *data, size_t n) {
    md5_state st = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    const unsigned char *p = data;
    size_t left = n;
    for (; left >= 64; left -= 64, p += 64) md5_block(&st, p);
    unsigned char tail[128] = {0};
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t tail_len = left < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) tail[tail_len - 8 + i] = (unsigned char)(bits >> (8 * i));
    md5_block(&st, tail);
    if (tail_len == 128) md5_block(&st, tail + 64);
    uint32_t words[4] = {st.a, st.b, st.c, st.d};
    for (int i = 0; i < 16; i++) digest[i] = (unsigned char)(words[i / 4] >> (8 * (i % 4)));
}
