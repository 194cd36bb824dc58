/** Helpers shared by the DuckDB sink tests (not used by production code). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataChangeEvent, Row } from '../../event/change-event.js';
import type { Column, TableId, TableSchema } from '../../event/table-schema.js';
import type { Checkpoint } from '../../runtime/checkpoint.js';
import { createLogger } from '../../runtime/logger.js';
import type { SinkContext } from '../../runtime/sink.js';
import { openDuckDb } from './duckdb-open.js';
import { DuckDbSink } from './duckdb-sink.js';
import { duckDbSinkOptionsSchema } from './options.js';

export interface TestDir {
  readonly dir: string;
  readonly file: string;
  cleanup(): void;
}

export function tempDb(): TestDir {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-duckdb-'));
  return {
    dir,
    file: join(dir, 'nested', 'dir', 'test.duckdb'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestSink {
  readonly sink: DuckDbSink;
  readonly logs: Record<string, unknown>[];
}

export async function openSink(
  file: string,
  extra: Record<string, unknown> = {},
  pipelineName = 'test-pipeline',
): Promise<TestSink> {
  const options = duckDbSinkOptionsSchema.parse({ path: file, ...extra });
  const sink = new DuckDbSink(options);
  const logs: Record<string, unknown>[] = [];
  const ctx: SinkContext = {
    pipelineName,
    logger: createLogger({
      level: 'debug',
      pretty: false,
      write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    }),
  };
  await sink.open(ctx);
  return { sink, logs };
}

/** Runs SQL on a closed database file and returns rows with every value as DuckDB's text. */
export async function readRows(file: string, sql: string): Promise<(string | null)[][]> {
  const { instance, connection: conn } = await openDuckDb(file, { readOnly: true });
  try {
    const r = await conn.runAndReadAll(sql);
    return r.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export function col(name: string, type: Column['type'], nullable = true): Column {
  return { name, type, nullable };
}

export const INT = { kind: 'integer', bytes: 4, unsigned: false } as const;
export const BIGINT = { kind: 'integer', bytes: 8, unsigned: false } as const;
export const VARCHAR = { kind: 'string', length: 255 } as const;
export const dec = (precision: number, scale: number) => ({ kind: 'decimal', precision, scale }) as const;

const META = { tsMs: 0 };

export function ins(tableId: TableId, after: Row): DataChangeEvent {
  return { kind: 'data', tableId, op: 'insert', before: null, after, meta: META };
}
export function upd(tableId: TableId, before: Row, after: Row): DataChangeEvent {
  return { kind: 'data', tableId, op: 'update', before, after, meta: META };
}
export function del(tableId: TableId, before: Row): DataChangeEvent {
  return { kind: 'data', tableId, op: 'delete', before, after: null, meta: META };
}

export function checkpoint(seq: number, position = `pos-${seq}`): Checkpoint {
  return {
    seq,
    pipeline: 'test-pipeline',
    source: { position, n: seq },
    runtime: { tables: [] },
    createdAt: 1700000000000 + seq,
  };
}

export async function createTable(sink: DuckDbSink, id: TableId, schema: TableSchema): Promise<void> {
  await sink.applySchemaChange(id, { type: 'create-table', schema }, schema);
}
