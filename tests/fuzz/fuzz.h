/*
 * What the fuzz targets share: each file tests/fuzz/fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize), and is linked either with
 * libFuzzer (make fuzz) or with replay.c (the test suite's regression run over the
 * committed corpus). FUZZ_ROOT is the repository, so a target finds its specs from any
 * working directory.
 */
#ifndef SYNCSPEC_TESTS_FUZZ_H
#define SYNCSPEC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "syncspec.h"

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: say which and abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A spec of the repository loaded once, with row layouts (for sanitizers and stores), or
 * NULL after a message. `relative` is below FUZZ_ROOT. Lives for the whole process. */
const syncspec_schema *fuzz_spec(const char *relative);

/* A target's generated file of that spec ("sqlite.sql", ...) as text, or NULL. */
const char *fuzz_generated(const syncspec_schema *schema, const char *path);

#endif
