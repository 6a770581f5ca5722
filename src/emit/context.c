#include "emit/context.h"

#include <stdlib.h>
#include <string.h>

static const ctx_value ctx_true = {.kind = CTX_BOOL, .boolean = true};
static const ctx_value ctx_false = {.kind = CTX_BOOL, .boolean = false};
static const ctx_value ctx_null_value = {.kind = CTX_NULL};

static ctx_value *new_value(arena *a, ctx_kind kind) {
    /* Zeroed by assignment: a few stores, where arena_alloc's memset is a call. */
    ctx_value *v = arena_alloc_uninit(a, sizeof *v);
    *v = (ctx_value){.kind = (unsigned char)kind};
    return v;
}

ctx_value *ctx_object(arena *a) {
    ctx_value *v = new_value(a, CTX_OBJECT);
    /* Room for the fields of most objects (a C column has 23), never zeroed: only the
     * first `count` are read. */
    v->cap = 24;
    v->as.fields = arena_alloc_uninit(a, v->cap * sizeof *v->as.fields);
    return v;
}

ctx_value *ctx_list(arena *a, size_t expected) {
    ctx_value *v = new_value(a, CTX_LIST);
    v->cap = expected ? (unsigned)expected : 4;
    v->as.items = arena_alloc_uninit(a, v->cap * sizeof *v->as.items);
    return v;
}

ctx_value *ctx_lazy_list(arena *a, size_t count, ctx_item_builder build, const void *data) {
    ctx_value *v = new_value(a, CTX_LAZY_LIST);
    v->count = (unsigned)count;
    v->as.lazy.build = build;
    v->as.lazy.data = data;
    return v;
}

ctx_value *ctx_string(arena *a, const char *s) {
    ctx_value *v = new_value(a, CTX_STRING);
    v->as.string = s;
    return v;
}

const ctx_value *ctx_bool(bool b) { return b ? &ctx_true : &ctx_false; }
const ctx_value *ctx_null(void) { return &ctx_null_value; }

void ctx_grow_fields(arena *a, ctx_value *object) {
    unsigned cap = object->cap * 2;
    ctx_field *fields = arena_alloc_uninit(a, cap * sizeof *fields);
    memcpy(fields, object->as.fields, object->count * sizeof *fields);
    object->as.fields = fields;
    object->cap = cap;
}

void ctx_push(arena *a, ctx_value *list, const ctx_value *value) {
    if (list->count == list->cap) {
        unsigned cap = list->cap * 2;
        const ctx_value **items = arena_alloc_uninit(a, cap * sizeof *items);
        memcpy(items, list->as.items, list->count * sizeof *items);
        list->as.items = items;
        list->cap = cap;
    }
    list->as.items[list->count++] = value;
}

void ctx_set_ends(arena *a, ctx_value *item, size_t index, size_t count) {
    if (item->kind != CTX_OBJECT) return;
    ctx_set_bool(a, item, "first", index == 0);
    ctx_set_bool(a, item, "last", index + 1 == count);
}

void ctx_mark_ends(arena *a, ctx_value *list) {
    for (unsigned i = 0; i < list->count; i++)
        /* Items are built by the caller, so casting away const here is theirs to allow. */
        ctx_set_ends(a, (ctx_value *)list->as.items[i], i, list->count);
}

static bool field_is(const ctx_field *f, const char *key, size_t key_len) {
    /* Length and first letter rule out most fields without a call. */
    return f->key_len == key_len &&
           (key_len == 0 || (f->key[0] == key[0] && memcmp(f->key, key, key_len) == 0));
}

const ctx_value *ctx_find(const ctx_value *object, const char *key, size_t key_len,
                          ctx_hint *hint) {
    if (!object || object->kind != CTX_OBJECT) return NULL;
    for (unsigned i = 0; i < object->count; i++)
        if (field_is(&object->as.fields[i], key, key_len)) {
            *hint = (ctx_hint){i, object->as.fields[i].key};
            return object->as.fields[i].value;
        }
    return NULL;
}

const ctx_value *ctx_get(const ctx_value *object, const char *key, size_t key_len) {
    ctx_hint hint;
    return ctx_find(object, key, key_len, &hint);
}

bool ctx_is_list(const ctx_value *v) {
    return v && (v->kind == CTX_LIST || v->kind == CTX_LAZY_LIST);
}

