/**
 * Kafka benchmark (issue #12): tidemark's Kafka sink and source as users run them (the bundled CLI,
 * `npm run build`, in a temporary directory), next to references measured in the same run, on a
 * private MariaDB and librdkafka's mock cluster (a real Kafka protocol implementation in a process of
 * its own; no disk, so it flatters both sides alike).
 *
 * 1. produce: an UPDATE workload (`--events` row events in 1000-row transactions) streamed from the
 *    binlog into Kafka (debezium-json, `partition.strategy: hash-by-key`, 8 partitions). Its row
 *    events/s next to librdkafka's own produce rate for the same number of messages of the same mean
 *    size and keys (a plain native producer process: the ceiling). Goals: ≥ 100k row events/s,
 *    ≥ 0.5× the raw rate.
 * 2. consume: `--consume` of those change events read back from Kafka into DuckDB (the kafka source,
 *    distributed tables), next to the DuckDB sink's rate for the same events straight from the
 *    MySQL source. (The mock keeps ~5 MiB per partition, which bounds this workload.)
 * 3. latency: single-row transactions at `--tps` per second for `--seconds`, the capture pipeline
 *    running; a consumer in this process records when each change is readable in Kafka, from the
 *    moment its UPDATE was sent. Prints p50/p99 (goal p99 < 50 ms).
 *
 * Rates are measured from the moment the source begins reading to the CLI's `Stopped (…)` line
 * (module loading and connecting excluded; the whole process time is printed beside): the MySQL
 * source's `starting` log line, the Kafka source's first `partitions assigned` (after it joined
 * its consumer group: a start-up cost like connecting, which the mock makes take seconds at
 * times). Every run has a fresh state directory.
 *
 *   npm run bench:kafka                     1M events, 100k consumed, 10 s at 1000 tx/s
 *   npm run bench:kafka -- --small          the smoke size (test/bench-kafka-smoke.test.ts)
 *   --events N  --consume N  --tps N  --seconds N
 *   --profile DIR                           V8 CPU profiles of the timed CLI runs into DIR
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Kafka from '@confluentinc/kafka-javascript';
import { startMariaDb, type MariaDbInstance } from '../../test/support/mariadb.js';
import { startKafkaMock, type KafkaMock } from '../../test/support/kafka-mock.js';
import { startTidemark, tempDir } from '../../test/support/tidemark-cli.js';
import { compileCli, removeCompiledCli } from '../../test/support/compiled-cli.js';
import { logTime } from '../support/process-stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const small = args.includes('--small');
const events = arg('--events', small ? 20_000 : 1_000_000);
const consumeEvents = arg('--consume', small ? 10_000 : 100_000);
const tps = arg('--tps', 1000);
const seconds = arg('--seconds', small ? 2 : 10);
const profileDir = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const PARTITIONS = 8;
const KEYS = 100_000;
const TX_ROWS = 1000;

interface Measured {
  readonly rate: number;
  readonly seconds: number;
  readonly processSeconds: number;
}

const cliBin = compileCli('bench-kafka');
const db = await startMariaDb();
const kafka = await startKafkaMock();
const work = tempDir('tidemark-bench-kafka-');
try {
  await db.query(`CREATE DATABASE bench;
    CREATE TABLE bench.items (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL,
      price DECIMAL(12,2) NOT NULL, v BIGINT NOT NULL, changed DATETIME(6) NOT NULL);
    INSERT INTO bench.items SELECT seq, CONCAT('item ', seq), seq % 100000 / 100, 0, NOW(6)
      FROM bench.seq_1_to_${KEYS}`);
  const consumeFrom = await binlogPosition(db);
  await updates(db, consumeEvents);
  const viaMysql = await timedRun('reference', duckPipeline(consumeFrom), consumeEvents);
  await kafka.createTopic('consume_in', PARTITIONS);
  await timedRun('capture for consume', kafkaPipeline(consumeFrom, { topic: 'consume_in' }), consumeEvents);
  const viaKafka = await timedRun(
    'consume',
    kafkaSourcePipeline('consume_in'),
    consumeEvents,
    'partitions assigned',
  );

  const produceFrom = await binlogPosition(db);
  await updates(db, events);
  await kafka.createTopic('bench.items', PARTITIONS);
  const produced = await timedRun('produce', kafkaPipeline(produceFrom, {}), events);
  const size = await meanMessageSize(kafka, 'bench.items');
  await kafka.createTopic('raw', PARTITIONS);
  const raw = await rawProduce(kafka.bootstrap, 'raw', events, size, 'errors');
  await kafka.createTopic('raw_every', PARTITIONS);
  const rawEvery = await rawProduce(kafka.bootstrap, 'raw_every', events, size, 'every');
  const latency = await measureLatency(db, kafka);

  const r = (x: number): string => `${Math.round(x)}`;
  process.stdout.write(
    `\nproduce (${events} row events, mean message ${size} B, ${PARTITIONS} partitions)\n`,
  );
  process.stdout.write('| | events/s | work s | process s |\n|---|---:|---:|---:|\n');
  process.stdout.write(
    `| tidemark MariaDB → Kafka | ${r(produced.rate)} | ${produced.seconds.toFixed(2)} | ${produced.processSeconds.toFixed(2)} |\n`,
  );
  process.stdout.write(
    `| librdkafka produce, same messages, failure reports only (as tidemark) | ${r(raw.rate)} | ${raw.seconds.toFixed(2)} | ${raw.processSeconds.toFixed(2)} |\n`,
  );
  process.stdout.write(
    `| librdkafka produce, same messages, a delivery report each | ${r(rawEvery.rate)} | ${rawEvery.seconds.toFixed(2)} | ${rawEvery.processSeconds.toFixed(2)} |\n`,
  );
  process.stdout.write(
    `ratio tidemark / raw (failure reports only): ${(produced.rate / raw.rate).toFixed(2)} (goal ≥ 0.50); / raw (a report each): ${(produced.rate / rawEvery.rate).toFixed(2)}; ${r(produced.rate)} events/s (goal ≥ 100000)\n`,
  );
  process.stdout.write(`\nconsume (${consumeEvents} change events)\n`);
  process.stdout.write('| | events/s | work s | process s |\n|---|---:|---:|---:|\n');
  process.stdout.write(
    `| tidemark Kafka → DuckDB | ${r(viaKafka.rate)} | ${viaKafka.seconds.toFixed(2)} | ${viaKafka.processSeconds.toFixed(2)} |\n`,
  );
  process.stdout.write(
    `| tidemark MariaDB → DuckDB (same events) | ${r(viaMysql.rate)} | ${viaMysql.seconds.toFixed(2)} | ${viaMysql.processSeconds.toFixed(2)} |\n`,
  );
  process.stdout.write(`ratio Kafka / MariaDB source: ${(viaKafka.rate / viaMysql.rate).toFixed(2)}\n`);
  process.stdout.write(
    `\nlatency, commit → readable in Kafka, ${latency.count} transactions at ${tps}/s: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (goal p99 < 50 ms)\n`,
  );
} finally {
  await kafka.stop();
  await db.stop();
  removeCompiledCli(cliBin);
  rmSync(work, { recursive: true, force: true });
}

async function binlogPosition(m: MariaDbInstance): Promise<{ file: string; pos: number }> {
  const [s] = await m.query<{ File: string; Position: number | string }[]>('SHOW MASTER STATUS');
  return { file: s!.File, pos: Number(s!.Position) };
}

/** `n` row events: UPDATEs of TX_ROWS consecutive keys a transaction, cycling over the keys. */
async function updates(m: MariaDbInstance, n: number): Promise<void> {
  for (let done = 0; done < n; done += TX_ROWS) {
    const first = (done % KEYS) + 1;
    const rows = Math.min(TX_ROWS, n - done);
    await m.query(
      `UPDATE bench.items SET v = v + 1, changed = NOW(6) WHERE id BETWEEN ${first} AND ${first + rows - 1}`,
    );
  }
}

