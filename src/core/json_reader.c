/* The JSON reader of json_reader.h: RFC 8259, strict (no trailing commas, no comments, no
 * lone surrogates, no NUL characters, well-formed UTF-8), recursion-free. */
#include "core/json_reader.h"
#include "core/c_numbers.h"
#include "core/sync_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Containers nest at most this deep in what json_reader_skip accepts. */
enum { MAX_DEPTH = 2048 }; /* jansson's JSON_PARSER_MAX_DEPTH */

void json_reader_init(json_reader *r, const char *text, size_t n) {
    *r = (json_reader){.start = text, .p = text, .end = text + n};
}

bool json_reader_fail(json_reader *r, const char *what) {
    if (!r->error) r->error = what;
    return false;
}

size_t json_reader_offset(const json_reader *r) { return (size_t)(r->p - r->start); }

void json_reader_seek(json_reader *r, size_t offset) {
    if (!r->error) r->p = r->start + offset;
}

char json_reader_peek(json_reader *r) {
    if (r->error) return 0;
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
    return r->p < r->end ? *r->p : 0;
}

static bool expect(json_reader *r, char c, const char *what) {
    if (json_reader_peek(r) != c) return json_reader_fail(r, what);
    r->p++;
    return true;
}

bool json_reader_object_begin(json_reader *r) { return expect(r, '{', "expected an object"); }
bool json_reader_array_begin(json_reader *r) { return expect(r, '[', "expected an array"); }

/* The shared step of object_next and array_next: true before a member. */
static bool next_member(json_reader *r, size_t index, char close) {
    char c = json_reader_peek(r);
    if (c == close) {
        /* "[" "]" or a member then "]"; never "," "]". */
        r->p++;
        return false;
    }
    if (index > 0) {
        if (c != ',') return json_reader_fail(r, "expected ',' or the end of a list");
        r->p++;
        if (json_reader_peek(r) == close) return json_reader_fail(r, "a trailing ','");
    }
    return !r->error && r->p < r->end ? true : json_reader_fail(r, "unexpected end of input");
}

bool json_reader_object_next(json_reader *r, size_t *index, json_scalar *key,
                             syncspec_buffer *scratch) {
    if (!next_member(r, *index, '}')) return false;
    if (json_reader_peek(r) != '"') return json_reader_fail(r, "expected a key");
    if (!json_reader_scalar(r, key, scratch)) return false;
    /* Never in a key, allow_nul or not: jansson refuses it there, and the text read here is
     * what jansson parses next (an upload's transactions). Only an escape can spell it. */
    if (key->in_scratch && memchr(key->text, '\0', key->length))
        return json_reader_fail(r, "a NUL character in a key");
    return expect(r, ':', "expected ':'");
}

bool json_reader_array_next(json_reader *r, size_t *index) { return next_member(r, *index, ']'); }

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static int append_utf8(syncspec_buffer *b, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return syncspec_buffer_append(b, u, n);
}

/* What each one-letter escape stands for (after the backslash); 0: not one. */
static const char escaped_byte[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                       ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};

