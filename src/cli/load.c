/* What the commands print of a compiler run (compile/): its diagnostics and its files. */
#include <stdio.h>

#include "cli/cli.h"
#include "compile/compile.h"

int cli_print_diags(diag_list *diags, const char *path, int rc) {
    diag_sort(diags);
    diag_print(stderr, diags);
    size_t errors = diag_error_count(diags);
    if (rc == COMPILE_INVALID || (rc == COMPILE_OK && errors)) {
        fprintf(stderr, "%s: %zu error%s\n", path, errors, errors == 1 ? "" : "s");
        return COMPILE_INVALID;
    }
    return rc;
}

int cli_load_spec(const syncspec_schema **out, arena *a, const char *path) {
    diag_list diags;
    diag_list_init(&diags, a);
    int rc = cli_print_diags(&diags, path, compile_load_file(out, a, path, &diags));
    diag_list_free(&diags);
    return rc;
}

void cli_print_written(const compile_result *result, const char *out_dir) {
    fprintf(stderr, "syncspec: %zu file%s written, %zu unchanged in %s\n", result->written,
            result->written == 1 ? "" : "s", result->file_count - result->written, out_dir);
}
