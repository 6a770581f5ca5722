/*
 * The one-line summary of every command, written once: the command list of
 * `syncspec --help` and the first line of each `COMMAND --help` read them. It is linked
 * into syncspec-serve too, which runs only serve.
 */
#include <string.h>

#include "cli/options.h"

const cli_summary cli_summaries[] = {
    {"lint", "check a spec against every rule of the spec language"},
    {"generate", "generate SQL, sync rules, C and TypeScript from a spec"},
    {"check", "diff live databases, sync rules and generated files against a spec"},
    {"new-table", "append a table to a spec, then regenerate"},
    {"init", "start a project: a starter spec, a Makefile fragment, a CI workflow"},
    {"serve", "serve PowerSync clients (downloads and uploads) from one PostgreSQL"},
    {NULL, NULL},
};

const char *cli_summary_of(const char *name) {
    for (const cli_summary *s = cli_summaries; s->name; s++)
        if (strcmp(s->name, name) == 0) return s->summary;
    return "";
}
