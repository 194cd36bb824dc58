import { assertNever, type ColumnType } from '../../event/column-type.js';
import type { RowOp } from '../../event/change-event.js';
import { tableId, type TableId } from '../../event/table-schema.js';
import { debeziumSemanticField, type SemanticField } from './debezium-values.js';
import { JsonNumberText, parseJsonExact, type ExactJson } from './parse-json-exact.js';

const NONE: ReadonlyMap<string, (v: ExactJson) => ExactJson> = new Map<string, (v: ExactJson) => ExactJson>();

export type ValueFormat = 'debezium-json' | 'canal-json' | 'json';

export type JsonRow = Readonly<Record<string, ExactJson>>;

/** One row change read from a message, before schemas: fields by name, as the message has them. */
export interface DecodedChange {
  readonly table: TableId;
  readonly op: RowOp;
  readonly before: JsonRow | null;
  readonly after: JsonRow | null;
  readonly tsMs: number;
  readonly snapshot: boolean;
  /** canal-json's pkNames. */
  readonly primaryKeys?: readonly string[];
  /** Exact column types the message declares (a Debezium `schema` block), by field name. */
  readonly types?: ReadonlyMap<string, ColumnType>;
  /** With `types`: the fields the block declares `optional: false` (NOT NULL columns). */
  readonly notNull?: ReadonlySet<string>;
}

/** A message that is not a change of the format: the message says why. */
export class MalformedMessageError extends Error {}

export interface DecoderOptions {
  readonly format: ValueFormat;
  /** Each message names its table (`distributed-tables`); otherwise the topic is the table. */
  readonly distributedTables: boolean;
}

/** The database of the table a topic is when messages do not name theirs (Flink's catalog default). */
export const DEFAULT_DATABASE = 'default_database';

/** Decodes a message value into its row changes (none for a tombstone or canal's DDL messages). */
export type ChangeMessageDecoder = (value: Buffer | null, topic: string) => DecodedChange[];

export function changeMessageDecoder(o: DecoderOptions): ChangeMessageDecoder {
  const decode = formatDecoder(o.format);
  const intern = tableIdInterner();
  return (value, topic) => {
    if (value === null || value.length === 0) return []; // a tombstone (log compaction's delete marker)
    let json: ExactJson;
    try {
      json = parseJsonExact(value.toString('utf8'));
    } catch (e) {
      throw new MalformedMessageError(`not JSON: ${(e as Error).message}`);
    }
    const fallback = () => intern(tableId(DEFAULT_DATABASE, topic));
    return decode(objectOf(json, 'the message'), (named) =>
      intern(o.distributedTables ? named() : fallback()),
    );
  };
}

/**
 * One TableId object per table, whatever message named it: what is cached per TableId downstream
 * (its text, the route, the sink table) is then computed once, not once per message. Bounded: a
 * stream naming ever new tables starts the map afresh.
 */
function tableIdInterner(): (id: TableId) => TableId {
  const ids = new Map<string, TableId>();
  return (id) => {
    const key = `${id.namespace ?? ''}\u0000${id.schemaName ?? ''}\u0000${id.tableName}`;
    const known = ids.get(key);
    if (known) return known;
    if (ids.size >= 10_000) ids.clear();
    ids.set(key, id);
    return id;
  };
}

/** Given the message object and how to find its table (from the message, or the topic). */
type FormatDecoder = (msg: JsonRow, table: (named: () => TableId) => TableId) => DecodedChange[];

function formatDecoder(format: ValueFormat): FormatDecoder {
  switch (format) {
    case 'debezium-json':
      return decodeDebezium;
    case 'canal-json':
      return decodeCanal;
    case 'json':
      return (msg, table) => [
        { table: table(() => notNamed()), op: 'insert', before: null, after: msg, tsMs: 0, snapshot: false },
      ];
    default:
      return assertNever(format);
  }
}

