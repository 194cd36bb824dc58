// Every column type through Kafka and back, compared with MariaDB value by value: a seeded table of
// random column types (every family the fuzzer knows: integers at their limits, DECIMAL up to 65
// digits, FLOAT/DOUBLE edges, text in many character sets, binary, temporal types with fractions and
// zero dates, BIT, ENUM/SET, JSON, geometries, UUID/INET) and random rows is captured by the kafka
// sink (snapshot, then inserts, updates and deletes from the binlog), read back by the kafka source
// into DuckDB, and the DuckDB table must equal the MariaDB table, types and values, as the DuckDB
// sink fed by the MySQL source does. debezium-json with its schema block: the format whose messages
// carry the exact column types (canal-json and plain JSON have none: their columns are inferred from
// the values, TIMESTAMP text as STRING, README, Kafka source: Types).
//
// TIDEMARK_KAFKA_ROUNDTRIP_SEEDS=a-b runs other seeds (default 1-4).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { startKafkaMock, type KafkaMock } from './support/kafka-mock.js';
import { Prng } from './support/prng.js';
import { runTidemark, tempDir } from './support/tidemark-cli.js';
import { compareTable, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';
import { randomType } from './fuzz/layout.js';
import type { Feature } from './fuzz/features.js';
import { typeSql, qi, type TypeSpec } from './fuzz/type-spec.js';
import { randomLiteral } from './fuzz/values.js';

let db: MariaDbInstance;
let kafka: KafkaMock;
before(async () => {
  db = await sharedMariaDb();
  kafka = await startKafkaMock();
});
after(async () => {
  await kafka?.stop();
});

const FEATURES: ReadonlySet<Feature> = new Set(['json', 'spatial', 'uuid-inet', 'exotic-charsets']);
const COLUMNS = 14;
const ROWS = 40;

const [firstSeed, lastSeed] = (process.env.TIDEMARK_KAFKA_ROUNDTRIP_SEEDS ?? '1-4')
  .split('-')
  .map(Number) as [number, number];

type Format = 'debezium-json';

function pipelines(dir: string, format: Format, database: string, topic: string): [string, string] {
  const capture = join(dir, 'capture.yaml');
  writeFileSync(
    capture,
    `source:
  type: mysql
  hostname: ${db.host}
  port: ${db.port}
  username: ${db.rootUser}
  password: "${db.rootPassword}"
  tables: ${database}\\.t
sink:
  type: kafka
  properties.bootstrap.servers: ${kafka.bootstrap}
  topic: ${topic}
  value.format: ${format}
  ${format}.include-schema.enabled: true
pipeline:
  name: roundtrip capture ${database}
`,
  );
  const ingest = join(dir, 'ingest.yaml');
  writeFileSync(
    ingest,
    `source:
  type: kafka
  properties.bootstrap.servers: ${kafka.bootstrap}
  properties.session.timeout.ms: 1000
  topic: ${topic}
  scan.startup.mode: earliest-offset
  value.format: ${format}
  ${format}.distributed-tables: true
transform:
  - source-table: ${database}.t
    projection: \\*
    primary-keys: id
sink:
  type: duckdb
  path: ${join(dir, 'lake.duckdb')}
pipeline:
  name: roundtrip ingest ${database}
`,
  );
  return [capture, ingest];
}

async function runToCaughtUp(pipeline: string, state: string): Promise<void> {
  const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, `${pipeline}:\n${r.stderr.slice(-4000)}`);
}

/** Statements inserting, updating and deleting random rows of `types` (id 1..ROWS, then changes). */
function rowsSql(rng: Prng, table: string, types: readonly TypeSpec[], phase: 'snapshot' | 'stream'): string {
  const literal = (t: TypeSpec): string =>
    rng.chance(0.1) ? 'NULL' : randomLiteral(rng, t, { large: false, foreign: false });
  const names = types.map((_, i) => qi(`c${i}`));
  if (phase === 'snapshot')
    return Array.from(
      { length: ROWS },
      (_, id) =>
        `INSERT INTO ${table} (id, ${names.join(', ')}) VALUES (${id + 1}, ${types.map(literal).join(', ')});`,
    ).join('\n');
  const out: string[] = [];
  for (let id = 1; id <= ROWS; id++) {
    if (rng.chance(0.3)) {
      const i = rng.int(0, types.length - 1);
      out.push(`UPDATE ${table} SET ${names[i]} = ${literal(types[i]!)} WHERE id = ${id};`);
    } else if (rng.chance(0.1)) out.push(`DELETE FROM ${table} WHERE id = ${id};`);
  }
  for (let id = ROWS + 1; id <= ROWS + 10; id++)
    out.push(
      `INSERT INTO ${table} (id, ${names.join(', ')}) VALUES (${id}, ${types.map(literal).join(', ')});`,
    );
  return out.join('\n');
}

async function assertLakeEqualsSource(dir: string, database: string, what: string): Promise<void> {
  const d = await openDuckDbReadOnly(join(dir, 'lake.duckdb'));
  try {
    const diffs = await compareTable(
      db,
      { database, table: 't' },
      d.conn,
      { schema: database, table: 't' },
      {
        zeroDates: 'sink-null',
      },
    );
    assert.deepEqual(diffs.map(formatDiff), [], what);
  } finally {
    d.close();
  }
}

for (const format of ['debezium-json'] as const) {
  for (let seed = firstSeed; seed <= lastSeed; seed++) {
    test(`every column type through Kafka (${format}) and back equals MariaDB, seed ${seed}`, async () => {
      const rng = new Prng(`kafka-roundtrip-${format}-${seed}`);
      const types = Array.from({ length: COLUMNS }, () => randomType(rng, FEATURES));
      const database = `krt_${format.split('-')[0]}_${seed}`;
      const table = `${qi(database)}.t`;
      const columns = types.map((t, i) => `${qi(`c${i}`)} ${typeSql(t)}`).join(', ');
      // non-strict: zero dates and values out of a column's range are stored as the server makes them
      await db.query(`SET SESSION sql_mode = '';
        DROP DATABASE IF EXISTS ${qi(database)}; CREATE DATABASE ${qi(database)};
        CREATE TABLE ${table} (id INT PRIMARY KEY, ${columns});
        ${rowsSql(rng, table, types, 'snapshot')}`);
      const dir = tempDir('tidemark-kafka-roundtrip-');
      const [capture, ingest] = pipelines(dir, format, database, `${database}_changes`);
      const what = `seed ${seed}, columns: ${types.map(typeSql).join(', ')}`;
      await runToCaughtUp(capture, join(dir, 'capture-state'));
      await runToCaughtUp(ingest, join(dir, 'ingest-state'));
      await assertLakeEqualsSource(dir, database, `${what} (snapshot)`);

      await db.query(`SET SESSION sql_mode = ''; ${rowsSql(rng, table, types, 'stream')}`);
      await runToCaughtUp(capture, join(dir, 'capture-state'));
      await runToCaughtUp(ingest, join(dir, 'ingest-state'));
      await assertLakeEqualsSource(dir, database, `${what} (stream)`);
    });
  }
}
