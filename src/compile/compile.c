#include "compile/compile.h"

#include <string.h>

#include "compile/output.h"
#include "spec/spec.h"
#include "validate/validate.h"

/* Validation runs even when the loader found errors, as long as it built a model (with
 * defaults where a value was wrong): one run then reports every broken rule. */
static int load_and_validate(const syncspec_schema **out, arena *a, const compile_request *r,
                             diag_list *diags) {
    *out = NULL;
    size_t errors_before = diag_error_count(diags);
    const syncspec_schema *schema = NULL;
    const spec_source *src = NULL;
    int rc = r->spec_text ? spec_load_buffer(&schema, &src, a, r->spec_path, r->spec_text,
                                             r->spec_length, diags)
                          : spec_load_file(&schema, &src, a, r->spec_path, diags);
    if (rc == -2) return COMPILE_UNREADABLE;
    if (!schema) return COMPILE_INVALID;
    /* The validator's scratch (compiled patterns, messages before they are copied) goes
     * with it; the diagnostics it adds are in the list's own arena. */
    arena *scratch = arena_new();
    if (!scratch) {
        diag_add(diags, DIAG_ERROR, "io", r->spec_path, 0, 0, "out of memory");
        return COMPILE_UNREADABLE;
    }
    validate_schema(schema, src, scratch, diags);
    arena_free(scratch);
    if (diag_error_count(diags) != errors_before) return COMPILE_INVALID;
    *out = schema;
    return COMPILE_OK;
}

int compile_run(compile_result *result, arena *a, const compile_request *request,
                diag_list *diags) {
    memset(result, 0, sizeof *result);
    int rc = load_and_validate(&result->schema, a, request, diags);
    if (rc != COMPILE_OK || !request->out_dir) return rc;
    return compile_write_folder(result, a, request, diags);
}

int compile_load_file(const syncspec_schema **out, arena *a, const char *path, diag_list *diags) {
    compile_request r = {.spec_path = path};
    return load_and_validate(out, a, &r, diags);
}

int compile_load_buffer(const syncspec_schema **out, arena *a, const char *path, const char *data,
                        size_t length, diag_list *diags) {
    compile_request r = {.spec_path = path, .spec_text = data ? data : "", .spec_length = length};
    return load_and_validate(out, a, &r, diags);
}
