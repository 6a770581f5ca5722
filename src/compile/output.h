/*
 * Generated files into a folder: what compile_run does after validation when it is given
 * an output folder. Internal to compile/.
 */
#ifndef SYNCSPEC_COMPILE_OUTPUT_H
#define SYNCSPEC_COMPILE_OUTPUT_H

#include "compile/compile.h"

/*
 * Renders result->schema's targets into request->out_dir (or compares, with check) and
 * fills result's files, written and templates_used. Returns COMPILE_OK, or
 * COMPILE_EMIT_FAILED with diagnostics.
 */
int compile_write_folder(compile_result *result, arena *a, const compile_request *request,
                         diag_list *diags);

#endif
