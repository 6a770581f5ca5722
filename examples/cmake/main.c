/* Lists the tables the generated schema describes. */
#include <stdio.h>

#include "app_schema.h"

int main(void) {
    for (size_t i = 0; i < app_schema.table_count; i++)
        printf("%s%s\n", app_schema.tables[i].name,
               app_schema.tables[i].local_only ? " (local-only)" : "");
    return 0;
}
