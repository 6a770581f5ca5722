#include "spec/strmap.h"

#include <string.h>

uint64_t spec_fnv1a(const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void strmap_init(strmap *map, arena *a) {
    memset(map, 0, sizeof *map);
    map->arena = a;
    map->generation = 1;
}

void strmap_clear(strmap *map) {
    map->count = 0;
    if (++map->generation == 0) {
        /* Wrapped after 4 billion clears: start over with really empty slots. */
        if (map->cap) memset(map->slots, 0, map->cap * sizeof *map->slots);
        map->generation = 1;
    }
}

static strmap_slot *find(const strmap *map, const char *key, size_t len, uint64_t hash) {
    size_t mask = map->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        strmap_slot *s = &map->slots[i];
        if (s->generation != map->generation) return s;
        if (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
}

static void grow(strmap *map) {
    size_t cap = map->cap ? map->cap * 2 : 16;
    strmap_slot *old = map->slots;
    size_t old_cap = map->cap;
    /* The old slots stay in the arena: at most as much again as the final table. */
    map->slots = arena_calloc(map->arena, cap, sizeof *map->slots);
    map->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].generation == map->generation)
            *find(map, old[i].key, old[i].len, old[i].hash) = old[i];
}

void *strmap_get(const strmap *map, const char *key, size_t len) {
    if (!map->cap) return NULL;
    strmap_slot *s = find(map, key, len, spec_fnv1a(key, len));
    return s->generation == map->generation ? s->value : NULL;
}

void *strmap_put(strmap *map, const char *key, size_t len, void *value) {
    if ((map->count + 1) * 4 > map->cap * 3) grow(map);
    uint64_t hash = spec_fnv1a(key, len);
    strmap_slot *s = find(map, key, len, hash);
    if (s->generation == map->generation) return s->value;
    s->key = key;
    s->len = (uint32_t)len;
    s->generation = map->generation;
    s->hash = hash;
    s->value = value;
    map->count++;
    return NULL;
}
