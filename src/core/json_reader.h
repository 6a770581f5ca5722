/*
 * A strict JSON reader that builds nothing: the client applies a download's rows, hundreds
 * of thousands of them, straight from their text, where a tree of each would cost more
 * than applying it. Strings without escapes are returned in place.
 *
 * Reading is in document order: begin an object or array, step through its members, read
 * scalars, skip what is not needed. After any failure every call fails, and `error` and the
 * byte offset say what and where.
 */
#ifndef SYNCSPEC_RUNTIME_JSON_READER_H
#define SYNCSPEC_RUNTIME_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "syncspec/value.h"

typedef struct json_reader {
    const char *start, *p, *end;
    const char *error; /* NULL, or what is wrong at p */
    bool allow_nul;    /* accept \u0000 in strings, as jansson's JSON_ALLOW_NUL */
} json_reader;

typedef enum json_scalar_kind {
    JSON_SCALAR_NULL = 0,
    JSON_SCALAR_TRUE,
    JSON_SCALAR_FALSE,
    JSON_SCALAR_INTEGER,
    JSON_SCALAR_REAL,
    JSON_SCALAR_STRING
} json_scalar_kind;

typedef struct json_scalar {
    json_scalar_kind kind;
    /* Strings: the value, not NUL-terminated; in the input, or in the scratch buffer when
     * it had escapes (then valid until the next read into that buffer). */
    const char *text;
    size_t length;
    bool in_scratch;
    int64_t integer;
    double real;
} json_scalar;

void json_reader_init(json_reader *r, const char *text, size_t n);
/* Records the first failure; returns false. */
bool json_reader_fail(json_reader *r, const char *what);
/* Byte offset of the reader (of the failure, after one). */
size_t json_reader_offset(const json_reader *r);
/* The next significant character, or 0 at the end. */
char json_reader_peek(json_reader *r);
/* Continues reading at `offset` (one returned by json_reader_offset before a value). */
void json_reader_seek(json_reader *r, size_t offset);

bool json_reader_object_begin(json_reader *r);
bool json_reader_array_begin(json_reader *r);
/*
 * Steps to member *index (0 first) of the object or array begun last: true when there is
 * one (for an object, with its key read into `key` and the ':' consumed, so the value comes
 * next), false at its end or on failure. The caller increments *index after each member.
 */
bool json_reader_object_next(json_reader *r, size_t *index, json_scalar *key,
                             syncspec_buffer *scratch);
bool json_reader_array_next(json_reader *r, size_t *index);

/* Reads a string, number, true, false or null; an array or object fails. */
bool json_reader_scalar(json_reader *r, json_scalar *out, syncspec_buffer *scratch);
/* Skips one value of any kind, checking only its structure (numbers by their grammar, not
 * their range). */
bool json_reader_skip(json_reader *r);
/* After the document: only whitespace may remain. */
bool json_reader_end(json_reader *r);

/* Whether a string scalar equals `s`. */
static inline bool json_scalar_is(const json_scalar *v, const char *s) {
    /* Inline: with a literal, the length and the comparison fold into a few instructions,
     * and a download compares keys millions of times. */
    return v->kind == JSON_SCALAR_STRING && v->length == strlen(s) &&
           memcmp(v->text, s, v->length) == 0;
}

#endif
