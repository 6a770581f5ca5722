/* The templates compiled into the binary (see tools/embed.c). */
#ifndef SYNCSPEC_EMIT_EMBEDDED_H
#define SYNCSPEC_EMIT_EMBEDDED_H

#include <stddef.h>

typedef struct embedded_file {
    const char *path; /* below templates/, e.g. "sqlite/sqlite.sql" */
    const char *data;
    size_t size;
} embedded_file;

/* Ends with an entry whose path is NULL. */
extern const embedded_file embedded_templates[];

#endif
