/**
 * Feature switches of the generator (`--features`): each names something the generator does, so
 * that what tidemark cannot handle yet is switched off visibly, never left out silently.
 */
export const FEATURES = {
  spatial: 'GEOMETRY, POINT, LINESTRING, POLYGON, MULTI*, GEOMETRYCOLLECTION columns',
  'uuid-inet': 'MariaDB UUID, INET4 and INET6 columns',
  json: 'JSON columns (MariaDB: LONGTEXT with CHECK (json_valid(...)))',
  'exotic-charsets':
    'text in every character set (cp1251, sjis, big5, gbk, euckr, koi8r, ...), not only the Unicode ones, latin1 and ascii',
  'zero-dates': "zero and partial-zero dates ('0000-00-00', '2024-00-10'): the sink stores NULL",
  'large-rows': 'TEXT/BLOB values of tens of kilobytes (rows events split over several packets)',
  'expr-defaults': 'defaults that are expressions the server evaluates per row: (UUID()), (RAND()), (1 + 2)',
  'binary-defaults': "defaults written as binary literals: X'..', 0x.., b'..'",
  'now-defaults': 'DEFAULT CURRENT_TIMESTAMP[(n)] and ON UPDATE CURRENT_TIMESTAMP',
  'odd-names': 'identifiers that need quoting: spaces, backticks, keywords, non-ASCII',
  keyless: 'tables without a primary key (append tables in the sink)',
  'chunk-key': 'tables without a key snapshotted with scan.incremental.snapshot.chunk.key-column',
  'string-key': 'VARCHAR primary keys in several collations (case- and accent-insensitive, PAD SPACE, _bin)',
  'decimal-key': 'DECIMAL primary keys',
  'temporal-key': 'DATETIME(6) primary keys',
  'composite-key': 'primary keys of several columns',
  'key-moves': 'UPDATEs that change the primary key of rows',
  'upsert-dml': 'REPLACE and INSERT ... ON DUPLICATE KEY UPDATE',
  txn: 'several DML statements in one transaction, committed or rolled back',
  'non-strict': "sql_mode '' (silent truncation, implicit defaults) in some scenarios",
  'session-tz': 'a session time zone other than the server zone (+05:30)',
  'add-column': 'ALTER TABLE ... ADD COLUMN (defaults, NOT NULL with implicit defaults)',
  'drop-column': 'ALTER TABLE ... DROP COLUMN (also key columns)',
  'modify-column': 'MODIFY COLUMN that widens the type or changes NULL / NOT NULL',
  'modify-lossy': 'MODIFY COLUMN to a narrower type or another type family (the server converts the rows)',
  'change-column': 'CHANGE COLUMN old new <definition>',
  'rename-column': 'RENAME COLUMN, also several (swaps) in one statement',
  positions: 'FIRST / AFTER on ADD, MODIFY and CHANGE',
  'multi-clause': 'several clauses in one ALTER TABLE',
  'if-exists': 'IF [NOT] EXISTS on columns and tables (also on ones that (do not) exist)',
  'pk-change': 'ADD / DROP PRIMARY KEY (re-keying)',
  'create-table': 'CREATE TABLE while the pipeline runs',
  'create-like': 'CREATE TABLE ... LIKE',
  'drop-table': 'DROP TABLE',
  'rename-table': 'RENAME TABLE and ALTER TABLE ... RENAME TO',
  truncate: 'TRUNCATE TABLE',
  'cross-db': 'a second database: CREATE ... LIKE and RENAME TABLE across databases',
  kill: 'pipeline stopped at random moments (SIGTERM), also mid-snapshot',
  sigkill: 'pipeline killed with kill -9 at random moments',
  concurrent: 'statements executed while the pipeline streams',
  'parallel-snapshot': 'pipeline.parallelism > 1 and small snapshot chunks',
  'restart-fresh': 'new pipelines (new state and sink) later in a scenario: a snapshot of the changed tables',
  transform:
    'transform rules on some tables: \\* plus computed columns (UPPER, + 1, * 2, CONCAT/CAST, CASE, COALESCE, metadata) and a filter',
  merge: 'shard tables db.shard_* routed into one sink table (merged columns, widened types, disjoint keys)',
  'merge-shard-columns':
    'the merge route with shard-columns: true (_db_name, _table_name in the key; keys overlap)',
  'merge-mixed-kinds':
    'shard columns of different kinds (INT with INT UNSIGNED, numbers with VARCHAR, DATE with DATETIME, DECIMAL with DOUBLE, CHAR/VARCHAR/TEXT) and, now and then, a shard no type merges with (SCHEMA_MERGE)',
} as const;

export type Feature = keyof typeof FEATURES;

export const ALL_FEATURES = Object.keys(FEATURES) as Feature[];

/** Parses `--features`: `all`, a list, or `all,-spatial,-kill` (all but the named ones). */
export function parseFeatures(spec: string | undefined): Set<Feature> {
  if (!spec || spec === 'all') return new Set(ALL_FEATURES);
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out = new Set<Feature>(
    parts.includes('all') || parts.every((p) => p.startsWith('-')) ? ALL_FEATURES : [],
  );
  for (const p of parts) {
    if (p === 'all') continue;
    const name = (p.startsWith('-') ? p.slice(1) : p) as Feature;
    if (!(name in FEATURES)) {
      throw new Error(`unknown feature "${name}"; features: ${ALL_FEATURES.join(', ')}`);
    }
    if (p.startsWith('-')) out.delete(name);
    else out.add(name);
  }
  return out;
}
