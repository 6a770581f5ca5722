/*
 * Values on the wire and in the spec: timestamps, reals, UUIDs, UTF-8 and canonical JSON.
 * None of these allocate except through a caller's syncspec_buffer.
 */
#ifndef SYNCSPEC_VALUE_H
#define SYNCSPEC_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncspec/export.h"

/* A growable byte buffer, always NUL-terminated once written. Zero-initialize it; the
 * caller owns `data` and frees it with syncspec_buffer_free (NULL-safe). */
typedef struct syncspec_buffer {
    char *data;
    size_t len, cap;
} syncspec_buffer;

/* Appends n bytes; returns 0, or -1 when memory is exhausted (the buffer is unchanged). */
SYNCSPEC_API int syncspec_buffer_append(syncspec_buffer *buffer, const char *bytes, size_t n);
SYNCSPEC_API void syncspec_buffer_free(syncspec_buffer *buffer);

enum { SYNCSPEC_TIMESTAMP_SIZE = 32, SYNCSPEC_REAL_SIZE = 32 };

/*
 * ISO 8601: YYYY-MM-DD, optionally followed by 'T' or ' ', HH:MM:SS, a fraction of 1–9
 * digits (truncated to milliseconds) and Z, ±hh:mm, ±hhmm or nothing (UTC). Impossible
 * dates (2025-02-30, hour 24) are rejected. Returns 0 with milliseconds since the Unix
 * epoch, or -1.
 */
SYNCSPEC_API int syncspec_timestamp_parse(int64_t *ms, const char *text);
/* The canonical form YYYY-MM-DDTHH:MM:SS.sssZ. Returns 0, or -1 outside years 0001–9999. */
SYNCSPEC_API int syncspec_timestamp_format(char buf[SYNCSPEC_TIMESTAMP_SIZE], int64_t ms);
/* The shortest text that reads back as exactly v, spelled as JavaScript spells numbers
 * ("0.1", "1000", "1e+21"). v must be finite. */
SYNCSPEC_API void syncspec_format_real(char buf[SYNCSPEC_REAL_SIZE], double v);
/* 8-4-4-4-12 lowercase hexadecimal digits, any version (one UUID, one spelling). */
SYNCSPEC_API bool syncspec_is_uuid(const char *text);
/* Well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
SYNCSPEC_API bool syncspec_utf8_valid(const char *bytes, size_t n);
/* Characters (code points) in valid UTF-8. */
SYNCSPEC_API size_t syncspec_utf8_length(const char *bytes, size_t n);

#endif
