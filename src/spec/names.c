#include "spec/names.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/limits.h"
#include "spec/strmap.h"
#include "util/strbuf.h"

const char *spec_property_name(arena *a, const char *name) {
    if (!strchr(name, '_')) return name;
    char *out = arena_alloc(a, strlen(name) + 1);
    size_t n = 0;
    bool upper = false;
    for (const char *p = name; *p; p++) {
        if (*p == '_') {
            upper = n > 0;
            continue;
        }
        out[n++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper = false;
    }
    out[n] = '\0';
    return out;
}

const char *spec_shorten_name(arena *a, const char *name) {
    size_t len = strlen(name);
    if (len <= SPEC_LIMIT_NAME) return name;
    uint64_t h = spec_fnv1a(name, len);
    return arena_printf(a, "%.*s_%08x", SPEC_SHORT_NAME_PREFIX, name,
                        (unsigned)((h ^ (h >> 32)) & 0xffffffffu));
}

const char *spec_index_name(arena *a, const char *prefix, const char *table,
                            const char *const *columns, size_t column_count) {
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, prefix);
    sb_putc(&sb, '_');
    sb_append(&sb, table);
    for (size_t i = 0; i < column_count; i++) {
        sb_putc(&sb, '_');
        sb_append(&sb, columns[i]);
    }
    const char *full = arena_strdup(a, sb_str(&sb));
    sb_free(&sb);
    return spec_shorten_name(a, full);
}
