// Runs PowerSync's own sync rules compiler on a sync_rules.yaml, given the PostgreSQL
// schema as a tables JSON ([{name, columns: [{name, pg_type}]}], pg_type being the short
// udt_name: text, int8, float8, bool, timestamptz, jsonb). Bad table or column names are
// only warnings, and only with a schema, so any error or warning fails.
// Usage: node validate.mjs SYNC_RULES.yaml TABLES.json
// Exit: 0 accepted, 1 errors or warnings (printed), 2 usage.
import fs from 'node:fs';

import './node20.mjs';

if (process.argv.length !== 4) {
  console.error('usage: node validate.mjs SYNC_RULES.yaml TABLES.json');
  process.exit(2);
}
const { SqlSyncRules, StaticSchema } = await import('@powersync/service-sync-rules');
const tables = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const schema = new StaticSchema([{ tag: 'default', schemas: [{ name: 'public', tables }] }]);
const yaml = fs.readFileSync(process.argv[2], 'utf8');
let errors;
try {
  ({ errors } = SqlSyncRules.fromYaml(yaml, { defaultSchema: 'public', schema, throwOnError: false }));
} catch (e) {
  errors = [{ type: 'fatal', message: String(e && e.message ? e.message : e) }];
}
for (const e of errors) console.log(`${e.type}: ${e.message}`);
process.exit(errors.length ? 1 : 0);
