/*
 * The compiler end to end on a spec's bytes: the YAML loader, the validator and, when the
 * spec is valid, every emitter. A valid spec must generate (an emitter that fails on one is
 * a bug), and every file it gets must be non-empty.
 */
#include "compile/compile.h"
#include "emit/emit.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *schema = NULL;
    if (compile_load_buffer(&schema, a, "fuzz.yaml", (const char *)data, size, &diags) == 0) {
        emit_file *files;
        size_t count;
        const char **used;
        int rc = emit_generate(&files, &count, &used, a, schema, NULL, &diags);
        if (rc != 0) diag_print(stderr, &diags);
        FUZZ_CHECK(rc == 0);
        for (size_t i = 0; i < count; i++) FUZZ_CHECK(files[i].length > 0);
    }
    diag_list_free(&diags);
    arena_free(a);
    return 0;
}
