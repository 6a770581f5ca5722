#include "emit/context.h"

#include <string.h>

static ctx_value *new_value(arena *a, ctx_kind kind) {
    ctx_value *v = arena_alloc(a, sizeof *v);
    v->kind = kind;
    return v;
}

ctx_value *ctx_object(arena *a) { return new_value(a, CTX_OBJECT); }

ctx_value *ctx_list(arena *a, size_t expected) {
    ctx_value *v = new_value(a, CTX_LIST);
    v->cap = expected ? expected : 4;
    v->items = arena_calloc(a, v->cap, sizeof *v->items);
    return v;
}

ctx_value *ctx_string(arena *a, const char *s) {
    ctx_value *v = new_value(a, CTX_STRING);
    v->string = s;
    return v;
}

ctx_value *ctx_bool(arena *a, bool b) {
    /* Booleans are shared per arena would save little; they are one bump each. */
    ctx_value *v = new_value(a, CTX_BOOL);
    v->boolean = b;
    return v;
}

void ctx_set(arena *a, ctx_value *object, const char *key, ctx_value *value) {
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->fields[i].key, key) == 0) {
            object->fields[i].value = value;
            return;
        }
    if (object->count == object->cap) {
        size_t cap = object->cap ? object->cap * 2 : 16;
        ctx_field *fields = arena_calloc(a, cap, sizeof *fields);
        if (object->count) memcpy(fields, object->fields, object->count * sizeof *fields);
        object->fields = fields;
        object->cap = cap;
    }
    object->fields[object->count++] = (ctx_field){key, value};
}

void ctx_set_string(arena *a, ctx_value *object, const char *key, const char *s) {
    ctx_set(a, object, key, s ? ctx_string(a, s) : new_value(a, CTX_NULL));
}

void ctx_set_bool(arena *a, ctx_value *object, const char *key, bool b) {
    ctx_set(a, object, key, ctx_bool(a, b));
}

void ctx_push(arena *a, ctx_value *list, ctx_value *value) {
    if (list->count == list->cap) {
        size_t cap = list->cap * 2;
        ctx_value **items = arena_calloc(a, cap, sizeof *items);
        memcpy(items, list->items, list->count * sizeof *items);
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count++] = value;
}

void ctx_mark_ends(arena *a, ctx_value *list) {
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i]->kind != CTX_OBJECT) continue;
        ctx_set_bool(a, list->items[i], "first", i == 0);
        ctx_set_bool(a, list->items[i], "last", i + 1 == list->count);
    }
}

ctx_value *ctx_get(const ctx_value *object, const char *key, size_t key_len) {
    if (!object || object->kind != CTX_OBJECT) return NULL;
    for (size_t i = 0; i < object->count; i++) {
        const char *k = object->fields[i].key;
        if (strncmp(k, key, key_len) == 0 && k[key_len] == '\0') return object->fields[i].value;
    }
    return NULL;
}

json_t *ctx_to_json(const ctx_value *v) {
    if (!v) return json_null();
    switch (v->kind) {
    case CTX_BOOL:
        return json_boolean(v->boolean);
    case CTX_STRING:
        return json_string(v->string);
    case CTX_LIST: {
        json_t *list = json_array();
        for (size_t i = 0; i < v->count; i++) json_array_append_new(list, ctx_to_json(v->items[i]));
        return list;
    }
    case CTX_OBJECT: {
        json_t *object = json_object();
        for (size_t i = 0; i < v->count; i++)
            json_object_set_new(object, v->fields[i].key, ctx_to_json(v->fields[i].value));
        return object;
    }
    case CTX_NULL:
    default:
        return json_null();
    }
}
