/*
 * The spec stage: YAML text → schema model, with every rule of the spec language checked
 * (the loader checks structure, validate/ checks meaning). All diagnostics are collected.
 */
#ifndef SYNCSPEC_SPEC_SPEC_H
#define SYNCSPEC_SPEC_SPEC_H

#include <stddef.h>

#include "syncspec.h"
#include "util/arena.h"
#include "util/diag.h"

/*
 * Loads and validates a spec. On success returns 0 and sets *out to a model allocated in
 * `a` (warnings may still be in `diags`). Returns -1 when the spec has errors (all of them
 * are in `diags`, positions 1-based, file named `path`) and -2 when the file cannot be read
 * (one diagnostic with code "io").
 */
int spec_load_file(const syncspec_schema **out, arena *a, const char *path, diag_list *diags);

/* The same over bytes in memory; `path` is only used in diagnostics and the banner. */
int spec_load_buffer(const syncspec_schema **out, arena *a, const char *path, const char *data,
                     size_t len, diag_list *diags);

#endif
