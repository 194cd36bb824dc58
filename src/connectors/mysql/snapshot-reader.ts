import type { Connection as CoreConnection, FieldPacket, Query } from 'mysql2';
import type { Connection as PromiseConnection } from 'mysql2/promise';
import type { Row } from '../../event/change-event.js';
import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';
import { snapshotQueryError } from './snapshot/snapshot-query-error.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { tableIdToString } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { QueryRunner } from './schema-loader.js';

/** mysql2's typeCast field (the subset we use). mysql2 does not expose the column's charset here. */
interface TypeCastField {
  readonly type: string;
  string(encoding?: string): string | null;
  buffer(): Buffer | null;
}

type Converter = (raw: string | Buffer) => Value;

const text = (raw: string | Buffer): string => (typeof raw === 'string' ? raw : raw.toString('utf8'));
const bytes = (raw: string | Buffer): Uint8Array =>
  typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;

/**
 * The converter from the text protocol to our Value representation for one column type (see the
 * table at the top of src/event/column-type.ts):
 * - integers: number, bigint for 8-byte (signed and unsigned);
 * - DECIMAL: the server's text, already with exactly `scale` fraction digits;
 * - FLOAT: the snapshot SELECTs `col + 0e0`, so the text is the double that equals the stored 32-bit
 *   float exactly (the plain column prints only 6 significant digits: 16777217 → "16777200"); the
 *   number is then `Math.fround(x)`, the same value the binlog's 4-byte float gives;
 * - DOUBLE: Number(text) (the server prints the shortest round-trip form);
 * - DATE/TIME/DATETIME/TIMESTAMP: the server's text (fsp digits = precision, negative and >24h TIME,
 *   zero dates kept); TIMESTAMP is UTC because the session runs with time_zone '+00:00';
 * - YEAR: number; BIT(1): boolean; BIT(n): ceil(n/8) bytes; BINARY/BLOB/GEOMETRY: bytes;
 * - text, ENUM, SET, JSON: the UTF-8 text.
 */
export function textValueConverter(t: ColumnType): Converter {
  switch (t.kind) {
    case 'boolean':
      return (raw) => text(raw) !== '0';
    case 'integer':
      return t.bytes === 8 ? (raw) => BigInt(text(raw)) : (raw) => Number(text(raw));
    case 'decimal':
      return text;
    case 'float':
      return (raw) => Math.fround(Number(text(raw)));
    case 'double':
      return (raw) => Number(text(raw));
    case 'string':
      return text;
    case 'binary':
      return bytes;
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz':
      return text;
    case 'year':
      return (raw) => Number(text(raw));
    case 'bit':
      if (t.length === 1) return (raw) => bytes(raw).some((b) => b !== 0);
      return (raw) => {
        const b = bytes(raw);
        const want = Math.ceil(t.length / 8);
        if (b.length === want) return b;
        // Left-pad (big-endian) should a server send fewer bytes.
        const out = new Uint8Array(want);
        out.set(b.subarray(Math.max(0, b.length - want)), Math.max(0, want - b.length));
        return out;
      };
    case 'enum':
    case 'set':
    case 'json':
      return text;
    case 'geometry':
      return bytes;
    default:
      return assertNever(t, 'column type');
  }
}

/**
 * The mysql2 `typeCast` of every snapshot query: gives our Values directly, for a result whose
 * columns are `types` (in order; one function per query, since it counts the columns as mysql2
 * reads them). Text columns arrive as UTF-8 whatever their charset (the session's
 * character_set_results is utf8mb4), and so does JSON; binary strings, BIT and GEOMETRY are read as
 * bytes; {@link textValueConverter} says what each type becomes.
 */
export function valueTypeCast(
  types: readonly ColumnType[],
): (field: TypeCastField, next: () => unknown) => Value {
  const readers = types.map(fieldReader);
  const n = readers.length;
  let i = 0;
  return (field) => {
    const read = readers[i]!;
    i = i + 1 === n ? 0 : i + 1;
    return read(field);
  };
}

function fieldReader(t: ColumnType): (f: TypeCastField) => Value {
  const convert = textValueConverter(t);
  switch (t.kind) {
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
    case 'decimal':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz':
      // the text is the value (see textValueConverter)
      return (f) => f.string('utf8');
    case 'binary':
    case 'geometry':
    case 'bit':
      return (f) => {
        const b = f.buffer();
        return b === null ? null : convert(b);
      };
    default:
      return (f) => {
        const text = f.string('utf8');
        return text === null ? null : convert(text);
      };
  }
}

