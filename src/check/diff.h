/*
 * The comparison of a catalog (what a reader found in a database) with the spec model:
 * every finding about a database's tables, its server and its publication is filed here,
 * each code in one place for SQLite and PostgreSQL alike. What differs between them is
 * data: a db_kind says how the database names types, what it can alter in place, in which
 * order findings follow, and the like.
 */
#ifndef SYNCSPEC_CHECK_DIFF_H
#define SYNCSPEC_CHECK_DIFF_H

#include "check/catalog.h"
#include "check/check.h"
#include "check/repair.h"

/* How databases differ, as far as comparing them with the spec goes. */
enum db_kind_flag {
    /* Findings follow the database's columns and indexes, then the spec's missing ones
     * (SQLite); otherwise the spec's, then the database's extra ones. */
    DB_DATABASE_ORDER = 1 << 0,
    DB_KEEPS_LOCAL_ONLY = 1 << 1,     /* local-only tables belong in it (a client database) */
    DB_KEY_PER_COLUMN = 1 << 2,       /* the primary key is read per column, not as an index */
    DB_BOOLEAN_CHECKS = 1 << 3,       /* booleans are 0/1 under CHECK (c IN (0, 1)) */
    DB_NAMED_CHECKS = 1 << 4,         /* the generated CHECKs are compared by name and text */
    DB_ALTERS_IN_PLACE = 1 << 5,      /* ALTER TABLE changes types, NOT NULL, keys; else rebuild */
    DB_POWERSYNC_VIEWS = 1 << 6,      /* a view may be a PowerSync-managed table */
    DB_REPORTS_EXTRA_TABLES = 1 << 7, /* a table the spec does not have is drift */
};

struct db_kind {
    const char *target;         /* the findings' target and the repair templates: "sqlite" */
    const char *generated_file; /* the file that creates this database: "sqlite.sql" */
    const char *(*type_name)(syncspec_type type);
    bool (*not_null)(const syncspec_column *column);
    /* An index as the generated file creates it from the spec's. */
    syncspec_index (*created_index)(arena *a, const syncspec_table *table,
                                    const syncspec_index *index);
    /* The type a declared type stands for, compared with type_name (SQLite: its
     * affinity); NULL when types are compared as the database prints them. */
    const char *(*affinity)(const char *declared);
    unsigned flags; /* db_kind_flag */
};

/* The state one comparison shares. */
typedef struct diff {
    const catalog *cat;  /* the database as read */
    const db_kind *kind; /* cat->kind */
    const syncspec_schema *schema;
    findings *f; /* where the findings go */
    arena *a;    /* f->a */
} diff;

/* A message or statement, allocated in the comparison's arena. */
#define SAY(d, ...) arena_printf((d)->a, __VA_ARGS__)

/* Adds the findings of `cat` against the spec to f. */
void diff_catalog(findings *f, const syncspec_schema *schema, const catalog *cat);

/* The server's side (diff_server.c): settings before the tables, the publication after. */
void diff_settings(diff *d);
void diff_publication(diff *d);

/* A name of the database's schema as repair SQL writes it: quoted, and qualified by the
 * spec's PostgreSQL schema where there is one. Allocated in d->a. */
const char *diff_qualified(const diff *d, const char *name);

/* The repair statement `repair` for table t (NULL for the publication as a whole). */
const char *diff_repair(const diff *d, const syncspec_table *t, emit_repair repair);

#endif
