/* Shared by the client store, the server upload apply and the PowerSync protocol. */
#ifndef SYNCSPEC_RUNTIME_SYNC_INTERNAL_H
#define SYNCSPEC_RUNTIME_SYNC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "syncspec.h"

/* Fills `error` (may be NULL) and returns `code`. */
int sync_error(syncspec_error *error, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes room for `n` more bytes and a terminating NUL; 0, or -1 when memory is exhausted. */
int sync_reserve(syncspec_buffer *b, size_t n);
/* Appends to a syncspec_buffer; each returns 0 or -1 when memory is exhausted. */
int sync_puts(syncspec_buffer *b, const char *s);
int sync_printf(syncspec_buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal of s with its quotes; bytes that are not UTF-8 become \u0000. */
int sync_json_string(syncspec_buffer *b, const char *s, size_t n);
/* "name", with embedded double quotes doubled. */
int sync_ident(syncspec_buffer *b, const char *name);
/* "schema"."name" */
int sync_qualified(syncspec_buffer *b, const char *schema, const char *name);

/* The MD5 digest of `n` bytes: an uploaded transaction's text is recorded by it. */
void sync_md5(unsigned char digest[16], const void *data, size_t n);

#endif
