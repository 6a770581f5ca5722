/*
 * Spec values: YAML scalars (and, for json, whole YAML trees) turned into the canonical text
 * the model stores for defaults and enum values, plus the number, timestamp and UUID
 * grammars they follow.
 */
#ifndef SYNCSPEC_SPEC_VALUES_H
#define SYNCSPEC_SPEC_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/yaml_tree.h"
#include "syncspec.h"
#include "util/arena.h"

/*
 * The canonical text of `n` as a value of a column of `type` (see model.h), allocated in
 * `a`. On failure returns NULL and sets *error to a message (in `a`) saying why. `n` must
 * not be null: callers decide what null means.
 */
const char *spec_value_canonical(arena *a, const ynode *n, syncspec_type type,
                                 syncspec_id_format id_format, const char **error);

/* How `n` reads in a message: "'maybe'", "the string '5'", "a mapping", "null". */
const char *spec_describe_node(arena *a, const ynode *n);

/* Decimal integer with optional sign. Returns 0, -1 when not one, -2 when out of range. */
int spec_parse_int64(int64_t *out, const char *s);

/* A YAML int or float's value. Returns 0, or -1 for .inf, .nan and overflow. */
int spec_parse_real(double *out, const char *s);

/*
 * The shortest text that reads back as exactly `v`, spelled as JavaScript spells numbers:
 * "0.1", "1000", "0.000001", "1e+21", "1.5e-7". Finite values only.
 */
void spec_format_real(char buf[32], double v);

/*
 * ISO 8601: YYYY-MM-DD, optionally followed by 'T' or ' ', HH:MM:SS, a fraction of 1–9
 * digits (truncated to milliseconds) and Z, ±hh:mm or ±hhmm (none means UTC). Returns 0
 * with milliseconds since the epoch, or -1.
 */
int spec_parse_timestamp(int64_t *ms, const char *s);

/* YYYY-MM-DDTHH:MM:SS.sssZ; `ms` must be within years 0001–9999. */
void spec_format_timestamp(char buf[32], int64_t ms);

/* 8-4-4-4-12 hexadecimal digits, either case. */
bool spec_is_uuid(const char *s);

/* Length in characters (code points) of valid UTF-8. */
size_t spec_utf8_length(const char *s);

#endif
