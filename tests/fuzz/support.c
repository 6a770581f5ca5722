/* The specs the fuzz targets run against, loaded once per process. */
#include <string.h>

#include "compile/compile.h"
#include "emit/emit.h"
#include "fuzz.h"

typedef struct loaded {
    arena *a;                      /* the model and the files */
    const syncspec_schema *schema; /* with row layouts */
    emit_file *files;
    size_t count;
} loaded;

static loaded specs[4];
static size_t spec_count;

const syncspec_schema *fuzz_spec(const char *relative) {
    if (spec_count == sizeof specs / sizeof *specs) return NULL;
    loaded *l = &specs[spec_count];
    arena *a = l->a = arena_new(); /* kept: the model lives as long as the process */
    diag_list diags;
    diag_list_init(&diags, a);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", FUZZ_ROOT, relative);
    const syncspec_schema *schema = NULL;
    syncspec_schema *layout = NULL;
    const char **used;
    if (compile_load_file(&schema, a, path, &diags) ||
        emit_generate(&l->files, &l->count, &used, a, schema, NULL, &diags) ||
        syncspec_schema_layout(&layout, schema)) {
        diag_print(stderr, &diags);
        fprintf(stderr, "fuzz: cannot load %s\n", path);
        return NULL;
    }
    l->schema = layout;
    spec_count++;
    diag_list_free(&diags);
    return layout;
}

const char *fuzz_generated(const syncspec_schema *schema, const char *path) {
    for (size_t i = 0; i < spec_count; i++)
        for (size_t f = 0; specs[i].schema == schema && f < specs[i].count; f++)
            if (strcmp(specs[i].files[f].path, path) == 0) return specs[i].files[f].content;
    return NULL;
}