/* One escape after the backslash at r->p, appended to `b` (only checked when b is NULL). */
static bool read_escape(json_reader *r, syncspec_buffer *b) {
    const char *p = r->p + 1;
    if (p >= r->end) return json_reader_fail(r, "unexpected end of input");
    char one = escaped_byte[(unsigned char)*p];
    if (one) {
        r->p = p + 1;
        if (!b) return true;
        if (b->cap - b->len > 1) { /* room for the byte and the terminating NUL */
            b->data[b->len++] = one;
            b->data[b->len] = '\0';
            return true;
        }
        return syncspec_buffer_append(b, &one, 1) == 0 || json_reader_fail(r, "out of memory");
    }
    if (*p != 'u' || r->end - p < 5) return json_reader_fail(r, "a bad escape");
    int cp = hex4(p + 1);
    p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return json_reader_fail(r, "a lone surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int low = r->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
        if (low < 0xDC00 || low > 0xDFFF) return json_reader_fail(r, "a lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
    }
    if (cp < 0) return json_reader_fail(r, "a bad escape");
    if (cp == 0 && !r->allow_nul) return json_reader_fail(r, "a NUL character in a string");
    r->p = p;
    return !b || append_utf8(b, (unsigned)cp) == 0 || json_reader_fail(r, "out of memory");
}

/*
 * The first byte at or after p that ends a run of plain string text: a quote, a backslash,
 * a control character, or a byte of 0x80 and above (then UTF-8 to check), or `end`. Eight
 * bytes at a time: the text of a download is mostly such runs, tens of megabytes of them.
 */
static const char *plain_run_end(const char *p, const char *end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
        /* A byte is zero in x when (x - 1) borrows into its high bit while x's is clear;
         * bytes below 0x20 show the same way in w - 0x20; high bytes are w's own high bits.
         * A borrow can mark bytes above a stop too, never below: the lowest mark is exact. */
        uint64_t stop = (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                         ((w - ones * 0x20) & ~w) | w) &
                        highs;
        if (stop) return p + __builtin_ctzll(stop) / 8;
        p += 8;
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
           (unsigned char)*p < 0x80)
        p++;
    return p;
}

/*
 * The string at the reader into `out`, its escapes decoded into `scratch` (a string with
 * escapes fails without one). When `check_only`, escapes are checked, nothing is copied and
 * `out` is left as it was: how a string is skipped.
 */
static bool read_string(json_reader *r, json_scalar *out, syncspec_buffer *scratch,
                        bool check_only) {
    const char *run = ++r->p; /* after the quote */
    bool high = false, escaped = false;
    if (scratch) scratch->len = 0;
    for (;;) {
        const char *p = r->p;
        for (;;) {
            p = plain_run_end(p, r->end);
            if (p >= r->end || (unsigned char)*p < 0x80) break;
            high = true;
            p++;
        }
        r->p = p;
        if (p >= r->end) return json_reader_fail(r, "an unterminated string");
        if ((unsigned char)*p < 0x20) return json_reader_fail(r, "a control character in a string");
        if (high && !syncspec_utf8_valid(run, (size_t)(p - run)))
            return json_reader_fail(r, "a string that is not UTF-8");
        high = false;
        if (*p == '"') break;
        if (check_only) {
            if (!read_escape(r, NULL)) return false;
            run = r->p;
            continue;
        }
        /* An escape: from here the value is assembled in scratch, the run before the
         * escape and what it decodes to (at most 4 bytes) in one reservation: a row sent
         * as a string escapes every quote in it. */
        if (!scratch) return json_reader_fail(r, "an escape where none is expected");
        size_t n = (size_t)(p - run);
        if (sync_reserve(scratch, n + 4)) return json_reader_fail(r, "out of memory");
        memcpy(scratch->data + scratch->len, run, n);
        scratch->len += n;
        if (!read_escape(r, scratch)) return false;
        escaped = true;
        run = r->p;
    }
    if (check_only) {
        r->p++;
        return true;
    }
    if (escaped && syncspec_buffer_append(scratch, run, (size_t)(r->p - run)))
        return json_reader_fail(r, "out of memory");
    out->kind = JSON_SCALAR_STRING;
    out->in_scratch = escaped;
    out->text = escaped ? scratch->data : run;
    out->length = escaped ? scratch->len : (size_t)(r->p - run);
    r->p++; /* the closing quote */
    return true;
}

static bool is_digit(const json_reader *r, const char *p) {
    return p < r->end && *p >= '0' && *p <= '9';
}

/* The end of the number at r->p by JSON's grammar, or NULL after a failure. */
static const char *scan_number(json_reader *r, bool *integer) {
    const char *p = r->p;
    *integer = true;
    if (*p == '-') p++;
    if (!is_digit(r, p)) return json_reader_fail(r, "an unexpected character"), NULL;
    if (*p == '0') {
        p++;
    } else {
        while (is_digit(r, p)) p++;
    }
    if (p < r->end && *p == '.') {
        *integer = false;
        if (!is_digit(r, ++p)) return json_reader_fail(r, "a bad number"), NULL;
        while (is_digit(r, p)) p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        *integer = false;
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (!is_digit(r, p)) return json_reader_fail(r, "a bad number"), NULL;
        while (is_digit(r, p)) p++;
    }
    return p;
}

