// Compile-time checks of the generated TypeScript (tsc --strict --noEmit runs over it):
// the row types of the generated Drizzle schemas are the declared TypeScript types of each
// spec type, and the PowerSync row types are what PowerSync reads. A wrong type is a
// compile error here.
import type { AppDatabase } from './app/app_powersync.js';
import type { DocumentsRow as PgDocumentsRow } from './app/app_drizzle_pg.js';
import type { NewProjectsRow, ProjectsRow } from './app/app_drizzle_sqlite.js';
import type { GroupRow, OrderRow, UserRow } from './edge/edge_drizzle_sqlite.js';
import type { OrderRow as PgOrderRow, GroupRow as PgGroupRow } from './edge/edge_drizzle_pg.js';
import type { EdgeUploadOp, EdgeSyncedTable } from './edge/edge_connector.js';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

// Device rows through Drizzle: booleans, JSON values, enums, timestamps as text.
expectType<Equal<GroupRow['from'], boolean>>();
expectType<Equal<GroupRow['archived'], boolean | null>>();
expectType<Equal<GroupRow['order'], number>>();
expectType<Equal<GroupRow['select'], 'a' | "b'c" | 'd"e' | null>>();
expectType<Equal<GroupRow['userId'], string | null>>();
expectType<Equal<GroupRow['createdAt'], string>>();
expectType<Equal<OrderRow['total'], number | null>>();
expectType<Equal<OrderRow['placedAt'], string>>();
expectType<Equal<OrderRow['meta'], unknown>>();
expectType<Equal<OrderRow['priority'], 1 | 2 | 3 | null>>();
expectType<Equal<OrderRow['ratio'], 0.5 | 1 | 2.25 | null>>();
expectType<Equal<UserRow['int'], number | null>>();
expectType<Equal<UserRow['default'], string | null>>();
expectType<Equal<ProjectsRow['isDefault'], boolean>>();
// An insert needs the required columns only; the owner is filled in by the server.
expectType<Equal<NewProjectsRow['name'], string>>();
expectType<Equal<NewProjectsRow['ownerId'], string | null | undefined>>();

// Server rows through Drizzle: bigint as number, timestamps as strings, owner NOT NULL.
expectType<Equal<PgGroupRow['order'], number>>();
expectType<Equal<PgGroupRow['from'], boolean>>();
expectType<Equal<PgGroupRow['userId'], string>>();
expectType<Equal<PgOrderRow['placedAt'], string>>();
expectType<Equal<PgOrderRow['meta'], unknown>>();
expectType<Equal<PgDocumentsRow['ownerId'], string>>();
expectType<Equal<PgDocumentsRow['deletedAt'], string | null>>();

// PowerSync's own row type: every column but id nullable, booleans as numbers.
expectType<Equal<AppDatabase['projects']['is_default'], number | null>>();
expectType<Equal<AppDatabase['projects']['id'], string>>();

// The connector's upload types.
expectType<Equal<EdgeSyncedTable, 'group' | 'order' | 'a_table_with_a_rather_long_name_to_force_index_shortening'>>();
expectType<Equal<EdgeUploadOp['op'] extends string ? true : false, true>>();
