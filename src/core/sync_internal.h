/* Shared by the client store, the server upload apply and the change feed. */
#ifndef SYNCSPEC_RUNTIME_SYNC_INTERNAL_H
#define SYNCSPEC_RUNTIME_SYNC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "syncspec.h"

/* Fills `error` (may be NULL) and returns `code`. */
int sync_error(syncspec_sync_error *error, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to a syncspec_buffer; each returns 0 or -1 when memory is exhausted. */
int sync_puts(syncspec_buffer *b, const char *s);
int sync_printf(syncspec_buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal of s with its quotes; bytes that are not UTF-8 become \u0000. */
int sync_json_string(syncspec_buffer *b, const char *s, size_t n);
/* "name", with embedded double quotes doubled. */
int sync_ident(syncspec_buffer *b, const char *name);
/* "schema"."name" */
int sync_qualified(syncspec_buffer *b, const char *schema, const char *name);

/*
 * The checksum of a set of rows: the sum, modulo 2^64, of the first 8 bytes (big-endian) of
 * the MD5 of each row's text. The row text is the table name, then for every column in
 * model order a 0x1f byte and either "-" (null) or "<byte length>:<canonical text>".
 * PostgreSQL computes the same sum in SQL (feed.c), so the two sides can be compared
 * without shipping rows.
 */
void sync_md5(unsigned char digest[16], const void *data, size_t n);
uint64_t sync_row_hash(const char *text, size_t n);
/* The column-value part of a row text. */
int sync_row_text_value(syncspec_buffer *b, const char *text, size_t n);
int sync_row_text_null(syncspec_buffer *b);
/* The canonical checksum text of a real: its IEEE 754 bits, big-endian hex, -0 as 0. */
void sync_real_hex(char out[17], double v);

#endif