/*
 * Lazy items are built in scratch arenas, one per depth of lazy lists being walked (a
 * table's columns are built while the table's item is alive), each emptied after every
 * item and freed when the outermost walk ends. Thousands of items then reuse the same
 * block, already paged in and in cache, instead of a fresh allocation each. The pool is
 * per thread, since targets render on two threads at once.
 */
enum { SCRATCH_DEPTH = 16 };
static _Thread_local arena *scratch_pool[SCRATCH_DEPTH];
static _Thread_local size_t scratch_depth;

static int each_lazy(const ctx_value *list, int (*fn)(void *data, const ctx_value *item),
                     void *data) {
    /* Deeper than the pool: an arena of its own, as good if not as cheap. */
    bool pooled = scratch_depth < SCRATCH_DEPTH;
    arena *scratch = pooled ? scratch_pool[scratch_depth] : arena_new();
    if (!scratch && pooled) scratch = scratch_pool[scratch_depth] = arena_new();
    if (!scratch) return -1;
    scratch_depth++;
    int rc = 0;
    for (unsigned i = 0; i < list->count && rc == 0; i++) {
        rc = fn(data, list->as.lazy.build(scratch, list->as.lazy.data, i, list->count));
        arena_reset(scratch);
    }
    scratch_depth--;
    if (!pooled) arena_free(scratch);
    if (scratch_depth == 0)
        for (size_t d = 0; d < SCRATCH_DEPTH && scratch_pool[d]; d++) {
            arena_free(scratch_pool[d]);
            scratch_pool[d] = NULL;
        }
    return rc;
}

int ctx_each(const ctx_value *list, int (*fn)(void *data, const ctx_value *item), void *data) {
    if (!ctx_is_list(list)) return 0;
    if (list->kind == CTX_LAZY_LIST) return each_lazy(list, fn, data);
    for (unsigned i = 0; i < list->count; i++) {
        int rc = fn(data, list->as.items[i]);
        if (rc != 0) return rc;
    }
    return 0;
}

static int append_json(void *array, const ctx_value *item) {
    return json_array_append_new(array, ctx_to_json(item));
}

json_t *ctx_to_json(const ctx_value *v) {
    if (!v) return json_null();
    switch (v->kind) {
    case CTX_BOOL:
        return json_boolean(v->boolean);
    case CTX_STRING:
        return json_string(v->as.string);
    case CTX_LIST:
    case CTX_LAZY_LIST: {
        json_t *list = json_array();
        ctx_each(v, append_json, list);
        return list;
    }
    case CTX_OBJECT: {
        json_t *object = json_object();
        for (unsigned i = 0; i < v->count; i++)
            json_object_set_new(object, v->as.fields[i].key, ctx_to_json(v->as.fields[i].value));
        return object;
    }
    default:
        return json_null();
    }
}

const ctx_value *ctx_from_json(arena *a, const json_t *json) {
    switch (json_typeof(json)) {
    case JSON_TRUE:
        return ctx_bool(true);
    case JSON_FALSE:
        return ctx_bool(false);
    case JSON_STRING:
        return ctx_string(a, arena_strndup(a, json_string_value(json), json_string_length(json)));
    case JSON_INTEGER:
        return ctx_string(a, arena_printf(a, "%" JSON_INTEGER_FORMAT, json_integer_value(json)));
    case JSON_REAL: {
        char *text = json_dumps(json, JSON_ENCODE_ANY);
        const ctx_value *v = ctx_string(a, arena_strdup(a, text ? text : ""));
        free(text);
        return v;
    }
    case JSON_ARRAY: {
        ctx_value *list = ctx_list(a, json_array_size(json));
        for (size_t i = 0; i < json_array_size(json); i++)
            ctx_push(a, list, ctx_from_json(a, json_array_get(json, i)));
        return list;
    }
    case JSON_OBJECT: {
        ctx_value *object = ctx_object(a);
        const char *key;
        json_t *value;
        /* Jansson keeps insertion order, so the order of the fields is the document's. */
        json_object_foreach((json_t *)json, key, value)
            ctx_set(a, object, arena_strdup(a, key), ctx_from_json(a, value));
        return object;
    }
    default:
        return ctx_null();
    }
}
