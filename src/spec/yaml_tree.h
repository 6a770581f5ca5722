/*
 * YAML text → a small tree of mappings, lists and scalars with 1-based positions, built
 * from libyaml's event API. Duplicate keys are reported here (libyaml does not) and only
 * the first definition is kept; aliases, unknown tags and excessive nesting are reported
 * and make the tree unusable.
 */
#ifndef SYNCSPEC_SPEC_YAML_TREE_H
#define SYNCSPEC_SPEC_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/diag.h"

typedef enum ynode_kind { YNODE_SCALAR = 0, YNODE_MAPPING, YNODE_SEQUENCE } ynode_kind;

/* What a scalar resolves to under the YAML 1.2 core schema; quoted scalars are strings. */
typedef enum yscalar_kind {
    YSCALAR_NULL = 0,
    YSCALAR_BOOL,
    YSCALAR_INT,
    YSCALAR_FLOAT,
    YSCALAR_STRING
} yscalar_kind;

typedef struct ynode ynode;

typedef struct ypair {
    const ynode *key; /* always a scalar */
    const ynode *value;
} ypair;

struct ynode {
    /* Scalars: the text, NUL-terminated, `len` bytes. */
    const char *text;
    union {
        const ypair *pairs;        /* mappings */
        const ynode *const *items; /* lists */
    };
    uint32_t len, count; /* a spec is at most 16 MiB, so 32 bits hold any size */
    uint32_t line, col;  /* 1-based, in characters */
    /* Byte offset just past the node in the text: a scalar's last character, a container's
     * end as libyaml marks it (for a block container, the start of the next less-indented
     * token, past trailing comments; for a flow one, past its closing bracket). */
    uint32_t end;
    uint8_t kind;   /* ynode_kind */
    uint8_t scalar; /* yscalar_kind: how a scalar resolves */
    bool plain;     /* written unquoted and untagged */
    bool flow;      /* a mapping or list written in flow style ({ } or [ ]) */
};

/*
 * Parses one YAML document into `a`, with the scalars' texts in `texts` (so the tree can be
 * freed while the texts live on). Returns 0 and sets *root (never NULL: an empty document
 * is a null scalar); returns -1 when the text cannot be turned into a tree (syntax error,
 * alias, unsupported tag, nesting too deep, several documents), with diagnostics.
 * Duplicate keys and non-scalar keys are reported and dropped without failing.
 */
int ytree_parse(const ynode **root, arena *a, arena *texts, const char *file, const char *data,
                size_t len, diag_list *diags);

/* The value of `key` in a mapping, or NULL. */
const ynode *ytree_get(const ynode *mapping, const char *key);

/* Resolution of a plain scalar's text under the core schema. */
yscalar_kind ytree_resolve(const char *text, size_t len);

#endif
