#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>

#include "syncspec.h"

static const void *field(const void *row, const syncspec_column *c) {
    return (const char *)row + c->offset;
}

syncspec_state syncspec_row_state(const syncspec_column *c, const void *row) {
    /* Every value struct starts with its state. */
    return *(const syncspec_state *)field(row, c);
}

const char *syncspec_row_text(char buf[SYNCSPEC_TIMESTAMP_SIZE], const syncspec_column *c,
                              const void *row) {
    if (syncspec_row_state(c, row) != SYNCSPEC_SET) return NULL;
    const void *f = field(row, c);
    switch (c->type) {
    case SYNCSPEC_TYPE_INTEGER:
        snprintf(buf, SYNCSPEC_TIMESTAMP_SIZE, "%" PRId64, ((const syncspec_int_value *)f)->value);
        return buf;
    case SYNCSPEC_TYPE_REAL:
        syncspec_format_real(buf, ((const syncspec_real_value *)f)->value);
        return buf;
    case SYNCSPEC_TYPE_BOOLEAN:
        return ((const syncspec_bool_value *)f)->value ? "true" : "false";
    case SYNCSPEC_TYPE_TIMESTAMP:
        return syncspec_timestamp_format(buf, ((const syncspec_int_value *)f)->value) == 0 ? buf
                                                                                           : NULL;
    default:
        return ((const syncspec_text_value *)f)->value;
    }
}

int syncspec_row_pg_params(const char **values, char (*scratch)[SYNCSPEC_TIMESTAMP_SIZE],
                           const syncspec_table *t, const void *row) {
    for (size_t i = 0; i < t->column_count; i++)
        values[i] = syncspec_row_text(scratch[i], &t->columns[i], row);
    return (int)t->column_count;
}

json_t *syncspec_row_to_json(const syncspec_table *t, const void *row) {
    json_t *o = json_object();
    if (!o) return NULL;
    for (size_t i = 0; i < t->column_count; i++) {
        const syncspec_column *c = &t->columns[i];
        syncspec_state state = syncspec_row_state(c, row);
        if (state == SYNCSPEC_ABSENT) continue;
        json_t *v;
        if (state == SYNCSPEC_NULL) {
            v = json_null();
        } else if (c->type == SYNCSPEC_TYPE_INTEGER) {
            v = json_integer((json_int_t)((const syncspec_int_value *)field(row, c))->value);
        } else if (c->type == SYNCSPEC_TYPE_REAL) {
            v = json_real(((const syncspec_real_value *)field(row, c))->value);
        } else if (c->type == SYNCSPEC_TYPE_BOOLEAN) {
            v = json_integer(((const syncspec_bool_value *)field(row, c))->value ? 1 : 0);
        } else {
            char buf[SYNCSPEC_TIMESTAMP_SIZE];
            const char *text = syncspec_row_text(buf, c, row);
            v = text ? json_string(text) : json_null();
        }
        if (!v || json_object_set_new(o, c->name, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

int syncspec_row_bind_sqlite(sqlite3_stmt *st, const syncspec_table *t, const void *row) {
    int rc = SQLITE_OK;
    for (size_t i = 0; i < t->column_count && rc == SQLITE_OK; i++) {
        const syncspec_column *c = &t->columns[i];
        int p = (int)i + 1;
        if (syncspec_row_state(c, row) != SYNCSPEC_SET) {
            rc = sqlite3_bind_null(st, p);
            continue;
        }
        const void *f = field(row, c);
        switch (c->type) {
        case SYNCSPEC_TYPE_INTEGER:
            rc = sqlite3_bind_int64(st, p, ((const syncspec_int_value *)f)->value);
            break;
        case SYNCSPEC_TYPE_REAL:
            rc = sqlite3_bind_double(st, p, ((const syncspec_real_value *)f)->value);
            break;
        case SYNCSPEC_TYPE_BOOLEAN:
            rc = sqlite3_bind_int(st, p, ((const syncspec_bool_value *)f)->value ? 1 : 0);
            break;
        case SYNCSPEC_TYPE_TIMESTAMP: {
            char buf[SYNCSPEC_TIMESTAMP_SIZE];
            const char *text = syncspec_row_text(buf, c, row);
            rc = text ? sqlite3_bind_text(st, p, text, -1, SQLITE_TRANSIENT)
                      : sqlite3_bind_null(st, p);
            break;
        }
        default: {
            const syncspec_text_value *x = f;
            rc = sqlite3_bind_text(st, p, x->value, (int)x->length, SQLITE_STATIC);
        }
        }
    }
    return rc;
}
