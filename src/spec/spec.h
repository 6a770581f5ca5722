/*
 * The spec stage: YAML text → schema model, with the structure of the spec checked (known
 * keys, the kind of every value, types, the version). The rules about meaning are
 * validate/'s; compile/ runs the two in turn. All diagnostics are collected.
 */
#ifndef SYNCSPEC_SPEC_SPEC_H
#define SYNCSPEC_SPEC_SPEC_H

#include <stddef.h>

#include "spec/source.h"
#include "syncspec.h"
#include "util/arena.h"
#include "util/diag.h"

/*
 * Loads a spec. Sets *out to the model and *src to where each part of it was written (both
 * allocated in `a`) whenever the YAML is a mapping, also when it has errors: the model then
 * has defaults where a value was wrong, so that validation can still report every rule.
 * Returns 0 when no error was found (warnings may be in `diags`), -1 when the spec has
 * errors (all in `diags`, positions 1-based, file named `path`; *out is NULL when the text
 * is no YAML mapping) and -2 when the file cannot be read (one diagnostic with code "io").
 */
int spec_load_file(const syncspec_schema **out, const spec_source **src, arena *a, const char *path,
                   diag_list *diags);

/* The same over bytes in memory; `path` is only used in diagnostics and the banner. */
int spec_load_buffer(const syncspec_schema **out, const spec_source **src, arena *a,
                     const char *path, const char *data, size_t len, diag_list *diags);

#endif
