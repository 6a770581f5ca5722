/*
 * Rows of generated row structs, addressed through the table descriptors: their canonical
 * text, PostgreSQL text-format parameters, JSON, and SQLite bindings.
 */
#ifndef SYNCSPEC_ROW_H
#define SYNCSPEC_ROW_H

#include <jansson.h>

#include "syncspec/model.h"
#include "syncspec/value.h"

struct sqlite3_stmt;

/* Whether a column of a row is absent, null or set. */
syncspec_state syncspec_row_state(const syncspec_column *column, const void *row);

/*
 * The canonical text of a set value: integers in decimal, reals in shortest form, booleans
 * "true"/"false", timestamps YYYY-MM-DDTHH:MM:SS.sssZ, text and json as stored. NULL when
 * the value is null or absent. The result is `buf` or borrowed from the row.
 */
const char *syncspec_row_text(char buf[SYNCSPEC_TIMESTAMP_SIZE], const syncspec_column *column,
                              const void *row);

/*
 * PostgreSQL text-format parameters for PQexecParams, one per column in descriptor order
 * (values[i] is NULL for a null or absent column). `scratch` has one slot per column.
 * Returns the number of parameters (table->column_count).
 */
int syncspec_row_pg_params(const char **values, char (*scratch)[SYNCSPEC_TIMESTAMP_SIZE],
                           const syncspec_table *table, const void *row);

/* The set and null columns as a JSON object in the client's shape (timestamps as canonical
 * text, booleans as 0/1, json columns as JSON text); a new reference, NULL on exhausted
 * memory. */
json_t *syncspec_row_to_json(const syncspec_table *table, const void *row);

/* Binds every column to parameters 1..column_count (null and absent as NULL, booleans as
 * 0/1, timestamps as canonical text). Returns SQLITE_OK or an SQLite error code. */
int syncspec_row_bind_sqlite(struct sqlite3_stmt *statement, const syncspec_table *table,
                             const void *row);

#endif
