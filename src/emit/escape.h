/*
 * Escaping for every target language, so templates can insert context values verbatim.
 * Each returns a new string in `a`; none fails. Input is NUL-terminated UTF-8.
 */
#ifndef SYNCSPEC_EMIT_ESCAPE_H
#define SYNCSPEC_EMIT_ESCAPE_H

#include "util/arena.h"

/* "name", with embedded double quotes doubled: every generated SQL identifier is quoted. */
const char *esc_sql_ident(arena *a, const char *s);
/* 'text', with single quotes doubled: standard SQL, as SQLite reads it and PostgreSQL does
 * under standard_conforming_strings (its default). */
const char *esc_sql_literal(arena *a, const char *s);
/* A PostgreSQL string literal that means the same under either standard_conforming_strings
 * setting: 'text' as esc_sql_literal, or E'text' with backslashes doubled when `s` holds
 * a backslash. */
const char *esc_pg_literal(arena *a, const char *s);
/* A C string literal with quotes: escapes, octal for control and non-ASCII bytes, and
 * no trigraph can form. */
const char *esc_c_string(arena *a, const char *s);
/* Text safe inside a C block comment: no star-slash ends it, no slash-star nests a
 * comment (-Wcomment), no trigraph forms. */
const char *esc_c_comment(arena *a, const char *s);
/* 'text' as a YAML single-quoted scalar, single quotes doubled (for text with no line
 * breaks or control characters; esc_yaml_scalar takes anything). */
const char *esc_yaml_single(arena *a, const char *s);
/* A quoted YAML scalar that reads back as exactly `s`: single-quoted when that suffices,
 * else double-quoted with escapes for line breaks, control characters, quotes and
 * backslashes. */
const char *esc_yaml_scalar(arena *a, const char *s);
/* 'text' as a TypeScript (JavaScript) string literal: quotes, backslashes, line breaks
 * (U+2028 and U+2029 too) and control characters escaped, so it reads back as `s`. */
const char *esc_ts_string(arena *a, const char *s);
/* "text" as a JSON string: the same escapes with double quotes. */
const char *esc_json_string(arena *a, const char *s);
/* Text for the inside of a TypeScript template literal (Drizzle's sql`...`): backslashes,
 * backticks and "${" escaped. */
const char *esc_ts_template(arena *a, const char *s);
/* A spec name (lower case, digits, '_') as a TypeScript binding name: `name`, or `name_`
 * when it is a reserved word or a name the generated TypeScript itself imports or
 * declares (text, index, sql, ...). Spec names never end with '_' in camelCase, so the
 * escaped name cannot be another table's. */
const char *esc_ts_ident(arena *a, const char *name);

#endif
