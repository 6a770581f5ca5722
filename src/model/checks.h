/*
 * The kinds of CHECK constraint a column gets in PostgreSQL, as one table: the name each
 * constraint carries, the operator the emitters write, and the operator PostgreSQL prints
 * back (pg_get_constraintdef), which the checker compares with. Adding a kind is adding an
 * enum value and one row in checks.c (and the rule that says which columns get it, in
 * emit/types.c).
 */
#ifndef SYNCSPEC_MODEL_CHECKS_H
#define SYNCSPEC_MODEL_CHECKS_H

#include <stdbool.h>

typedef enum model_check_kind {
    MODEL_CHECK_ENUM = 0, /* the value is one of the column's enum values */
    MODEL_CHECK_MIN,
    MODEL_CHECK_MAX,
    MODEL_CHECK_LENGTH, /* max_length, in characters */
    MODEL_CHECK_FORMAT, /* ids are lowercase UUIDs when id_format is uuid */
} model_check_kind;

enum { MODEL_CHECK_COUNT = MODEL_CHECK_FORMAT + 1 };

typedef struct model_check {
    const char *name;    /* "min": ends the constraint's name (ck_<table>_<column>_min) */
    const char *key;     /* "min_check": the key templates test for this kind */
    const char *emitted; /* the operator the emitters write: "IN" */
    const char *printed; /* the operator PostgreSQL prints back: "=" (= ANY (ARRAY[...])) */
    bool of_length;      /* compares char_length(column), not the column itself */
} model_check;

/* The row of `kind`. Static storage. */
const model_check *model_check_of(model_check_kind kind);

#endif
