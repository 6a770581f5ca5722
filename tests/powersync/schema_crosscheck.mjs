// PowerSync's own client-schema generator (schemaGenerators.ts of
// @powersync/service-sync-rules) against syncspec's: run on a sync_rules.yaml and the
// PostgreSQL schema it reads (a tables JSON, as validate.mjs takes), it must give the
// same tables, columns (in order) and column types as the generated <name>_powersync.json
// holds for the synced tables. Differences are printed.
// Usage: node schema_crosscheck.mjs SYNC_RULES.yaml TABLES.json POWERSYNC.json
// Exit: 0 the same, 1 different, 2 usage.
import './node20.mjs';
import fs from 'node:fs';

if (process.argv.length !== 5) {
  console.error('usage: node schema_crosscheck.mjs SYNC_RULES.yaml TABLES.json POWERSYNC.json');
  process.exit(2);
}
const { SqlSyncRules, StaticSchema, schemaGenerators } = await import('@powersync/service-sync-rules');
const [yaml, tablesJson, generatedJson] = process.argv.slice(2).map((f) => fs.readFileSync(f, 'utf8'));
const schema = new StaticSchema([{ tag: 'default', schemas: [{ name: 'public', tables: JSON.parse(tablesJson) }] }]);
const { config } = SqlSyncRules.fromYaml(yaml, { defaultSchema: 'public', schema, throwOnError: true });
const theirs = schemaGenerators.ts.generate(config, schema);

// "const <table> = new Table(\n  {\n    <column>: column.<type>,\n ..." → table → "col type, ..."
const parsed = new Map();
for (const [, table, body] of theirs.matchAll(/const (\w+) = new Table\(\n  \{\n([\s\S]*?)\n  \}/g)) {
  const columns = [...body.matchAll(/^ {4}(\w+): column\.(\w+)/gm)].map(([, c, t]) => `${c} ${t}`);
  parsed.set(table, columns.join(', '));
}
const ours = new Map(
  JSON.parse(generatedJson)
    .tables.filter((t) => !t.local_only)
    .map((t) => [t.name, t.columns.map((c) => `${c.name} ${c.type.toLowerCase()}`).join(', ')]),
);
let differences = 0;
for (const name of new Set([...parsed.keys(), ...ours.keys()])) {
  if (parsed.get(name) === ours.get(name)) continue;
  differences++;
  console.log(`${name}:\n  PowerSync's generator: ${parsed.get(name) ?? '(no table)'}\n  syncspec:              ${ours.get(name) ?? '(no table)'}`);
}
if (parsed.size === 0) {
  console.log(`no table found in the generator's output:\n${theirs}`);
  differences++;
}
process.exit(differences ? 1 : 0);
