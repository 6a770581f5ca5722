/*
 * The server side of an upload, minus the HTTP: reads the recipe's upload body
 *   {"transactions": [{"op_id": "...", "ops": [{"op", "table", "id", "data"}]}]}
 * from stdin, runs every op through the generated sanitizers for the authenticated user
 * (argv[1], the JWT sub), and prints per op either the parameter array an INSERT or UPDATE
 * would bind with libpq, or the field errors, then how many ops were refused. Exit 0 when
 * every op is valid, 1 when any is refused: upload.json beside this file has a refused
 * transaction on purpose, so it exits 1.
 *
 *   cc upload_server.c generated/app_schema.c generated/app_sanitize.c -Igenerated \
 *      $(pkg-config --cflags --libs syncspec) -o upload_server
 *   ./upload_server user-1 < body.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_schema.h"

static const char *const op_names[] = {"PUT", "PATCH", "DELETE"};

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s USER_ID < upload.json\n", argv[0]);
        return 2;
    }
    const char *user = argv[1];
    json_error_t error;
    json_t *body = json_loadf(stdin, 0, &error);
    if (!body) {
        fprintf(stderr, "not JSON: %s (line %d)\n", error.text, error.line);
        return 2;
    }
    syncspec_sanitizer *sanitizer;
    syncspec_error problem = {0};
    if (syncspec_sanitizer_new(&sanitizer, &app_schema, &problem) != 0) {
        fprintf(stderr, "%s\n", problem.message);
        json_decref(body);
        return 2;
    }
    int status = 0;
    size_t ops = 0, refused = 0;
    size_t t;
    json_t *transaction;
    json_array_foreach(json_object_get(body, "transactions"), t, transaction) {
        printf("transaction %s\n", json_string_value(json_object_get(transaction, "op_id")));
        size_t i;
        json_t *op;
        json_array_foreach(json_object_get(transaction, "ops"), i, op) {
            syncspec_op out;
            int rc = app_sanitize(&out, sanitizer, op, user);
            ops++;
            if (rc != 0) {
                status = 1;
                refused++;
                printf("  op %zu rejected:\n", i);
                for (size_t e = 0; e < out.error_count && e < SYNCSPEC_MAX_FIELD_ERRORS; e++)
                    printf("    %s [%s] %s\n", out.errors[e].column ? out.errors[e].column : "-",
                           out.errors[e].code, out.errors[e].message);
                continue;
            }
            /* One parameter per column, in descriptor order: what PQexecParams binds. */
            const char *values[64];
            char scratch[64][SYNCSPEC_TIMESTAMP_SIZE];
            if (out.table->column_count > 64) continue;
            int n = syncspec_row_pg_params(values, scratch, out.table, out.row);
            printf("  op %zu: %s %s\n", i, op_names[out.kind], out.table->name);
            for (int k = 0; k < n; k++) {
                const syncspec_column *c = &out.table->columns[k];
                syncspec_state state = syncspec_row_state(c, out.row);
                if (state == SYNCSPEC_ABSENT) continue;
                printf("    $%d %-12s %s\n", k + 1, c->name, values[k] ? values[k] : "NULL");
            }
        }
    }
    printf("%zu of %zu ops refused\n", refused, ops);
    syncspec_sanitizer_free(sanitizer);
    json_decref(body);
    return status;
}
