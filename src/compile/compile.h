/*
 * The compiler as one call: the spec's text → schema model (spec/) → the rules of the spec
 * language (validate/) → optionally the generated files, written into a folder (emit/).
 *
 * It is a folder of its own, above the stages, so that no stage calls another: the loader
 * does not know the validator, and neither knows the emitters. Every caller (the commands
 * of cli/, syncspec-serve through them, the tests) runs the stages in the same order here.
 */
#ifndef SYNCSPEC_COMPILE_COMPILE_H
#define SYNCSPEC_COMPILE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

#include "emit/emit.h"
#include "syncspec.h"
#include "util/arena.h"
#include "util/diag.h"

typedef struct compile_request {
    const char *spec_path; /* the spec's file; with spec_text, its name in diagnostics only */
    const char *spec_text; /* the spec's bytes when already in memory, else NULL */
    size_t spec_length;
    const char *out_dir; /* generate into this folder; NULL to load and validate only */
    bool check;          /* with out_dir: compare with the folder's files, write nothing */
    emit_options emit;   /* the targets and the templates */
} compile_request;

typedef struct compile_file {
    const char *name; /* relative to out_dir, e.g. "sqlite.sql" */
    const char *path; /* out_dir joined with name */
    bool changed;     /* its new content differs from the folder's file */
    bool missing;     /* the folder has no such file */
} compile_file;

typedef struct compile_result {
    const syncspec_schema *schema; /* the valid model; NULL when the spec has errors */
    /* With out_dir, once every target rendered: */
    const compile_file *files; /* the files of every selected target, in a stable order */
    size_t file_count;
    size_t written;              /* the files replaced or created; 0 with check */
    const char **templates_used; /* NULL-terminated, for depfiles (see emit_generate_to) */
} compile_result;

typedef enum compile_status {
    COMPILE_OK = 0,
    COMPILE_INVALID = -1,    /* the spec has errors */
    COMPILE_UNREADABLE = -2, /* the spec's file cannot be read (one diagnostic "io") */
    COMPILE_EMIT_FAILED = -3 /* a template failed, or the folder could not be written */
} compile_status;

/*
 * Runs the compiler as `request` says. Everything it returns is allocated in `a`; every
 * diagnostic goes to `diags` (warnings also on success). Returns a compile_status.
 *
 * Generating is all or nothing: a file is only rewritten when its content changes, through
 * a temporary file renamed into place once every file has rendered, so a template error
 * leaves the folder as it was (and a folder made for the run is removed again). With check,
 * nothing is written and result->files says which files would change.
 */
int compile_run(compile_result *result, arena *a, const compile_request *request, diag_list *diags);

/* Load and validate only, the common case: sets *out (allocated in `a`) when the spec at
 * `path` is valid. Returns a compile_status. */
int compile_load_file(const syncspec_schema **out, arena *a, const char *path, diag_list *diags);

/* The same over bytes in memory, named `path` in diagnostics and generated banners. */
int compile_load_buffer(const syncspec_schema **out, arena *a, const char *path, const char *data,
                        size_t length, diag_list *diags);

#endif
