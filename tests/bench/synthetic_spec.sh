#!/usr/bin/env bash
# Prints a synthetic spec of N tables (default 1,000) with 12 declared columns each,
# mixing every type and the common options, for the benchmarks.
set -euo pipefail
n=${1:-1000}
cat <<HEAD
syncspec: 1
name: bench
tables:
HEAD
for ((t = 0; t < n; t++)); do
  cat <<TABLE
  table_$t:
    description: Synthetic table $t
    soft_delete: $([ $((t % 2)) -eq 0 ] && echo true || echo false)
    columns:
      title: { type: text, required: true, max_length: 200 }
      body: text
      status: { type: text, enum: [draft, published, archived], default: draft }
      slug: { type: text, pattern: '^[a-z0-9-]+\$' }
      position: { type: integer, min: 0 }
      score: { type: real, min: 0, max: 100 }
      is_public: { type: boolean, required: true, default: false }
      published_at: timestamp
      metadata: json
      parent_id: { type: id }
      device_id: { type: text, required: true }
      word_count: { type: integer, required: true, default: 0 }
    indexes:
      - [parent_id]
      - [status, published_at]
    unique:
      - [parent_id, slug]
TABLE
done