function notNamed(): never {
  throw new MalformedMessageError(
    'the json format names no table: distributed-tables needs debezium-json or canal-json',
  );
}

function decodeDebezium(message: JsonRow, table: (named: () => TableId) => TableId): DecodedChange[] {
  const wrapped = 'payload' in message && 'schema' in message;
  const msg = wrapped ? objectOf(message.payload ?? null, 'payload') : message;
  const schema = wrapped ? debeziumSchemaTypes(message.schema ?? null) : undefined;
  const declared = schema && { types: schema.types, notNull: schema.notNull };
  const before = converted(rowOrNull(msg.before, 'before'), schema?.converters ?? NONE);
  const after = converted(rowOrNull(msg.after, 'after'), schema?.converters ?? NONE);
  const source = msg.source === undefined || msg.source === null ? {} : objectOf(msg.source, 'source');
  const id = table(() =>
    tableId(stringField(source, 'db', 'source'), stringField(source, 'table', 'source')),
  );
  const tsMs = numberOr(msg.ts_ms ?? source.ts_ms, 0);
  const op = msg.op;
  const change = (rowOp: RowOp, b: JsonRow | null, a: JsonRow | null, snapshot = false): DecodedChange[] => {
    if ((rowOp !== 'insert' && !b) || (rowOp !== 'delete' && !a))
      throw new MalformedMessageError(
        `op ${JSON.stringify(op)} without its ${rowOp === 'delete' ? 'before' : 'after'} row`,
      );
    return [{ table: id, op: rowOp, before: b, after: a, tsMs, snapshot, ...declared }];
  };
  switch (op) {
    case 'c':
      return change('insert', null, after);
    case 'r':
      return change('insert', null, after, true);
    case 'u':
      return change('update', before, after);
    case 'd':
      return change('delete', before, null);
    default:
      throw new MalformedMessageError(`unknown op ${JSON.stringify(op)} (expected c, r, u or d)`);
  }
}

function decodeCanal(msg: JsonRow, table: (named: () => TableId) => TableId): DecodedChange[] {
  if (msg.isDdl === true) return []; // canal's DDL messages carry SQL text, not rows
  const id = table(() =>
    tableId(stringField(msg, 'database', 'message'), stringField(msg, 'table', 'message')),
  );
  const data = arrayOf(msg.data, 'data').map((r) => objectOf(r, 'a data row'));
  const old = msg.old === undefined || msg.old === null ? [] : arrayOf(msg.old, 'old');
  const pk = msg.pkNames === undefined || msg.pkNames === null ? undefined : arrayOf(msg.pkNames, 'pkNames');
  const primaryKeys = pk?.map((k) => (typeof k === 'string' ? k : malformed('pkNames holds a non-string')));
  const base = {
    table: id,
    tsMs: numberOr(msg.es ?? msg.ts, 0),
    snapshot: false,
    ...(primaryKeys ? { primaryKeys } : {}),
  };
  const type = msg.type;
  switch (type) {
    case 'INSERT':
      return data.map((after) => ({ ...base, op: 'insert', before: null, after }));
    case 'DELETE':
      return data.map((before) => ({ ...base, op: 'delete', before, after: null }));
    case 'UPDATE':
      // canal's `old` holds only the changed fields' old values
      return data.map((after, i) => {
        const changed = old[i] === undefined || old[i] === null ? {} : objectOf(old[i], 'an old row');
        return { ...base, op: 'update', before: { ...after, ...changed }, after };
      });
    default:
      throw new MalformedMessageError(
        `unknown type ${JSON.stringify(type)} (expected INSERT, UPDATE or DELETE)`,
      );
  }
}

/**
 * Column types from a Debezium `schema` block: exact from the `tidemark.column.type` parameter
 * tidemark's sink writes, else from Debezium's literal and semantic types; and which are NOT NULL.
 */
