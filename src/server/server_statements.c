/*
 * The statements an upload runs, built from the model: every identifier quoted from it,
 * every value a parameter. Each statement raises SY403 when it meets a row of another
 * user, so the whole client transaction stops there.
 */
#include <stdlib.h>
#include <string.h>

#include "model/implicit.h"
#include "server/server_internal.h"

enum { MAX_PARAMS = 1600 };

typedef struct sql_builder {
    syncspec_buffer b;
    const char *values[MAX_PARAMS];
    int n;
    bool failed;
} sql_builder;

static void put(sql_builder *s, const char *text) { s->failed |= sync_puts(&s->b, text) != 0; }
static void ident(sql_builder *s, const char *name) { s->failed |= sync_ident(&s->b, name) != 0; }
static void qualified(sql_builder *s, const char *schema, const char *name) {
    s->failed |= sync_qualified(&s->b, schema, name) != 0;
}
static void ref(sql_builder *s, int param) { s->failed |= sync_printf(&s->b, "$%d", param) != 0; }
/* Appends $n for a new parameter. */
static int param(sql_builder *s, const char *value) {
    if (s->n == MAX_PARAMS) {
        s->failed = true;
        return 0;
    }
    s->values[s->n++] = value;
    ref(s, s->n);
    return s->n;
}

/* Hands the statement to `list` as applying ops first_op .. first_op + op_count - 1. */
static int finish(sql_builder *s, statement_list *list, size_t first_op, size_t op_count) {
    if (s->failed) return -1;
    int rc = statements_add(list, s->b.data, s->n, s->values);
    s->b.data = NULL;
    if (rc == 0) {
        list->items[list->count - 1].first_op = first_op;
        list->items[list->count - 1].op_count = op_count;
    }
    return rc;
}

/* " AND x.<owner> IS DISTINCT FROM $owner)": row x exists under another owner. */
static void owned_by_other(sql_builder *s, const syncspec_column *owner, int owner_param) {
    put(s, " AND x.");
    ident(s, owner->name);
    put(s, " IS DISTINCT FROM ");
    ref(s, owner_param);
    put(s, "::text)");
}

/* ---- PATCH and DELETE: one statement an op ---- */

int add_op_statement(statement_list *list, const syncspec_schema *schema, const syncspec_op *op,
                     size_t index, const char *user_id) {
    const syncspec_table *t = op->table;
    const syncspec_column *owner = &t->columns[t->owner_index];
    char(*scratch)[SYNCSPEC_TIMESTAMP_SIZE] = calloc(t->column_count, sizeof *scratch);
    sql_builder *s = calloc(1, sizeof *s);
    int rc = -1;
    if (!scratch || !s) goto cleanup;
    put(s, "WITH w AS (");
    size_t start = s->b.len;
    bool only_check = false; /* a PATCH with no column: w finds the row, nothing written */
    bool soft = op->kind == SYNCSPEC_OP_DELETE && t->soft_delete;
    if (op->kind == SYNCSPEC_OP_DELETE && !soft) {
        put(s, "DELETE FROM ");
        qualified(s, schema->pg_schema, t->name);
    } else {
        put(s, "UPDATE ");
        qualified(s, schema->pg_schema, t->name);
        put(s, " SET ");
        size_t n = 0;
        for (size_t i = 1; i < t->column_count; i++) {
            const syncspec_column *c = &t->columns[i];
            if (soft) {
                if (c->role == SYNCSPEC_ROLE_DELETED_AT) {
                    put(s, n++ ? ", " : "");
                    ident(s, c->name);
                    put(s, " = coalesce(");
                    ident(s, c->name);
                    put(s, ", now())");
                } else if (c->role == SYNCSPEC_ROLE_UPDATED_AT) {
                    put(s, n++ ? ", " : "");
                    ident(s, c->name);
                    put(s, " = now()");
                }
                continue;
            }
            if (c == owner || syncspec_row_state(c, op->row) == SYNCSPEC_ABSENT) continue;
            put(s, n++ ? ", " : "");
            ident(s, c->name);
            put(s, " = ");
            param(s, syncspec_row_text(scratch[i], c, op->row));
        }
        if (n == 0) { /* an empty PATCH changes nothing, but still not another user's row */
            s->b.len = start;
            put(s, "SELECT 1 FROM ");
            qualified(s, schema->pg_schema, t->name);
            only_check = true;
        }
    }
    put(s, " WHERE \"id\" = ");
    int id_param = param(s, op->id);
    put(s, " AND ");
    ident(s, owner->name);
    put(s, " = ");
    int owner_param = param(s, user_id);
    /* Nothing changed while the row exists: it belongs to another user. */
    put(s, only_check ? ") SELECT " : " RETURNING 1) SELECT ");
    qualified(s, schema->pg_schema, "syncspec_forbidden");
    put(s, "(");
    param(s, t->name);
    put(s, "::text, ");
    ref(s, id_param);
    put(s, "::text) WHERE NOT EXISTS (SELECT 1 FROM w) AND EXISTS (SELECT 1 FROM ");
    qualified(s, schema->pg_schema, t->name);
    put(s, " AS x WHERE x.\"id\" = ");
    ref(s, id_param);
    owned_by_other(s, owner, owner_param);
    rc = finish(s, list, index, 1);
cleanup:
    if (s) syncspec_buffer_free(&s->b);
    free(s);
    free(scratch);
    return rc;
}

