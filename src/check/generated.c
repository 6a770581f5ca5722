/* A folder of generated files against what generate would write now. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/check.h"
#include "emit/emit.h"
#include "util/fsutil.h"

int check_generated(findings *f, const syncspec_schema *schema, const char *dir,
                    const char **error) {
    arena *a = f->a;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *error = arena_printf(a, "cannot read generated folder %s: %s", dir,
                              errno ? strerror(errno) : "not a folder");
        return -1;
    }
    emit_file *files;
    size_t count;
    const char **used;
    diag_list diags;
    diag_list_init(&diags, a);
    emit_options options = EMIT_OPTIONS_INIT;
    int rc = emit_generate(&files, &count, &used, a, schema, &options, &diags);
    diag_list_free(&diags);
    if (rc != 0) {
        *error = "cannot render the generated files";
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        char *path = fs_join(dir, files[i].path);
        if (stat(path, &st) != 0) {
            finding *x = findings_add(f, FINDING_ERROR, "generated-missing", "generated", NULL,
                                      NULL, "%s is missing: run syncspec generate", path);
            x->expected = files[i].path;
        } else if (!fs_same_content(path, files[i].content, files[i].length)) {
            finding *x = findings_add(f, FINDING_ERROR, "generated-stale", "generated", NULL, NULL,
                                      "%s is stale: run syncspec generate", path);
            x->expected = files[i].path;
        }
        free(path);
    }
    return 0;
}
