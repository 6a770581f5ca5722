/* Escaping for every target language, so templates can insert context values verbatim. */
#ifndef SYNCSPEC_EMIT_ESCAPE_H
#define SYNCSPEC_EMIT_ESCAPE_H

#include "util/arena.h"

/* "name", with embedded double quotes doubled: every generated SQL identifier is quoted. */
const char *esc_sql_ident(arena *a, const char *s);
/* 'text', with single quotes doubled (standard_conforming_strings, the default). */
const char *esc_sql_literal(arena *a, const char *s);
/* A C string literal with quotes: escapes, octal for control and non-ASCII bytes, and
 * no trigraph can form. */
const char *esc_c_string(arena *a, const char *s);
/* Text safe inside a C block comment: any star-slash is broken up. */
const char *esc_c_comment(arena *a, const char *s);
/* 'text' as a YAML single-quoted scalar, single quotes doubled. */
const char *esc_yaml_single(arena *a, const char *s);

#endif
