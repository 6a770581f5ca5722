/*
 * A string → pointer hash map allocated in an arena, for the loader's and the validator's
 * name lookups (a 1,000-table spec must not cost quadratic time). Keys are borrowed and
 * at most 4 GiB long.
 */
#ifndef SYNCSPEC_SPEC_STRMAP_H
#define SYNCSPEC_SPEC_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef struct strmap_slot {
    const char *key;
    uint32_t len;
    uint32_t generation; /* the slot is empty unless it equals the map's */
    uint64_t hash;
    void *value;
} strmap_slot;

typedef struct strmap {
    arena *arena;
    strmap_slot *slots;
    size_t count, cap; /* cap is 0 or a power of two */
    uint32_t generation;
} strmap;

/* FNV-1a, 64 bits: also the hash that shortens long generated names. */
uint64_t spec_fnv1a(const void *data, size_t len);

void strmap_init(strmap *map, arena *a);

/* Empties the map in constant time, keeping its slots for reuse (one map per table is then
 * one allocation for the whole spec). */
void strmap_clear(strmap *map);

/* The value stored under key, or NULL. */
void *strmap_get(const strmap *map, const char *key, size_t len);

/*
 * Stores value (never NULL) under key unless the key is present. Returns NULL when it was added,
 * and the existing value (unchanged) when the key was already there.
 */
void *strmap_put(strmap *map, const char *key, size_t len, void *value);

#endif
