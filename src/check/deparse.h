/*
 * PostgreSQL's own text for what postgres.sql creates, so that the checker can compare
 * definitions with pg_get_constraintdef() and the like.
 */
#ifndef SYNCSPEC_CHECK_DEPARSE_H
#define SYNCSPEC_CHECK_DEPARSE_H

#include "model/checks.h"
#include "syncspec.h"
#include "util/arena.h"

/* An identifier as PostgreSQL prints it: quoted only when it is not lower-case letters,
 * digits and underscores, or is a keyword other than an unreserved one. Allocated in a
 * (or `name` itself). */
const char *deparse_ident(arena *a, const char *name);

/* The generated CHECK of this kind ("enum", "min", "max", "length", "format") on the
 * column, as pg_get_constraintdef() prints it: "CHECK ((char_length(name) <= 200))".
 * Allocated in a; NULL for a kind and type whose form is not known (not compared then). */
const char *deparse_check(arena *a, const syncspec_column *column, model_check_kind kind);

#endif
