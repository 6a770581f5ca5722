#include <stdio.h>

#include "cli/cli.h"
#include "spec/spec.h"

int cli_load_spec(const syncspec_schema **out, arena *a, const char *path) {
    diag_list diags;
    diag_list_init(&diags, a);
    int rc = spec_load_file(out, a, path, &diags);
    diag_sort(&diags);
    diag_print(stderr, &diags);
    size_t errors = diag_error_count(&diags);
    if (rc == -1 || (rc == 0 && errors)) {
        fprintf(stderr, "%s: %zu error%s\n", path, errors, errors == 1 ? "" : "s");
        rc = -1;
    }
    diag_list_free(&diags);
    return rc;
}
