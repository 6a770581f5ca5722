/*
 * The render context: a small tree of strings, booleans, lists and objects, built per
 * target from the model. It is JSON-shaped (emit_context converts it to a jansson value for
 * --dump-context, ctx_from_json goes the other way) but costs an arena bump per node
 * instead of a malloc per node and a hash table per object.
 *
 * A list may be lazy: its items are built one at a time while rendering, each in a scratch
 * arena freed right after the item is rendered. A 1,000-table spec then holds the context
 * of one table at a time instead of all of them, which is what keeps generate fast: on a
 * virtual machine the first touch of fresh memory costs more than the rendering itself.
 */
#ifndef SYNCSPEC_EMIT_CONTEXT_H
#define SYNCSPEC_EMIT_CONTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util/arena.h"

typedef enum ctx_kind {
    CTX_NULL = 0,
    CTX_BOOL,
    CTX_STRING,
    CTX_LIST,
    CTX_OBJECT,
    CTX_LAZY_LIST
} ctx_kind;

typedef struct ctx_value ctx_value;

typedef struct ctx_field {
    const char *key;
    const ctx_value *value;
    /* strlen(key): a template's lookup tries many fields of several objects, and a length
     * that differs rules a field out without reading its key. */
    size_t key_len;
} ctx_field;

/*
 * Builds item `index` of a lazy list of `count` items, allocating in `scratch` (which is
 * freed once the item has been used, so nothing the item holds may outlive it). `data` is
 * what ctx_lazy_list was given. Never NULL.
 */
typedef const ctx_value *(*ctx_item_builder)(arena *scratch, const void *data, size_t index,
                                             size_t count);

/* Kept small: a large spec makes hundreds of thousands of these per target. */
struct ctx_value {
    unsigned char kind; /* ctx_kind */
    bool boolean;
    unsigned count, cap; /* of items or fields; a lazy list's item count */
    union {
        const char *string;
        const ctx_value **items; /* list items */
        ctx_field *fields;       /* object fields, in insertion order */
        struct {
            ctx_item_builder build;
            const void *data;
        } lazy;
    } as;
};

ctx_value *ctx_object(arena *a);
/* A list with room for `expected` items (it grows past that). */
ctx_value *ctx_list(arena *a, size_t expected);
/* A list of `count` items that `build` makes on demand; `data` must outlive the list. */
ctx_value *ctx_lazy_list(arena *a, size_t count, ctx_item_builder build, const void *data);
ctx_value *ctx_string(arena *a, const char *s);
/* Shared constants: booleans and null cost no allocation. */
const ctx_value *ctx_bool(bool b);
const ctx_value *ctx_null(void);

/* Doubles an object's room for fields (ctx_set_n's rare case). */
void ctx_grow_fields(arena *a, ctx_value *object);

/* Object setters; the key and string are borrowed (the string must outlive the context,
 * the key every render of it: see ctx_hint). Keys
 * are set once per object: a setter appends without looking for an existing key. A NULL
 * string sets null. Inline, so that the length of a literal key is known when compiling
 * and a field costs no call: the builders set every field of every column each time a
 * template walks the columns. */
static inline void ctx_set_n(arena *a, ctx_value *object, const char *key, size_t key_len,
                             const ctx_value *value) {
    if (object->count == object->cap) ctx_grow_fields(a, object);
    object->as.fields[object->count++] = (ctx_field){key, value, key_len};
}
static inline void ctx_set(arena *a, ctx_value *object, const char *key, const ctx_value *value) {
    ctx_set_n(a, object, key, strlen(key), value);
}
static inline void ctx_set_string(arena *a, ctx_value *object, const char *key, const char *s) {
    ctx_set_n(a, object, key, strlen(key), s ? ctx_string(a, s) : ctx_null());
}
static inline void ctx_set_bool(arena *a, ctx_value *object, const char *key, bool b) {
    ctx_set_n(a, object, key, strlen(key), ctx_bool(b));
}
void ctx_push(arena *a, ctx_value *list, const ctx_value *value);
/* Sets "first" and "last" on every object item, for separators in templates (once per
 * list). ctx_set_ends does it for one item, e.g. in a lazy list's builder. */
void ctx_mark_ends(arena *a, ctx_value *list);
void ctx_set_ends(arena *a, ctx_value *item, size_t index, size_t count);

/* NULL when the key is absent or `object` is not an object. */
const ctx_value *ctx_get(const ctx_value *object, const char *key, size_t key_len);
/*
 * Where a key was last found: the field's index, and the key's address. The objects one
 * builder makes have their fields in the same order under the same keys, so a template
 * tag that looks its name up in item after item finds it at the first try without
 * comparing text; this is why keys must outlive every render of the context (they are
 * string literals, or live in the arena of a whole context).
 */
typedef struct ctx_hint {
    unsigned index;
    const char *key;
} ctx_hint;
/* ctx_get, leaving in *hint where the key was found (NULL: not found). */
const ctx_value *ctx_find(const ctx_value *object, const char *key, size_t key_len,
                          ctx_hint *hint);
/* ctx_get, trying the field *hint names first: inline, since a template does it for every
 * tag it renders, and leaving in *hint where the key was found. */
static inline const ctx_value *ctx_get_hinted(const ctx_value *object, const char *key,
                                              size_t key_len, ctx_hint *hint) {
    if (object && object->kind == CTX_OBJECT && hint->index < object->count &&
        object->as.fields[hint->index].key == hint->key)
        return object->as.fields[hint->index].value;
    return ctx_find(object, key, key_len, hint);
}

/* True for a list of either kind. */
bool ctx_is_list(const ctx_value *value);
/*
 * Calls `fn` on each item of a list of either kind, in order; a lazy item is valid only
 * during its call. Stops early, returning what `fn` returned, when that is not 0.
 */
int ctx_each(const ctx_value *list, int (*fn)(void *data, const ctx_value *item), void *data);

/* A new jansson value (caller owns the reference); lazy lists are built out in full. */
json_t *ctx_to_json(const ctx_value *value);
/* The context for a jansson value, allocated in `a`; numbers become their JSON text. */
const ctx_value *ctx_from_json(arena *a, const json_t *json);

#endif
