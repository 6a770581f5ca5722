#include "check/check.h"
__attribute__((weak)) int check_sync_rules(findings *f, const syncspec_schema *s, const char *c,
                                           const char **e) {
    (void)f;
    (void)s;
    (void)c;
    *e = "sync rules: not built";
    return -1;
}
__attribute__((weak)) int check_generated(findings *f, const syncspec_schema *s, const char *c,
                                          const char **e) {
    (void)f;
    (void)s;
    (void)c;
    *e = "generated: not built";
    return -1;
}
