#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sync_internal.h"

int sync_error(syncspec_sync_error *error, int code, const char *fmt, ...) {
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

int sync_json_string(syncspec_buffer *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (syncspec_buffer_append(b, "\"", 1)) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
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

int sync_row_text_value(syncspec_buffer *b, const char *text, size_t n) {
    return sync_printf(b, "\x1f%zu:", n) || syncspec_buffer_append(b, text, n) ? -1 : 0;
}

int sync_row_text_null(syncspec_buffer *b) { return sync_puts(b, "\x1f-"); }

void sync_real_hex(char out[17], double v) {
    v += 0.0; /* -0 becomes +0: SQLite may store -0.0 as the integer 0 */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    snprintf(out, 17, "%016llx", (unsigned long long)bits);
}

uint64_t sync_row_hash(const char *text, size_t n) {
    unsigned char d[16];
    sync_md5(d, text, n);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++) h = h << 8 | d[i];
    return h;
}

/* MD5 (RFC 1321): PostgreSQL has md5() built in, so both sides can hash row texts alike. */
typedef struct md5_state {
    uint32_t a, b, c, d;
} md5_state;

static uint32_t rol(uint32_t x, int s) { return x << s | x >> (32 - s); }

static void md5_block(md5_state *st, const unsigned char *p) {
    static const uint32_t k[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391};
    static const int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = st->a, b = st->b, c = st->c, d = st->d;
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rol(a + f + k[i] + w[g], r[i]);
        a = t;
    }
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