/* ---- PUT: runs of ops in one statement ---- */

/* Where the batch statement takes a column's value from. */
typedef enum column_source {
    FROM_ARRAY = 0, /* a parameter array, one element per op */
    FROM_OWNER,     /* the authenticated user, whatever the op says */
    FROM_DEFAULT,   /* absent with a default: left out of the INSERT */
    FROM_NOW        /* an absent created_at or updated_at */
} column_source;

/* The id set is open addressing over ids borrowed from the upload: a power of two at
 * least twice the largest batch, so probes stay short. */
enum { BATCH_MAX_ROWS = 1000, ID_SLOTS = 2048 };

struct put_batch {
    size_t max_rows;
    const syncspec_table *table; /* NULL while empty */
    unsigned char *source;       /* per column of `table` */
    syncspec_buffer *arrays;     /* per column: the array literal so far (FROM_ARRAY) */
    size_t columns_cap;          /* entries allocated in source and arrays */
    size_t rows, first_op;
    const char *ids[ID_SLOTS];
};

put_batch *put_batch_new(size_t max_rows) {
    put_batch *batch = calloc(1, sizeof *batch);
    if (batch)
        batch->max_rows = max_rows < 1 ? 1 : max_rows > BATCH_MAX_ROWS ? BATCH_MAX_ROWS : max_rows;
    return batch;
}

void put_batch_free(put_batch *batch) {
    if (!batch) return;
    for (size_t i = 0; i < batch->columns_cap; i++) syncspec_buffer_free(&batch->arrays[i]);
    free(batch->arrays);
    free(batch->source);
    free(batch);
}

static column_source source_of(const syncspec_table *t, size_t i, const void *row) {
    const syncspec_column *c = &t->columns[i];
    syncspec_state state = syncspec_row_state(c, row);
    if ((int)i == t->owner_index) return FROM_OWNER;
    if (state == SYNCSPEC_ABSENT && c->default_value) return FROM_DEFAULT;
    const model_implicit *implicit = model_implicit_of(c->role);
    if (state == SYNCSPEC_ABSENT && implicit && implicit->stamped) return FROM_NOW;
    return FROM_ARRAY;
}

static size_t id_slot(const put_batch *batch, const char *id) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 16777619u;
    size_t slot = h & (ID_SLOTS - 1);
    while (batch->ids[slot] && strcmp(batch->ids[slot], id) != 0)
        slot = (slot + 1) & (ID_SLOTS - 1);
    return slot;
}