function debeziumSchemaTypes(schema: ExactJson): DebeziumSchema | undefined {
  const fields = isObject(schema) ? schema.fields : undefined;
  if (!Array.isArray(fields)) return undefined;
  const row = fields.find((f) => isObject(f) && (f.field === 'after' || f.field === 'before'));
  const columns = isObject(row) && Array.isArray(row.fields) ? row.fields : [];
  const out: DebeziumSchema = { types: new Map(), notNull: new Set(), converters: new Map() };
  for (const c of columns) {
    if (!isObject(c) || typeof c.field !== 'string') continue;
    const field = debeziumField(c);
    if (field) out.types.set(c.field, field.type);
    if (c.optional === false) out.notNull.add(c.field);
    if (field?.convert) out.converters.set(c.field, field.convert);
  }
  return out;
}

interface DebeziumSchema {
  readonly types: Map<string, ColumnType>;
  readonly notNull: Set<string>;
  /** Values Debezium writes in another form than tidemark (numeric times, precise decimals). */
  readonly converters: Map<string, (v: ExactJson) => ExactJson>;
}

function debeziumField(f: Readonly<Record<string, ExactJson>>): SemanticField | undefined {
  const params = isObject(f.parameters) ? f.parameters : {};
  const exact = params['tidemark.column.type'];
  if (typeof exact === 'string') {
    try {
      return { type: JSON.parse(exact) as ColumnType };
    } catch {
      throw new MalformedMessageError(`tidemark.column.type of ${JSON.stringify(f.field)} is not JSON`);
    }
  }
  const semantic = typeof f.name === 'string' ? debeziumSemanticField(f.name, f.type, params) : undefined;
  if (semantic) return semantic;
  const literal = typeof f.type === 'string' ? LITERAL_TYPES[f.type] : undefined;
  return literal && { type: literal };
}

/** The row with Debezium's value forms converted (a value that cannot be is bad input). */
function converted(
  row: JsonRow | null,
  converters: ReadonlyMap<string, (v: ExactJson) => ExactJson>,
): JsonRow | null {
  if (!row || converters.size === 0) return row;
  const out: Record<string, ExactJson> = { ...row };
  for (const [name, convert] of converters) {
    const v = out[name];
    if (v === undefined) continue;
    try {
      out[name] = convert(v);
    } catch (e) {
      throw new MalformedMessageError(`field ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

const LITERAL_TYPES: Readonly<Record<string, ColumnType>> = {
  boolean: { kind: 'boolean' },
  int8: { kind: 'integer', bytes: 1, unsigned: false },
  int16: { kind: 'integer', bytes: 2, unsigned: false },
  int32: { kind: 'integer', bytes: 4, unsigned: false },
  int64: { kind: 'integer', bytes: 8, unsigned: false },
  float32: { kind: 'float' },
  float64: { kind: 'double' },
  string: { kind: 'string', text: 'long' },
  bytes: { kind: 'binary', blob: 'long' },
};

function isObject(v: ExactJson | undefined): v is Readonly<Record<string, ExactJson>> {
  return (
    v !== null &&
    v !== undefined &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof JsonNumberText)
  );
}

function objectOf(v: ExactJson, what: string): JsonRow {
  if (!isObject(v)) malformed(`${what} is not a JSON object`);
  return v;
}

function arrayOf(v: ExactJson | undefined, what: string): ExactJson[] {
  if (!Array.isArray(v)) malformed(`"${what}" is not an array`);
  return v;
}

function rowOrNull(v: ExactJson | undefined, what: string): JsonRow | null {
  return v === undefined || v === null ? null : objectOf(v, `"${what}"`);
}

function stringField(o: JsonRow, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '')
    malformed(`${where} has no "${key}" naming the table (distributed-tables)`);
  return v;
}

function numberOr(v: ExactJson | undefined, fallback: number): number {
  if (typeof v === 'number') return v;
  return v instanceof JsonNumberText ? Number(v.text) : fallback;
}

function malformed(why: string): never {
  throw new MalformedMessageError(why);
}
