/*
 * Values and rows as jansson values, for programs that use jansson themselves: the headers
 * a device includes (client.h) do not depend on it.
 */
#ifndef SYNCSPEC_JSON_H
#define SYNCSPEC_JSON_H

#include <jansson.h>

#include "syncspec/export.h"
#include "syncspec/model.h"
#include "syncspec/value.h"

/* Appends compact JSON with object keys sorted by bytes and reals in shortest form: one
 * text per value. Returns 0, or -1 for a non-finite number or exhausted memory. */
SYNCSPEC_API int syncspec_json_canonical(syncspec_buffer *out, const json_t *value);

/* The set and null columns as a JSON object in the client's shape (timestamps as canonical
 * text, booleans as 0/1, json columns as JSON text); a new reference, NULL on exhausted
 * memory. */
SYNCSPEC_API json_t *syncspec_row_to_json(const syncspec_table *table, const void *row);

#endif