/* One array element: NULL, or the text double-quoted with '"' and '\' escaped. */
static int array_element(syncspec_buffer *b, const char *text) {
    if (!text) return sync_puts(b, "NULL");
    if (syncspec_buffer_append(b, "\"", 1)) return -1;
    for (const char *run = text;;) {
        size_t n = strcspn(run, "\"\\");
        if (syncspec_buffer_append(b, run, n)) return -1;
        if (!run[n]) break;
        if (syncspec_buffer_append(b, "\\", 1) || syncspec_buffer_append(b, run + n, 1)) return -1;
        run += n + 1;
    }
    return syncspec_buffer_append(b, "\"", 1);
}

/* Starts an empty batch for `t`, with the column sources of `row`. */
static int batch_start(put_batch *batch, const syncspec_table *t, const void *row, size_t index) {
    if (t->column_count > batch->columns_cap) {
        unsigned char *source = realloc(batch->source, t->column_count);
        if (!source) return -1;
        batch->source = source;
        syncspec_buffer *arrays = realloc(batch->arrays, t->column_count * sizeof *arrays);
        if (!arrays) return -1;
        memset(arrays + batch->columns_cap, 0,
               (t->column_count - batch->columns_cap) * sizeof *arrays);
        batch->arrays = arrays;
        batch->columns_cap = t->column_count;
    }
    for (size_t i = 0; i < t->column_count; i++) {
        batch->source[i] = (unsigned char)source_of(t, i, row);
        batch->arrays[i].len = 0;
    }
    memset(batch->ids, 0, sizeof batch->ids);
    batch->table = t;
    batch->first_op = index;
    return 0;
}

static bool batch_takes(const put_batch *batch, const syncspec_op *op) {
    const syncspec_table *t = op->table;
    if (batch->table != t || batch->rows == batch->max_rows || batch->ids[id_slot(batch, op->id)])
        return false;
    for (size_t i = 0; i < t->column_count; i++)
        if (batch->source[i] != source_of(t, i, op->row)) return false;
    return true;
}

int put_batch_add(put_batch *batch, statement_list *list, const syncspec_schema *schema,
                  const syncspec_op *op, size_t index, const char *user_id) {
    if (batch->table && !batch_takes(batch, op) && put_batch_flush(batch, list, schema, user_id))
        return -1;
    const syncspec_table *t = op->table;
    if (!batch->table && batch_start(batch, t, op->row, index)) return -1;
    char scratch[SYNCSPEC_TIMESTAMP_SIZE];
    for (size_t i = 0; i < t->column_count; i++) {
        if (batch->source[i] != FROM_ARRAY) continue;
        const syncspec_column *c = &t->columns[i];
        const char *text =
            c->role == SYNCSPEC_ROLE_ID ? op->id : syncspec_row_text(scratch, c, op->row);
        if (syncspec_buffer_append(&batch->arrays[i], batch->rows ? "," : "{", 1) ||
            array_element(&batch->arrays[i], text))
            return -1;
    }
    batch->ids[id_slot(batch, op->id)] = op->id;
    batch->rows++;
    return 0;
}

/*
 *   WITH "input" AS (SELECT * FROM unnest($1::text[], ...) AS u("id", ...)),
 *   w AS (INSERT INTO t AS "target" (...) SELECT ... FROM "input"
 *         ON CONFLICT ("id") DO UPDATE SET ... WHERE the owner is the same
 *         RETURNING "target"."id")
 *   SELECT syncspec_forbidden(...) FROM "input" WHERE the op changed nothing and its row
 *   exists under another owner
 */
