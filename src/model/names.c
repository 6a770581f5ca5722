#include "model/names.h"

#include <string.h>

#include "model/limits.h"

static const model_reserved_prefix reserved_prefixes[] = {
    {"ps_", "PowerSync"},
    {"sqlite_", "SQLite"},
    {"pg_", "PostgreSQL"},
    {"syncspec_", "syncspec"},
};

static int name_chars_ok(const char *name) {
    if (!(name[0] >= 'a' && name[0] <= 'z')) return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

model_name_status model_check_name(const char *name, const model_reserved_prefix **reserved) {
    if (!name_chars_ok(name)) return MODEL_NAME_INVALID;
    if (strlen(name) > SPEC_LIMIT_NAME) return MODEL_NAME_TOO_LONG;
    for (size_t i = 0; i < sizeof reserved_prefixes / sizeof *reserved_prefixes; i++) {
        const char *prefix = reserved_prefixes[i].prefix;
        if (strncmp(name, prefix, strlen(prefix)) == 0) {
            if (reserved) *reserved = &reserved_prefixes[i];
            return MODEL_NAME_RESERVED;
        }
    }
    return MODEL_NAME_OK;
}
