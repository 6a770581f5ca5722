{{#banner}}
/* {{.}} */
{{/banner}}
#include <stdio.h>

#include "{{prefix}}_schema.h"

int {{prefix}}_sanitize(syncspec_op *out, syncspec_sanitizer *sanitizer, const json_t *op,
                  const char *user_id) {
    return syncspec_sanitize(out, sanitizer, op, user_id);
}

/* The same op, required to be for `table`: a typed row for the caller. */
static int sanitize_for(const void **row, syncspec_op *out, syncspec_sanitizer *sanitizer,
                        const json_t *op, const char *user_id, const syncspec_table *table) {
    *row = NULL;
    int rc = syncspec_sanitize(out, sanitizer, op, user_id);
    if (rc >= 0 && out->table != table) {
        out->error_count = 1;
        out->errors[0].column = NULL;
        out->errors[0].code = SYNCSPEC_E_UNKNOWN_TABLE;
        snprintf(out->errors[0].message, sizeof out->errors[0].message, "expected an op for %s",
                 table->name);
        return 1;
    }
    if (rc == 0) *row = out->row;
    return rc;
}
{{#tables}}
{{#synced}}

int {{prefix}}_{{name}}_row_sanitize(const {{prefix}}_{{name}}_row **row, syncspec_op *out,
                          syncspec_sanitizer *sanitizer, const json_t *op, const char *user_id) {
    const void *any;
    int rc = sanitize_for(&any, out, sanitizer, op, user_id, &{{prefix}}_tables[{{upper_prefix}}_{{upper_name}}]);
    *row = any;
    return rc;
}
{{/synced}}
{{/tables}}
