#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_BLOCK = 64 * 1024, ARENA_ALIGN = 16 };

typedef struct block {
    struct block *next;
    size_t used, size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} block;

struct arena {
    block *head;
};

static block *block_new(size_t size) {
    block *b = malloc(sizeof(block) + size);
    if (!b) {
        fputs("syncspec: out of memory\n", stderr);
        abort();
    }
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

arena *arena_new(void) { return calloc(1, sizeof(arena)); }

void arena_free(arena *a) {
    if (!a) return;
    for (block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void arena_reset(arena *a) {
    block *keep = NULL;
    for (block *b = a->head, *next; b; b = next) {
        next = b->next;
        /* Keep a block of the usual size; larger ones served a single large request. */
        if (!keep && b->size == ARENA_BLOCK)
            keep = b;
        else
            free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
}

/* Uninitialized memory: for text, which is written in full right away. */
static void *alloc_raw(arena *a, size_t size) {
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0) size = ARENA_ALIGN;
    block *b = a->head;
    if (!b || b->size - b->used < size) {
        /* Large requests get a block of their own, kept behind the current one so the
         * current block's free space is not wasted. */
        if (size > ARENA_BLOCK / 4 && b) {
            block *big = block_new(size);
            big->next = b->next;
            b->next = big;
            big->used = size;
            return big->data;
        }
        b = block_new(size > ARENA_BLOCK ? size : ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void *arena_alloc_uninit(arena *a, size_t size) { return alloc_raw(a, size); }

void *arena_alloc(arena *a, size_t size) {
    void *p = alloc_raw(a, size);
    memset(p, 0, size);
    return p;
}

void *arena_calloc(arena *a, size_t count, size_t size) {
    if (size && count > (size_t)-1 / size) {
        fputs("syncspec: allocation overflow\n", stderr);
        abort();
    }
    return arena_alloc(a, count * size);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = alloc_raw(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) n = 0;
    char *p = alloc_raw(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