function mysqlBlock(from: { file: string; pos: number } | 'latest'): string {
  return `source:
  type: mysql
  hostname: 127.0.0.1
  port: ${db.port}
  username: root
  password: ""
  tables: bench.items
  server-id: 5400-5404
${
  from === 'latest'
    ? '  scan.startup.mode: latest-offset'
    : `  scan.startup.mode: specific-offset
  scan.startup.specific-offset.file: ${from.file}
  scan.startup.specific-offset.pos: ${from.pos}`
}
`;
}

function duckPipeline(from: { file: string; pos: number }): string {
  return `${mysqlBlock(from)}
sink:
  type: duckdb
  path: ${join(work, `ref-${Date.now()}.duckdb`)}
`;
}

function kafkaPipeline(from: { file: string; pos: number } | 'latest', o: { topic?: string }): string {
  return `${mysqlBlock(from)}
sink:
  type: kafka
  properties.bootstrap.servers: ${kafka.bootstrap}
  value.format: debezium-json
  partition.strategy: hash-by-key
${o.topic ? `  topic: ${o.topic}\n` : ''}`;
}

function kafkaSourcePipeline(topic: string): string {
  return `source:
  type: kafka
  properties.bootstrap.servers: ${kafka.bootstrap}
  properties.group.id: bench-consume
  topic: ${topic}
  scan.startup.mode: earliest-offset
  value.format: debezium-json
  debezium-json.distributed-tables: true

transform:
  - source-table: bench.items
    projection: \\*
    primary-keys: id

sink:
  type: duckdb
  path: ${join(work, `consume-${Date.now()}.duckdb`)}
`;
}

