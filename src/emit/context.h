/*
 * The render context: a small tree of strings, booleans, lists and objects, built per
 * target from the model and allocated in the run's arena. It is JSON-shaped (emit_context
 * converts it to a jansson value for --dump-context) but costs an arena bump per node
 * instead of a malloc per node, which keeps a 1,000-table generate within its budget.
 */
#ifndef SYNCSPEC_EMIT_CONTEXT_H
#define SYNCSPEC_EMIT_CONTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

typedef enum ctx_kind { CTX_NULL = 0, CTX_BOOL, CTX_STRING, CTX_LIST, CTX_OBJECT } ctx_kind;

typedef struct ctx_value ctx_value;

typedef struct ctx_field {
    const char *key;
    const ctx_value *value;
} ctx_field;

/* Kept small: a 1,000-table spec makes hundreds of thousands of these per target. */
struct ctx_value {
    unsigned char kind; /* ctx_kind */
    bool boolean;
    unsigned count, cap; /* of items or fields */
    union {
        const char *string;
        const ctx_value **items; /* list items */
        ctx_field *fields;       /* object fields, in insertion order */
    } as;
};

ctx_value *ctx_object(arena *a);
/* A list with room for `expected` items (it grows past that). */
ctx_value *ctx_list(arena *a, size_t expected);
ctx_value *ctx_string(arena *a, const char *s);
/* Shared constants: booleans and null cost no allocation. */
const ctx_value *ctx_bool(bool b);
const ctx_value *ctx_null(void);

/* Object setters; the key and string are borrowed (they must outlive the context). Keys
 * are set once per object: a setter appends without looking for an existing key. */
void ctx_set(arena *a, ctx_value *object, const char *key, const ctx_value *value);
void ctx_set_string(arena *a, ctx_value *object, const char *key, const char *s);
void ctx_set_bool(arena *a, ctx_value *object, const char *key, bool b);
void ctx_push(arena *a, ctx_value *list, const ctx_value *value);
/* Sets "first" and "last" on every object item, for separators in templates (once per
 * list). */
void ctx_mark_ends(arena *a, ctx_value *list);

/* NULL when the key is absent or `object` is not an object. */
const ctx_value *ctx_get(const ctx_value *object, const char *key, size_t key_len);

/* A new jansson value (caller owns the reference). */
json_t *ctx_to_json(const ctx_value *value);

#endif
