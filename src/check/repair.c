#include "check/repair.h"

#include <string.h>

#include "util/strbuf.h"

const char *repair_sql(arena *a, const syncspec_schema *schema, const char *target,
                       emit_repair repair) {
    diag_list diags;
    diag_list_init(&diags, a);
    const char *sql = NULL;
    int rc = emit_repair_sql(&sql, a, schema, target, &repair, &diags);
    diag_list_free(&diags);
    return rc == 0 && sql && *sql ? sql : NULL;
}

const char *repair_comment(arena *a, const char *text) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\r\n");
        sb_append(&sb, "-- ");
        sb_append_n(&sb, p, len);
        p += len;
        if (*p == '\r' && p[1] == '\n') p++;
        if (*p) {
            sb_putc(&sb, '\n');
            p++;
        }
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}
