#include "model/names.h"

#include <string.h>

#include "model/limits.h"

static const model_reserved_prefix reserved_prefixes[] = {
    {"ps_", "PowerSync"},
    {"sqlite_", "SQLite"},
    {"pg_", "PostgreSQL"},
    {"syncspec_", "syncspec"},
};

/* The name's length when it is made of the allowed characters, else 0. */
static size_t name_chars_length(const char *name) {
    if (!(name[0] >= 'a' && name[0] <= 'z')) return 0;
    const char *p = name;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return (size_t)(p - name);
}

model_name_status model_check_name(const char *name, const model_reserved_prefix **reserved) {
    size_t length = name_chars_length(name);
    if (!length) return MODEL_NAME_INVALID;
    if (length > SPEC_LIMIT_NAME) return MODEL_NAME_TOO_LONG;
    /* Every name is checked, most against no prefix: the first letter rules most out. */
    for (size_t i = 0; i < sizeof reserved_prefixes / sizeof *reserved_prefixes; i++) {
        const char *prefix = reserved_prefixes[i].prefix;
        if (name[0] == prefix[0] && strncmp(name, prefix, strlen(prefix)) == 0) {
            if (reserved) *reserved = &reserved_prefixes[i];
            return MODEL_NAME_RESERVED;
        }
    }
    return MODEL_NAME_OK;
}
