import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataChangeEvent, Row } from '../../event/change-event.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import { tableId, type TableSchema } from '../../event/table-schema.js';
import { changeEncoder, type EncodingOptions } from './change-encoder.js';
import { EncodedMessages } from './encoded-messages.js';

const point = new Uint8Array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64]);

/** Every column type with a value and the exact JSON text every format writes for it. */
const TYPES: readonly (readonly [string, ColumnType, Value, string])[] = [
  ['id', { kind: 'integer', bytes: 4, unsigned: false }, 7, '7'],
  ['b', { kind: 'boolean' }, true, 'true'],
  ['ti', { kind: 'integer', bytes: 1, unsigned: false }, -128, '-128'],
  ['ubig', { kind: 'integer', bytes: 8, unsigned: true }, 18446744073709551615n, '18446744073709551615'],
  ['big', { kind: 'integer', bytes: 8, unsigned: false }, -9223372036854775808n, '-9223372036854775808'],
  ['dec', { kind: 'decimal', precision: 10, scale: 2 }, '4.00', '"4.00"'],
  ['f', { kind: 'float' }, 1.100000023841858, '1.100000023841858'],
  ['d', { kind: 'double' }, 0.1, '0.1'],
  ['s', { kind: 'string', length: 20, charset: 'utf8mb4' }, 'é😀"\n', '"é😀\\"\\n"'],
  [
    'uuid',
    { kind: 'string', format: 'uuid' },
    '123e4567-e89b-12d3-a456-426614174000',
    '"123e4567-e89b-12d3-a456-426614174000"',
  ],
  ['bin', { kind: 'binary', length: 3, fixed: true }, new Uint8Array([0, 255, 1]), '"AP8B"'],
  ['dt', { kind: 'date' }, '2024-01-31', '"2024-01-31"'],
  ['tm', { kind: 'time', precision: 6 }, '-838:59:59.000000', '"-838:59:59.000000"'],
  ['ts', { kind: 'timestamp', precision: 6 }, '2024-01-31 23:59:59.123456', '"2024-01-31 23:59:59.123456"'],
  ['tz', { kind: 'timestamp_ltz', precision: 0 }, '2024-01-31 23:59:59', '"2024-01-31 23:59:59Z"'],
  ['y', { kind: 'year' }, 2024, '2024'],
  ['bit1', { kind: 'bit', length: 1 }, false, 'false'],
  ['bit9', { kind: 'bit', length: 9 }, new Uint8Array([1, 2]), '"AQI="'],
  ['e', { kind: 'enum', values: ['a', 'b'] }, 'b', '"b"'],
  ['st', { kind: 'set', values: ['x', 'y'] }, 'x,y', '"x,y"'],
  ['j', { kind: 'json' }, '{"k": [1, 2]}', '"{\\"k\\": [1, 2]}"'],
  ['g', { kind: 'geometry', geometryType: 'point' }, point, '{"type":"Point","coordinates":[1,2],"srid":0}'],
  ['n', { kind: 'string', length: 5 }, null, 'null'],
];

const table = tableId('shop', 'all_types');
const schema: TableSchema = {
  columns: TYPES.map(([name, type]) => ({ name, type, nullable: name !== 'id' })),
  primaryKeys: ['id'],
};
const row: Row = TYPES.map(([, , v]) => v);
const rowJson = `{${TYPES.map(([n, , , j]) => `"${n}":${j}`).join(',')}}`;
const before: Row = [7, ...row.slice(1, -1), 'old'];
const beforeJson = rowJson.replace(/"n":null}$/, '"n":"old"}');

const ev = (op: DataChangeEvent['op'], b: Row | null, a: Row | null, snapshot = false): DataChangeEvent => ({
  kind: 'data',
  tableId: table,
  op,
  before: b,
  after: a,
  meta: snapshot ? { tsMs: 0, snapshot: true } : { tsMs: 1728528674000 },
});

interface TextMessage {
  readonly key: string | null;
  readonly value: string | null;
}

function encode(o: Partial<EncodingOptions>, e: DataChangeEvent, s = schema): TextMessage[] {
  const out = new EncodedMessages();
  const options = {
    valueFormat: 'debezium-json',
    keyFormat: 'json',
    includeSchema: false,
    now: () => 42,
    ...o,
  } as const;
  changeEncoder(s, table, options)(e, out);
  return Array.from({ length: out.count }, (_, i) => ({
    key: out.text(i, 'key'),
    value: out.text(i, 'value'),
  }));
}

const source = '"source":{"db":"shop","table":"all_types","ts_ms":1728528674000}';

