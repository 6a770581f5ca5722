/* A bump allocator: the compiler allocates a whole run from one arena and frees it once. */
#ifndef SYNCSPEC_UTIL_ARENA_H
#define SYNCSPEC_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* Returns NULL only when memory is exhausted. */
arena *arena_new(void);
/* Frees every block; NULL is a no-op. */
void arena_free(arena *a);
/* Frees everything allocated so far but keeps one block for what comes next, so an arena
 * emptied and refilled in a loop keeps reusing memory that is already paged in. */
void arena_reset(arena *a);

/* Zeroed memory aligned for any type; aborts on exhaustion (a compiler run cannot recover). */
void *arena_alloc(arena *a, size_t size);
void *arena_calloc(arena *a, size_t count, size_t size);
/* Like arena_alloc, but not zeroed: for arrays that are written before they are read. */
void *arena_alloc_uninit(arena *a, size_t size);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings given, up to a NULL, one after the other: arena_printf's "%s%s..." at a
 * fraction of its cost, for the names built for every table and column. */
char *arena_concat(arena *a, ...) __attribute__((sentinel));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);

#endif
