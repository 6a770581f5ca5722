/* Weak stand-ins so the binary links while stages are being written; removed when they land. */
#include "cli/cli.h"
#include "emit/emit.h"
#include "spec/spec.h"

__attribute__((weak)) const char *const emit_target_names[] = {NULL};
__attribute__((weak)) json_t *emit_context(const syncspec_schema *schema, const char *target) {
    (void)schema;
    (void)target;
    return json_object();
}
__attribute__((weak)) int emit_generate(emit_file **files, size_t *count,
                                        const char ***templates_used, arena *a,
                                        const syncspec_schema *schema,
                                        const emit_options *options, diag_list *diags) {
    (void)files, (void)count, (void)templates_used, (void)a, (void)schema, (void)options;
    diag_add(diags, DIAG_ERROR, "unavailable", NULL, 0, 0, "emitter not built");
    return -1;
}
__attribute__((weak)) int spec_load_file(const syncspec_schema **out, arena *a, const char *path,
                                         diag_list *diags) {
    (void)out, (void)a;
    diag_add(diags, DIAG_ERROR, "unavailable", path, 0, 0, "loader not built");
    return -2;
}
__attribute__((weak)) int spec_load_buffer(const syncspec_schema **out, arena *a,
                                           const char *path, const char *data, size_t len,
                                           diag_list *diags) {
    (void)out, (void)a, (void)data, (void)len;
    diag_add(diags, DIAG_ERROR, "unavailable", path, 0, 0, "loader not built");
    return -2;
}