static bool read_number(json_reader *r, json_scalar *out) {
    const char *begin = r->p;
    bool integer;
    const char *p = scan_number(r, &integer);
    if (!p) return false;
    /* strtoll and strtod read up to a NUL, which the text need not have after the number:
     * they get a terminated copy of what the grammar above accepted. */
    size_t n = (size_t)(p - begin);
    char small[64], *copy = n < sizeof small ? small : malloc(n + 1);
    if (!copy) return json_reader_fail(r, "out of memory");
    memcpy(copy, begin, n);
    copy[n] = '\0';
    char *stop;
    errno = 0;
    if (integer) {
        out->kind = JSON_SCALAR_INTEGER;
        out->integer = strtoll(copy, &stop, 10);
    } else {
        out->kind = JSON_SCALAR_REAL;
        out->real = c_strtod(copy, &stop);
    }
    bool whole = stop == copy + n;
    int range = errno;
    if (copy != small) free(copy);
    if (!whole) return json_reader_fail(r, "a bad number");
    /* As jansson: integers past 64 bits and reals past double fail; tiny reals become 0. */
    if (range == ERANGE && (integer || out->real == HUGE_VAL || out->real == -HUGE_VAL))
        return json_reader_fail(r, "a number out of range");
    r->p = p;
    return true;
}

static bool read_word(json_reader *r, const char *word, json_scalar_kind kind, json_scalar *out) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return json_reader_fail(r, "an unexpected character");
    r->p += n;
    out->kind = kind;
    return true;
}

bool json_reader_scalar(json_reader *r, json_scalar *out, syncspec_buffer *scratch) {
    switch (json_reader_peek(r)) {
    case '"':
        return read_string(r, out, scratch, false);
    case 't':
        return read_word(r, "true", JSON_SCALAR_TRUE, out);
    case 'f':
        return read_word(r, "false", JSON_SCALAR_FALSE, out);
    case 'n':
        return read_word(r, "null", JSON_SCALAR_NULL, out);
    case '[':
    case '{':
        return json_reader_fail(r, "expected a scalar value");
    case 0:
        return json_reader_fail(r, "unexpected end of input");
    default:
        return read_number(r, out);
    }
}

bool json_reader_skip(json_reader *r) {
    /* What each open container is: '}' or ']'; and how many members it has had. */
    char closers[MAX_DEPTH];
    size_t counts[MAX_DEPTH];
    int depth = 0;
    syncspec_buffer scratch = {0};
    bool ok = true;
    json_scalar v;
    do {
        if (depth > 0) {
            size_t *n = &counts[depth - 1];
            bool member = closers[depth - 1] == '}' ? json_reader_object_next(r, n, &v, &scratch)
                                                    : json_reader_array_next(r, n);
            if (!member) {
                depth--;
                continue;
            }
            (*n)++;
        }
        char c = json_reader_peek(r);
        if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH) {
                ok = json_reader_fail(r, "nested too deeply");
                break;
            }
            r->p++;
            closers[depth] = c == '{' ? '}' : ']';
            counts[depth++] = 0;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            /* Structure only: a number out of range is the reader of the value's concern. */
            bool integer;
            const char *end = scan_number(r, &integer);
            if (!end) break;
            r->p = end;
        } else if (c == '"') {
            if (!read_string(r, &v, NULL, true)) break;
        } else if (!json_reader_scalar(r, &v, &scratch)) {
            break;
        }
    } while (depth > 0 && !r->error);
    syncspec_buffer_free(&scratch);
    return ok && !r->error;
}

bool json_reader_end(json_reader *r) {
    return json_reader_peek(r) == 0 && r->p == r->end ? true
                                                      : json_reader_fail(r, "text after the end");
}
