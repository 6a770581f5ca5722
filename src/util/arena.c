#include "util/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { ARENA_BLOCK = 64 * 1024, ARENA_ALIGN = 16 };

/*
 * An arena that has grown past HUGE_AFTER (the spec's model, its YAML tree) takes its
 * next blocks HUGE_BLOCK at a time, mapped on a HUGE_BLOCK boundary and marked for
 * transparent huge pages where the system has them. The first touch of fresh memory is
 * what loading a large spec mostly costs (a page fault per 4 KiB, about 15 us each on a
 * virtual machine); a huge page is one fault for 2 MiB. Small arenas (scratch, the
 * diagnostics of a lane) never get there and keep their memory small.
 */
enum { HUGE_BLOCK = 2 * 1024 * 1024, HUGE_AFTER = 512 * 1024 };

typedef struct block {
    struct block *next;
    size_t used, size;
    bool mapped; /* from map_huge (zero-filled, unmapped on free), else from malloc */
    _Alignas(ARENA_ALIGN) unsigned char data[];
} block;

struct arena {
    block *head;
    size_t total; /* bytes of every block so far */
};

static void out_of_memory(void) {
    fputs("syncspec: out of memory\n", stderr);
    abort();
}

static block *block_new(size_t size) {
    block *b = malloc(sizeof(block) + size);
    if (!b) out_of_memory();
    b->next = NULL;
    b->used = 0;
    b->size = size;
    b->mapped = false;
    return b;
}

/* A HUGE_BLOCK-aligned block of HUGE_BLOCK bytes, or NULL (then malloc serves). */
static block *map_huge(void) {
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    /* Twice the size, then the unaligned ends are given back. */
    size_t span = 2 * (size_t)HUGE_BLOCK;
    unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)p + HUGE_BLOCK - 1) & ~(uintptr_t)(HUGE_BLOCK - 1);
    unsigned char *aligned = (unsigned char *)start;
    if (aligned > p) munmap(p, (size_t)(aligned - p));
    if (aligned + HUGE_BLOCK < p + span)
        munmap(aligned + HUGE_BLOCK, (size_t)(p + span - (aligned + HUGE_BLOCK)));
    madvise(aligned, HUGE_BLOCK, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
    block *b = (block *)aligned;
    b->next = NULL;
    b->used = 0;
    b->size = HUGE_BLOCK - sizeof(block);
    b->mapped = true;
    return b;
#else
    return NULL;
#endif
}

static void block_free(block *b) {
    if (b->mapped)
        munmap(b, HUGE_BLOCK);
    else
        free(b);
}

arena *arena_new(void) { return calloc(1, sizeof(arena)); }

void arena_free(arena *a) {
    if (!a) return;
    for (block *b = a->head, *next; b; b = next) {
        next = b->next;
        block_free(b);
    }
    free(a);
}

void arena_reset(arena *a) {
    block *keep = NULL;
    for (block *b = a->head, *next; b; b = next) {
        next = b->next;
        /* Keep a block of the usual size; larger ones served a single large request. */
        if (!keep && b->size == ARENA_BLOCK && !b->mapped)
            keep = b;
        else
            block_free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = keep ? keep->size : 0;
}

/* alloc_from when the current block is full (or there is none), kept out of line so that
 * the common case stays a few instructions with nothing to save and restore. */
__attribute__((noinline)) static void *alloc_from_new_block(arena *a, size_t size, bool *zero) {
    block *b = a->head;
    /* Large requests get a block of their own, kept behind the current one so the current
     * block's free space is not wasted. */
    if (size > ARENA_BLOCK / 4 && b) {
        block *big = block_new(size);
        big->next = b->next;
        b->next = big;
        big->used = size;
        a->total += size;
        *zero = false;
        return big->data;
    }
    b = NULL;
    if (a->total >= HUGE_AFTER && size <= HUGE_BLOCK - sizeof(block)) b = map_huge();
    if (!b) b = block_new(size > ARENA_BLOCK ? size : ARENA_BLOCK);
    b->next = a->head;
    a->head = b;
    a->total += b->size;
    b->used = size;
    *zero = b->mapped;
    return b->data;
}

/* Uninitialized memory: for text, which is written in full right away. Sets *zero when
 * the memory is known to be zero-filled (fresh from map_huge). */
static void *alloc_from(arena *a, size_t size, bool *zero) {
    size = size ? (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1) : ARENA_ALIGN;
    block *b = a->head;
    if (!b || b->size - b->used < size) return alloc_from_new_block(a, size, zero);
    void *p = b->data + b->used;
    b->used += size;
    *zero = b->mapped;
    return p;
}

static void *alloc_raw(arena *a, size_t size) {
    bool zero;
    return alloc_from(a, size, &zero);
}

void *arena_alloc_uninit(arena *a, size_t size) { return alloc_raw(a, size); }

void *arena_alloc(arena *a, size_t size) {
    bool zero;
    void *p = alloc_from(a, size, &zero);
    /* A mapped block is never reused, so what it has not handed out yet is still zero. */
    if (!zero) memset(p, 0, size);
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

char *arena_concat(arena *a, ...) {
    va_list ap;
    va_start(ap, a);
    size_t n = 0;
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) n += strlen(s);
    va_end(ap);
    char *out = alloc_raw(a, n + 1), *o = out;
    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
        size_t len = strlen(s);
        memcpy(o, s, len);
        o += len;
    }
    va_end(ap);
    *o = '\0';
    return out;
}
