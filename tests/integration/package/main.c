/* An out-of-tree program built against an installed syncspec with pkg-config alone. */
#include <stdio.h>
#include <string.h>

#include "app_schema.h"

int main(void) {
    size_t synced = 0;
    for (size_t i = 0; i < app_schema.table_count; i++) synced += !app_schema.tables[i].local_only;
    const syncspec_table *documents = syncspec_schema_table(&app_schema, "documents");
    if (!documents || !syncspec_table_column(documents, "project_id")) {
        fputs("documents.project_id missing from the generated schema\n", stderr);
        return 1;
    }
    printf("%s: %zu tables, %zu synced, version %s\n", app_schema.name, app_schema.table_count,
           synced, SYNCSPEC_VERSION);
    return 0;
}