/** Runs a pipeline to caught-up; the rate of `expected` events over the pipeline's working time. */
async function timedRun(
  what: string,
  yaml: string,
  expected: number,
  begins = 'starting',
): Promise<Measured> {
  const dir = tempDir('tidemark-bench-kafka-run-');
  try {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, `${yaml}\npipeline:\n  name: bench kafka ${what}\n  parallelism: 1\n`);
    const t0 = Date.now();
    let stoppedAt: number | undefined;
    const child = startTidemark(
      ['run', file, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
      {},
      cliBin,
      nodeArgs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      if (stoppedAt === undefined && d.toString().includes('Stopped (')) stoppedAt = Date.now();
    });
    const r = await child.result;
    const processSeconds = (Date.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`${what} failed:\n${r.stderr.slice(-3000)}`);
    const written = Number(/Stopped \([^)]*\); (\d+) change/.exec(r.stdout)?.[1]);
    if (written < expected) throw new Error(`${what}: wrote ${written} changes, expected ${expected}`);
    const begin = logTime(r.stderr, begins);
    if (begin === undefined)
      throw new Error(`${what}: the log has no "${begins}" line:\n${r.stderr.slice(-3000)}`);
    const secs = ((stoppedAt ?? Date.now()) - begin) / 1000;
    process.stdout.write(
      `  ${what}: ${written} changes in ${secs.toFixed(2)} s (process ${processSeconds.toFixed(2)} s)\n`,
    );
    return { rate: expected / secs, seconds: secs, processSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mean size of the values of up to 1000 messages of the topic (kcat's `%S`). */
async function meanMessageSize(k: KafkaMock, topic: string): Promise<number> {
  const out = await capture('kcat', [
    '-b',
    k.bootstrap,
    '-C',
    '-t',
    topic,
    '-c',
    '1000',
    '-e',
    '-q',
    '-f',
    '%S\n',
  ]);
  const sizes = out.split('\n').filter(Boolean).map(Number);
  return Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
}

/** librdkafka's own rate: a native producer process sends n keyed messages of `size` bytes. */
async function rawProduce(
  bootstrap: string,
  topic: string,
  n: number,
  size: number,
  reports: 'every' | 'errors',
): Promise<Measured> {
  const t0 = Date.now();
  const out = await capture(process.execPath, [
    '--import',
    'tsx',
    new URL('raw-produce.ts', import.meta.url).pathname,
    bootstrap,
    topic,
    String(n),
    String(size),
    reports,
  ]);
  const ms = Number(/produced in (\d+) ms/.exec(out)?.[1]);
  return { rate: n / (ms / 1000), seconds: ms / 1000, processSeconds: (Date.now() - t0) / 1000 };
}

function capture(cmd: string, argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`)),
    );
  });
}

interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

/** Single-row UPDATEs at `tps`/s while a capture pipeline runs; when each one is readable in Kafka. */
async function measureLatency(m: MariaDbInstance, k: KafkaMock): Promise<Latency> {
  await k.createTopic('latency', PARTITIONS);
  const dir = tempDir('tidemark-bench-kafka-latency-');
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(
    file,
    `${kafkaPipeline('latest', { topic: 'latency' })}\npipeline:\n  name: bench kafka latency\n`,
  );
  const child = startTidemark(['run', file, '--state-dir', join(dir, 'state')], {}, cliBin);
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const consumer = await latencyConsumer(k.bootstrap, (seq, at) => {
    const t = sent.get(seq);
    if (t !== undefined) latencies.push(at - t);
  });
  try {
    await waitForLog(child, 'starting');
    const total = tps * seconds;
    const start = Date.now();
    for (let i = 1; i <= total; i++) {
      const due = start + (i * 1000) / tps;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      sent.set(i, Date.now());
      void m.query(`UPDATE bench.items SET v = ${-i} WHERE id = ${(i % KEYS) + 1}`);
    }
    const end = Date.now() + 5000;
    while (latencies.length < total && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  } finally {
    consumer.disconnect();
    child.kill('SIGTERM');
    await child.result;
    rmSync(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { count: latencies.length, p50: pct(0.5), p99: pct(0.99) };
}

async function waitForLog(child: ReturnType<typeof startTidemark>, msg: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      if (d.toString().includes(`"msg":"${msg}"`)) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`the pipeline exited before logging ${msg}`)));
  });
}

/** A native consumer of the `latency` topic calling `seen(seq, now)` for each message's `after.v = -seq`. */
async function latencyConsumer(
  bootstrap: string,
  seen: (seq: number, at: number) => void,
): Promise<{ disconnect(): void }> {
  const c = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrap,
      'group.id': 'bench-latency',
      'fetch.wait.max.ms': 5,
      'fetch.min.bytes': 1,
      'enable.auto.commit': false,
    },
    { 'auto.offset.reset': 'latest' },
  );
  await new Promise<void>((resolve, reject) =>
    c.connect({}, (e) => (e ? reject(new Error(e.message)) : resolve())),
  );
  c.subscribe(['latency']);
  c.consume();
  // the driver starts only once this consumer holds the partitions (`latest` would skip earlier ones)
  for (let i = 0; i < 200 && c.assignments().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  if (c.assignments().length === 0) throw new Error('the latency consumer got no partitions');
  c.on('data', (msg) => {
    const v = /"after":\{[^}]*"v":(-?\d+)/.exec(msg.value?.toString() ?? '')?.[1];
    if (v !== undefined) seen(-Number(v), Date.now());
  });
  return { disconnect: () => c.disconnect() };
}
