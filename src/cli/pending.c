/* Weak stand-ins so the binary links while stages are being written; removed when they land. */
#include "cli/cli.h"
#include "emit/emit.h"
#include "spec/spec.h"

__attribute__((weak)) int spec_load_file(const syncspec_schema **out, arena *a, const char *path,
                                         diag_list *diags) {
    (void)out, (void)a;
    diag_add(diags, DIAG_ERROR, "unavailable", path, 0, 0, "loader not built");
    return -2;
}
__attribute__((weak)) int spec_load_buffer(const syncspec_schema **out, arena *a, const char *path,
                                           const char *data, size_t len, diag_list *diags) {
    (void)out, (void)a, (void)data, (void)len;
    diag_add(diags, DIAG_ERROR, "unavailable", path, 0, 0, "loader not built");
    return -2;
}