test('debezium-json: every column type, insert/update/delete/snapshot, the exact text', () => {
  const dbz = (e: DataChangeEvent) => encode({}, e)[0]!.value;
  assert.equal(dbz(ev('insert', null, row)), `{"before":null,"after":${rowJson},"op":"c",${source}}`);
  assert.equal(
    dbz(ev('update', before, row)),
    `{"before":${beforeJson},"after":${rowJson},"op":"u",${source}}`,
  );
  assert.equal(dbz(ev('delete', row, null)), `{"before":${rowJson},"after":null,"op":"d",${source}}`);
  assert.equal(
    dbz(ev('insert', null, row, true)),
    `{"before":null,"after":${rowJson},"op":"r","source":{"db":"shop","table":"all_types","ts_ms":0}}`,
  );
  for (const op of ['insert', 'update', 'delete'] as const) {
    const e = ev(op, op === 'insert' ? null : before, op === 'delete' ? null : row);
    assert.doesNotThrow(() => JSON.parse(dbz(e)!));
  }
});

test('canal-json: old holds the whole before row, data the deleted row of a DELETE; es = source time, ts = now', () => {
  const canal = (e: DataChangeEvent) => encode({ valueFormat: 'canal-json' }, e)[0]!.value;
  const tail = '"database":"shop","table":"all_types","pkNames":["id"],"ts":42,"es":1728528674000}';
  assert.equal(canal(ev('insert', null, row)), `{"old":null,"data":[${rowJson}],"type":"INSERT",${tail}`);
  assert.equal(
    canal(ev('update', before, row)),
    `{"old":[${beforeJson}],"data":[${rowJson}],"type":"UPDATE",${tail}`,
  );
  assert.equal(canal(ev('delete', row, null)), `{"old":null,"data":[${rowJson}],"type":"DELETE",${tail}`);
});

test('json: the row under its key; a delete is a tombstone; a key change tombstones the old key', () => {
  const json = (e: DataChangeEvent) => encode({ valueFormat: 'json' }, e);
  assert.deepEqual(json(ev('insert', null, row)), [{ key: '{"id":7}', value: rowJson }]);
  assert.deepEqual(json(ev('delete', row, null)), [{ key: '{"id":7}', value: null }]);
  assert.deepEqual(json(ev('update', before, row)), [{ key: '{"id":7}', value: rowJson }]);
  const moved: Row = [8, ...row.slice(1)];
  assert.deepEqual(json(ev('update', row, moved)), [
    { key: '{"id":7}', value: null },
    { key: '{"id":8}', value: rowJson.replace('"id":7', '"id":8') },
  ]);
});

test('keys: json and csv of composite primary keys; no primary key, no key', () => {
  const s: TableSchema = { ...schema, primaryKeys: ['s', 'id', 'n'] };
  assert.equal(encode({}, ev('insert', null, row), s)[0]!.key, '{"s":"é😀\\"\\n","id":7,"n":null}');
  assert.equal(encode({ keyFormat: 'csv' }, ev('insert', null, row), s)[0]!.key, '"é😀""\n",7,');
  assert.equal(
    encode({ keyFormat: 'csv' }, ev('delete', row, null), { ...schema, primaryKeys: ['ubig', 'dec'] })[0]!
      .key,
    '18446744073709551615,4.00',
  );
  assert.equal(encode({}, ev('insert', null, row), { ...schema, primaryKeys: [] })[0]!.key, null);
});

test('refused: a partial row image, and a json DELETE of a table without primary key', () => {
  const partial: Row = [7, ...row.slice(1, -1), undefined];
  assert.throws(
    () => encode({}, ev('update', partial, row)),
    (e: Error & { code?: string }) =>
      e.code === 'KAFKA_SINK_ROW' && /shop\.all_types.*column n/.test(e.message),
  );
  assert.throws(
    () => encode({ valueFormat: 'json' }, ev('delete', row, null), { ...schema, primaryKeys: [] }),
    /json cannot carry a DELETE of shop\.all_types/,
  );
});

test('debezium-json with schema: a Connect schema per column with the exact column type', () => {
  const text = encode({ includeSchema: true }, ev('insert', null, row))[0]!.value!;
  const msg = JSON.parse(text) as {
    schema: { name: string; fields: { field: string; fields?: Record<string, unknown>[] }[] };
    payload: unknown;
  };
  assert.ok(text.endsWith(`"op":"c",${source}}}`));
  assert.equal(msg.schema.name, 'shop.all_types.Envelope');
  const after = msg.schema.fields.find((f) => f.field === 'after')!.fields!;
  const byName = new Map(after.map((f) => [f.field as string, f]));
  assert.deepEqual(byName.get('dec'), {
    type: 'string',
    optional: true,
    field: 'dec',
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: {
      scale: '2',
      'connect.decimal.precision': '10',
      'tidemark.column.type': '{"kind":"decimal","precision":10,"scale":2}',
    },
  });
  assert.equal(byName.get('id')!.optional, false);
  assert.equal(byName.get('ubig')!.type, 'int64');
  assert.equal(byName.get('ts')!.name, 'io.debezium.time.MicroTimestamp');
  assert.equal(byName.get('tz')!.name, 'io.debezium.time.ZonedTimestamp');
  assert.equal(byName.get('dt')!.name, 'io.debezium.time.Date');
  assert.equal(byName.get('bin')!.type, 'bytes');
  for (const [name, type] of TYPES)
    assert.deepEqual(
      JSON.parse((byName.get(name)!.parameters as Record<string, string>)['tidemark.column.type']!),
      type,
    );
});
