/*
 * Limits of the spec language. A spec that exceeds one gets a diagnostic, never a crash or
 * an unbounded allocation.
 */
#ifndef SYNCSPEC_MODEL_LIMITS_H
#define SYNCSPEC_MODEL_LIMITS_H

/* A spec file is read whole; anything larger is certainly not a hand-written spec. */
#define SPEC_LIMIT_BYTES (16u * 1024u * 1024u)

/* YAML nesting (mappings and lists inside one another). A spec needs about 7 levels; the
 * rest is room for json defaults. */
#define SPEC_LIMIT_DEPTH 64

/* PostgreSQL's NAMEDATALEN - 1: longer names are truncated silently, which reads as drift. */
#define SPEC_LIMIT_NAME 63

/* Tables of one spec: far beyond any application, and it bounds the model's memory. */
#define SPEC_LIMIT_TABLES 10000

/* Columns of one table, implicit ones included (PostgreSQL's hard limit is 1,600). */
#define SPEC_LIMIT_COLUMNS 1500

/* Columns of one index (PostgreSQL's INDEX_MAX_KEYS). */
#define SPEC_LIMIT_INDEX_COLUMNS 32

/* max_length, in characters: PostgreSQL cannot store a text value over 1 GiB anyway. */
#define SPEC_LIMIT_MAX_LENGTH 1073741823

/* Generated index names that would exceed SPEC_LIMIT_NAME keep this many bytes of their
 * prefix, then '_' and 8 hex digits of a hash of the full name: 54 + 1 + 8 = 63. */
#define SPEC_SHORT_NAME_PREFIX 54

#endif