export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** `SELECT a, b + 0e0 AS b, ... FROM db.t` for the schema's columns (FLOAT read exactly, see above). */
export function snapshotSelectSql(table: TableId, schema: TableSchema): string {
  const cols = schema.columns.map((c) => {
    const q = quoteIdentifier(c.name);
    return c.type.kind === 'float' ? `${q} + 0e0 AS ${q}` : q;
  });
  const from =
    table.schemaName === undefined
      ? quoteIdentifier(table.tableName)
      : `${quoteIdentifier(table.schemaName)}.${quoteIdentifier(table.tableName)}`;
  return `SELECT ${cols.join(', ')} FROM ${from}`;
}

export interface SnapshotReadOptions {
  /** Rows per yielded batch, and the read-ahead bound: at most one batch is buffered. */
  readonly fetchSize: number;
  readonly signal?: AbortSignal;
}

type AnyConnection = CoreConnection | PromiseConnection;

function coreOf(conn: AnyConnection): CoreConnection {
  const inner = (conn as { connection?: CoreConnection }).connection;
  return inner ?? (conn as CoreConnection);
}

/**
 * Streams a whole table in batches of `fetchSize` rows, converted to our Value representation. The
 * session must have been opened as mysql-connection.ts does (utf8mb4, time_zone '+00:00').
 * Back-pressure: the socket is paused while a full batch waits for the consumer, so memory stays
 * at about one batch whatever the table size.
 *
 * When the consumer stops early (break) or `signal` aborts, the connection is destroyed: MySQL has
 * no other way to stop a result set that is being streamed. Abort ends the iteration with the
 * signal's reason.
 */
export async function* readTableSnapshot(
  conn: AnyConnection,
  table: TableId,
  schema: TableSchema,
  opts: SnapshotReadOptions,
): AsyncGenerator<Row[], void, undefined> {
  const core = coreOf(conn);
  const fetchSize = Math.max(1, Math.floor(opts.fetchSize));
  const types = schema.columns.map((c) => c.type);
  const signal = opts.signal;
  signal?.throwIfAborted();

  const ready: Row[][] = [];
  let batch: Row[] = [];
  let done = false;
  let failure: Error | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const sql = snapshotSelectSql(table, schema);
  const query: Query = core.query({ sql, rowsAsArray: true, typeCast: valueTypeCast(types) as never });
  query.on('fields', (fields: FieldPacket[]) => {
    if (fields.length !== types.length) {
      failure = new TidemarkError(
        'SOURCE_SCHEMA',
        `snapshot of ${tableIdToString(table)}: the server returned ${fields.length} columns, the schema has ${types.length}`,
      );
    }
  });
  query.on('result', (row: unknown) => {
    if (failure !== undefined) return;
    batch.push(row as Row);
    if (batch.length >= fetchSize) {
      ready.push(batch);
      batch = [];
      if (!paused) {
        paused = true;
        core.pause();
      }
      notify();
    }
  });
  query.on('error', (e: unknown) => {
    failure ??= snapshotQueryError(e, tableIdToString(table), 'reading the table');
    done = true;
    notify();
  });
  query.on('end', () => {
    if (batch.length > 0) ready.push(batch);
    batch = [];
    done = true;
    notify();
  });
  const onAbort = (): void => notify();
  signal?.addEventListener('abort', onAbort);

  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) signal.throwIfAborted();
      if (failure !== undefined && (done || ready.length === 0)) throw failure;
      const next = ready.shift();
      if (next) {
        yield next;
        continue;
      }
      if (done) {
        finished = true;
        return;
      }
      if (paused) {
        // resume() may deliver buffered rows (and the end) synchronously: look again before waiting.
        paused = false;
        core.resume();
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished && !done) core.destroy();
  }
}

/** information_schema's row estimate for a table (InnoDB: approximate); 0 when unknown. */
export async function estimateRowCount(conn: QueryRunner, table: TableId): Promise<number> {
  const [result] = await (conn as Pick<PromiseConnection, 'query'>).query(
    'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.schemaName ?? null, table.tableName],
  );
  const n = Number((result as { n: unknown }[])[0]?.n ?? 0);
  return Number.isFinite(n) ? n : 0;
}