int put_batch_flush(put_batch *batch, statement_list *list, const syncspec_schema *schema,
                    const char *user_id) {
    const syncspec_table *t = batch->table;
    if (!t) return 0;
    const syncspec_column *owner = &t->columns[t->owner_index];
    sql_builder *s = calloc(1, sizeof *s);
    if (!s) return -1;
    put(s, "WITH \"input\" AS (SELECT * FROM unnest(");
    bool first = true;
    for (size_t i = 0; i < t->column_count; i++) {
        if (batch->source[i] != FROM_ARRAY) continue;
        put(s, first ? "" : ", ");
        first = false;
        s->failed |= syncspec_buffer_append(&batch->arrays[i], "}", 1) != 0;
        param(s, batch->arrays[i].data);
        /* Arrays of the column's own type: each element converts as a lone value would. */
        put(s, "::");
        put(s, syncspec_pg_type_name(t->columns[i].type));
        put(s, "[]");
    }
    put(s, ") AS u(");
    first = true;
    for (size_t i = 0; i < t->column_count; i++) {
        if (batch->source[i] != FROM_ARRAY) continue;
        put(s, first ? "" : ", ");
        first = false;
        ident(s, t->columns[i].name);
    }
    put(s, ")), w AS (INSERT INTO ");
    qualified(s, schema->pg_schema, t->name);
    put(s, " AS \"target\" (");
    first = true;
    for (size_t i = 0; i < t->column_count; i++) {
        if (batch->source[i] == FROM_DEFAULT) continue;
        put(s, first ? "" : ", ");
        first = false;
        ident(s, t->columns[i].name);
    }
    put(s, ") SELECT ");
    int owner_param = 0;
    first = true;
    for (size_t i = 0; i < t->column_count; i++) {
        if (batch->source[i] == FROM_DEFAULT) continue;
        put(s, first ? "" : ", ");
        first = false;
        if (batch->source[i] == FROM_OWNER) {
            owner_param = param(s, user_id);
            put(s, "::text");
        } else if (batch->source[i] == FROM_NOW) {
            put(s, "now()");
        } else {
            ident(s, t->columns[i].name);
        }
    }
    put(s, " FROM \"input\" ON CONFLICT (\"id\") DO ");
    if (t->insert_only) {
        put(s, "NOTHING");
    } else {
        /* Every column but the owner, defaults included, as a PUT replaces the row. */
        put(s, "UPDATE SET ");
        first = true;
        for (size_t i = 1; i < t->column_count; i++) {
            const syncspec_column *c = &t->columns[i];
            if (c == owner) continue;
            put(s, first ? "" : ", ");
            first = false;
            ident(s, c->name);
            put(s, " = EXCLUDED.");
            ident(s, c->name);
        }
        /* The guard: a conflicting row of another user is never taken over. */
        put(s, " WHERE \"target\".");
        ident(s, owner->name);
        put(s, " = EXCLUDED.");
        ident(s, owner->name);
    }
    put(s, " RETURNING \"target\".\"id\") SELECT ");
    qualified(s, schema->pg_schema, "syncspec_forbidden");
    put(s, "(");
    param(s, t->name);
    put(s, "::text, i.\"id\") FROM \"input\" AS i WHERE NOT EXISTS (SELECT 1 FROM w WHERE "
           "w.\"id\" = i.\"id\")");
    /* An upsert changes every row of its user, so a row it left alone is another user's.
     * DO NOTHING also leaves the user's own rows alone: a row it skipped is forbidden unless
     * the statement sees it as the user's. (Not "when it sees another user's row": a row
     * another user inserted concurrently is skipped once that commits, yet is not in the
     * statement's snapshot.) */
    if (t->insert_only) {
        put(s, " AND NOT EXISTS (SELECT 1 FROM ");
        qualified(s, schema->pg_schema, t->name);
        put(s, " AS x WHERE x.\"id\" = i.\"id\" AND x.");
        ident(s, owner->name);
        put(s, " = ");
        ref(s, owner_param);
        put(s, "::text)");
    }
    int rc = finish(s, list, batch->first_op, batch->rows);
    syncspec_buffer_free(&s->b);
    free(s);
    batch->table = NULL;
    batch->rows = 0;
    return rc;
}
