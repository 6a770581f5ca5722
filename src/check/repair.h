/*
 * Repair statements come from the same templates as the generated files: the table's SQL
 * is rendered for the spec, and the piece a finding needs (the whole table, one column's
 * definition, one index) is taken from it. No SQL is written twice.
 */
#ifndef SYNCSPEC_CHECK_REPAIR_H
#define SYNCSPEC_CHECK_REPAIR_H

#include "syncspec.h"
#include "util/arena.h"

/* The table's statements for "sqlite" or "postgres", without comment lines; NULL on error. */
const char *repair_table_sql(arena *a, const syncspec_schema *schema, const syncspec_table *table,
                             const char *target);
/* One column's definition in the table's CREATE TABLE (constraints included, trailing comma
 * and comment removed), e.g. "\"title\" TEXT NOT NULL"; NULL when not found. */
const char *repair_column_definition(arena *a, const char *table_sql, const char *column);
/* The CREATE [UNIQUE] INDEX statement for an index, from the table's SQL; NULL if none. */
const char *repair_index_statement(arena *a, const char *table_sql, const char *index);
/* The idempotent block of postgres.sql that creates or sets the publication; NULL on error. */
const char *repair_publication_sql(arena *a, const syncspec_schema *schema);
/* "CONSTRAINT "name" CHECK (...)" for a named check, from a column definition; NULL if none. */
const char *repair_check_clause(arena *a, const char *definition, const char *name);

/* A comment block: "-- " before each line of the text. */
const char *repair_comment(arena *a, const char *text);

#endif
