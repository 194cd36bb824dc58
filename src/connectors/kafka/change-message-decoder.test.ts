import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeEvent, DataChangeEvent } from '../../event/change-event.js';
import type { ColumnType } from '../../event/column-type.js';
import type { TableSchema } from '../../event/table-schema.js';
import { changeMessageDecoder, MalformedMessageError } from './change-message-decoder.js';
import { JsonBytes } from './json-bytes.js';
import { jsonRowEncoder } from './json-values.js';
import { ColumnValueError, SchemaInference } from './schema-inference.js';
import { kafkaSourceOptionsSchema, parseSpecificOffsets } from './source-options.js';

const msg = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const debezium = changeMessageDecoder({ format: 'debezium-json', distributedTables: true });
const canal = changeMessageDecoder({ format: 'canal-json', distributedTables: true });

function events(
  strategy: 'continuous' | 'static',
  messages: readonly Buffer[],
  decode = debezium,
): ChangeEvent[] {
  const inference = new SchemaInference(strategy, () => undefined);
  return messages.flatMap((m) => decode(m, 'topic').flatMap((c) => inference.toEvents(c, { tsMs: 0 })));
}
const rows = (evs: readonly ChangeEvent[]): unknown[] =>
  evs.filter((e): e is DataChangeEvent => e.kind === 'data').map((e) => [e.op, e.before, e.after]);

test('debezium-json: ops, the table from source.db/table, or the topic without distributed-tables', () => {
  const row = { id: 1, v: 'a' };
  const [c] = debezium(
    msg({ before: null, after: row, op: 'c', source: { db: 'd', table: 't', ts_ms: 5 } }),
    'x',
  );
  assert.deepEqual(
    [c!.op, c!.table, c!.tsMs, c!.snapshot],
    ['insert', { schemaName: 'd', tableName: 't' }, 5, false],
  );
  assert.equal(
    debezium(msg({ before: null, after: row, op: 'r', source: { db: 'd', table: 't' } }), 'x')[0]!.snapshot,
    true,
  );
  assert.equal(
    debezium(msg({ before: row, after: row, op: 'u', source: { db: 'd', table: 't' } }), 'x')[0]!.op,
    'update',
  );
  assert.equal(
    debezium(msg({ before: row, after: null, op: 'd', source: { db: 'd', table: 't' } }), 'x')[0]!.op,
    'delete',
  );
  const single = changeMessageDecoder({ format: 'debezium-json', distributedTables: false });
  assert.deepEqual(single(msg({ before: null, after: row, op: 'c' }), 'kafka_test.customers')[0]!.table, {
    schemaName: 'default_database',
    tableName: 'kafka_test.customers',
  });
  assert.deepEqual(debezium(null, 'x'), []);
  for (const bad of [
    'not json',
    '[1]',
    { op: 'x', after: row },
    { op: 'u', before: null, after: row, source: { db: 'd', table: 't' } },
    { op: 'c', after: row, source: {} },
  ])
    assert.throws(() => debezium(msg(bad), 'x'), MalformedMessageError, JSON.stringify(bad));
});

test('debezium-json with its schema envelope: exact types from tidemark.column.type, else Debezium types', () => {
  const dec: ColumnType = { kind: 'decimal', precision: 10, scale: 2 };
  const schema = {
    type: 'struct',
    fields: [
      {
        field: 'after',
        type: 'struct',
        fields: [
          {
            field: 'id',
            type: 'int64',
            parameters: {
              'tidemark.column.type': JSON.stringify({ kind: 'integer', bytes: 4, unsigned: true }),
            },
          },
          { field: 'price', type: 'string', parameters: { 'tidemark.column.type': JSON.stringify(dec) } },
          { field: 'n', type: 'int16' },
          { field: 'd', type: 'int32', name: 'io.debezium.time.Date' },
        ],
      },
    ],
  };
  const payload = {
    before: null,
    after: { id: 7, price: '4.50', n: 3, d: 19753 },
    op: 'c',
    source: { db: 'd', table: 't' },
  };
  const evs = events('continuous', [msg({ schema, payload })]);
  const created =
    evs[0]!.kind === 'schema' && evs[0]!.change.type === 'create-table' ? evs[0]!.change.schema : undefined;
  assert.deepEqual(
    created?.columns.map((c) => c.type),
    [
      { kind: 'integer', bytes: 4, unsigned: true },
      dec,
      { kind: 'integer', bytes: 2, unsigned: false },
      { kind: 'date' },
    ],
  );
  assert.deepEqual(rows(evs), [['insert', null, [7, '4.50', 3, '2024-01-31']]]);

  // the source table altered: the message's new type becomes an alter-column-type before the row
  const wider: ColumnType = { kind: 'decimal', precision: 12, scale: 3 };
  const altered = JSON.parse(JSON.stringify(schema)) as typeof schema;
  altered.fields[0]!.fields[1]!.parameters = { 'tidemark.column.type': JSON.stringify(wider) };
  const next = { ...payload, after: { ...payload.after, price: '123456789.125' } };
  const both = events('continuous', [msg({ schema, payload }), msg({ schema: altered, payload: next })]);
  const alter = both.find((e) => e.kind === 'schema' && e.change.type === 'alter-column-type');
  assert.deepEqual(alter?.kind === 'schema' && alter.change, {
    type: 'alter-column-type',
    changes: [{ column: 'price', type: wider, nullable: true }],
  });
  assert.deepEqual(rows(both)[1], ['insert', null, [7, '123456789.125', 3, '2024-01-31']]);
});

test('canal-json: rows of a message, old holds the changed fields only, pkNames are the primary key', () => {
  const base = { database: 'd', table: 't', pkNames: ['id'], ts: 1, es: 2 };
  const evs = events(
    'continuous',
    [
      msg({
        ...base,
        type: 'INSERT',
        data: [
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ],
        old: null,
      }),
      msg({ ...base, type: 'UPDATE', data: [{ id: 1, v: 'A' }], old: [{ v: 'a' }] }),
      msg({ ...base, type: 'DELETE', data: [{ id: 2, v: 'b' }] }),
      msg({ ...base, type: 'QUERY', isDdl: true, sql: 'ALTER TABLE t ...', data: null }),
    ],
    canal,
  );
  const created =
    evs[0]!.kind === 'schema' && evs[0]!.change.type === 'create-table' ? evs[0]!.change.schema : undefined;
  assert.deepEqual(created?.primaryKeys, ['id']);
  assert.equal(created?.columns[0]?.nullable, false);
  assert.deepEqual(rows(evs), [
    ['insert', null, [1n, 'a']],
    ['insert', null, [2n, 'b']],
    ['update', [1n, 'a'], [1n, 'A']],
    ['delete', [2n, 'b'], null],
  ]);
  assert.throws(() => canal(msg({ ...base, type: 'TRUNCATE', data: [] }), 'x'), MalformedMessageError);
});

test('json: each message is a row of the topic table; what tidemark writes reads back exactly', () => {
  const schema: TableSchema = {
    columns: [
      { name: 'id', type: { kind: 'integer', bytes: 8, unsigned: false }, nullable: false },
      { name: 'amount', type: { kind: 'decimal', precision: 30, scale: 2 }, nullable: true },
    ],
    primaryKeys: ['id'],
  };
  const bytes = new JsonBytes();
  jsonRowEncoder(schema)([2n ** 62n, '1234567890123456789012.50'], bytes);
  const text = bytes.toString();
  const [c] = changeMessageDecoder({ format: 'json', distributedTables: false })(msg(text), 'orders');
  assert.deepEqual(c!.table, { schemaName: 'default_database', tableName: 'orders' });
  // inferred: a BIGINT and a STRING (a DECIMAL written as text is a string without the exact type)
  assert.deepEqual(
    rows(
      events('continuous', [msg(text)], changeMessageDecoder({ format: 'json', distributedTables: false })),
    ),
    [['insert', null, [2n ** 62n, '1234567890123456789012.50']]],
  );
});

test('inference: continuous adds a column before the row that has it and widens BIGINT to DOUBLE; static ignores new fields', () => {
  const m = (after: Record<string, unknown>): Buffer =>
    msg({ before: null, after, op: 'c', source: { db: 'd', table: 't' } });
  const input = [
    m({ id: 1, x: 2 }),
    m({ id: 2, x: 2.5, y: 'new' }),
    m({ id: 12345678901234567890n.toString(), x: 1 }),
  ];
  const evs = events('continuous', input.slice(0, 2));
  assert.deepEqual(
    evs.map((e) => (e.kind === 'schema' ? e.change.type : e.op)),
    ['create-table', 'insert', 'add-column', 'alter-column-type', 'insert'],
  );
  assert.deepEqual(rows(evs), [
    ['insert', null, [1n, 2n]],
    ['insert', null, [2n, 2.5, 'new']],
  ]);
  const fixed = events('static', input.slice(0, 1).concat(m({ id: 2, x: 3, y: 'ignored' })));
  assert.deepEqual(rows(fixed), [
    ['insert', null, [1n, 2n]],
    ['insert', null, [2n, 3n]],
  ]);
  assert.throws(() => events('static', [m({ id: 1, x: 2 }), m({ id: 2, x: 2.5 })]), ColumnValueError);
});

test('inference: a resume from the state reproduces the schemas; a failed message changes nothing', () => {
  const inference = new SchemaInference('continuous', () => undefined);
  const m = (after: Record<string, unknown>): Buffer =>
    msg({ before: null, after, op: 'c', source: { db: 'd', table: 't' } });
  debezium(m({ id: 1 }), 'x').forEach((c) => inference.toEvents(c, { tsMs: 0 }));
  const again = new SchemaInference(
    'continuous',
    () => undefined,
    JSON.parse(JSON.stringify(inference.state())),
  );
  assert.deepEqual(
    again.restoredCreates({ tsMs: 0 }).map((e) => e.kind === 'schema' && e.change.type),
    ['create-table'],
  );
  const mark = inference.mark();
  debezium(m({ id: 2, z: 1 }), 'x').forEach((c) => inference.toEvents(c, { tsMs: 0 }));
  inference.reset(mark);
  assert.deepEqual(inference.state(), again.state());
});

test('scan.startup.specific-offsets and the option rules', () => {
  assert.deepEqual(
    [...parseSpecificOffsets('partition:0,offset:42;partition:1,offset:300')],
    [
      [0, 42],
      [1, 300],
    ],
  );
  for (const bad of ['partition:0', 'partition:0,offset:1;partition:0,offset:2', '', 'p:0,o:1'])
    assert.throws(() => parseSpecificOffsets(bad), Error, bad);
  const parse = (o: Record<string, unknown>) =>
    kafkaSourceOptionsSchema.safeParse({ properties: { 'bootstrap.servers': 'x' }, ...o });
  assert.equal(parse({ topic: 'a' }).success, true);
  assert.equal(parse({ topic: 'a', 'topic-pattern': 'b' }).success, false);
  assert.equal(parse({ topic: 'a', 'scan.startup.mode': 'timestamp' }).success, false);
  assert.equal(
    parse({
      topic: 'a;b',
      'scan.startup.mode': 'specific-offsets',
      'scan.startup.specific-offsets': 'partition:0,offset:1',
    }).success,
    false,
  );
  assert.equal(parse({ topic: 'a', 'ingestion.dead-letter-topic': 'dlq' }).success, false);
});

test('Debezium-written values: numeric times and precise decimals, by their semantic types', () => {
  const f = (field: string, type: string, name?: string, parameters?: Record<string, string>) => ({
    field,
    type,
    ...(name ? { name } : {}),
    ...(parameters ? { parameters } : {}),
  });
  const schema = {
    type: 'struct',
    fields: [
      {
        field: 'after',
        type: 'struct',
        fields: [
          f('ts3', 'int64', 'io.debezium.time.Timestamp'),
          f('ts6', 'int64', 'io.debezium.time.MicroTimestamp'),
          f('t6', 'int64', 'io.debezium.time.MicroTime'),
          f('neg', 'int64', 'io.debezium.time.MicroTime'),
          f('d', 'bytes', 'org.apache.kafka.connect.data.Decimal', {
            scale: '2',
            'connect.decimal.precision': '10',
          }),
          f('dn', 'bytes', 'org.apache.kafka.connect.data.Decimal', {
            scale: '2',
            'connect.decimal.precision': '10',
          }),
          f('z', 'string', 'io.debezium.time.ZonedTimestamp'),
        ],
      },
    ],
  };
  const after = {
    ts3: 1706745599123,
    ts6: -1,
    t6: 3020399000000, // 838:59:59
    neg: -1500000,
    d: Buffer.from([0x01, 0x86, 0xa0]).toString('base64'), // 100000 → 1000.00
    dn: Buffer.from([0xff, 0x38]).toString('base64'), // -200 → -2.00
    z: '2024-01-31T23:59:59.5Z',
  };
  const evs = events('continuous', [
    msg({ schema, payload: { before: null, after, op: 'c', source: { db: 'd', table: 't' } } }),
  ]);
  assert.deepEqual(rows(evs), [
    [
      'insert',
      null,
      [
        '2024-01-31 23:59:59.123',
        '1969-12-31 23:59:59.999999',
        '838:59:59.000000',
        '-00:00:01.500000',
        '1000.00',
        '-2.00',
        '2024-01-31 23:59:59.500000',
      ],
    ],
  ]);
});

test('inference: a field spelled as a column in another case is that column; two spellings in one row are bad input', () => {
  const warnings: unknown[] = [];
  const inference = new SchemaInference('continuous', (msg, fields) => warnings.push([msg, fields]));
  const m = (after: Record<string, unknown>, schema?: unknown): Buffer =>
    msg(
      schema === undefined
        ? { before: null, after, op: 'c', source: { db: 'd', table: 't' } }
        : { schema, payload: { before: null, after, op: 'c', source: { db: 'd', table: 't' } } },
    );
  const read = (b: Buffer): ChangeEvent[] =>
    debezium(b, 'topic').flatMap((c) => inference.toEvents(c, { tsMs: 0, location: 'topic/0@7' }));
  assert.deepEqual(rows(read(m({ id: 1, Name: 'a' }))), [['insert', null, [1n, 'a']]]);
  // `ID` and `NAME` are the columns id and Name: no add-column, no NULL in them
  const renamed = read(m({ ID: 2, NAME: 'b' }));
  assert.deepEqual(
    renamed.map((e) => e.kind),
    ['data'],
  );
  assert.deepEqual(rows(renamed), [['insert', null, [2n, 'b']]]);
  read(m({ ID: 3, NAME: 'c' }));
  assert.deepEqual(
    warnings.map((w) => (w as [string, Record<string, unknown>])[1]),
    [
      { table: 'd.t', field: 'ID', column: 'id', at: 'topic/0@7' },
      { table: 'd.t', field: 'NAME', column: 'Name', at: 'topic/0@7' },
    ],
    'one warning per field spelling',
  );
  // a type the schema block gives under another spelling is the column's
  const schema = {
    type: 'struct',
    fields: [{ field: 'after', type: 'struct', fields: [{ field: 'NAME', type: 'int32' }] }],
  };
  const retyped = read(m({ id: 4, NAME: 5 }, schema));
  assert.deepEqual(
    retyped.map((e) => (e.kind === 'schema' ? e.change : e.after)),
    [
      {
        type: 'alter-column-type',
        changes: [{ column: 'Name', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: true }],
      },
      [4n, 5],
    ],
  );
  // a field no column has, in any case, is still a new column
  const added = read(m({ id: 6, Name: 1, extra: 'x' }));
  assert.equal(added[0]?.kind === 'schema' && added[0].change.type, 'add-column');
  assert.throws(
    () => read(m({ id: 7, name: 1, Name: 2 })),
    (e) => e instanceof ColumnValueError && /the fields Name and name name one column/.test(e.message),
  );
  assert.throws(
    () => read(m({ id: 8, ID: 8 })),
    (e) => e instanceof ColumnValueError && /the fields id and ID name one column/.test(e.message),
  );
  // the first message of a table: two spellings of one field are never two columns
  assert.throws(
    () =>
      events('continuous', [
        msg({ before: null, after: { a: 1, A: 2 }, op: 'c', source: { db: 'd', table: 'u' } }),
      ]),
    /the fields a and A name one column/,
  );
});

test('inference: a message without a value for a NOT NULL (key) column is bad input; a nullable one is NULL', () => {
  const m = (data: Record<string, unknown>): Buffer =>
    msg({ data: [data], type: 'INSERT', database: 'd', table: 't', pkNames: ['id'] });
  const inference = new SchemaInference('continuous', () => undefined);
  const read = (b: Buffer): ChangeEvent[] =>
    canal(b, 'topic').flatMap((c) => inference.toEvents(c, { tsMs: 0 }));
  assert.deepEqual(rows(read(m({ id: 1, v: 'a' }))), [['insert', null, [1n, 'a']]]);
  assert.deepEqual(rows(read(m({ id: 2 }))), [['insert', null, [2n, null]]]);
  assert.throws(
    () => read(m({ v: 'b' })),
    (e) =>
      e instanceof ColumnValueError &&
      /column id BIGINT: the message has no such field, and the column is NOT NULL/.test(e.message),
  );
  assert.throws(
    () => read(m({ id: null, v: 'c' })),
    (e) => e instanceof ColumnValueError && /column id BIGINT: null in a NOT NULL column/.test(e.message),
  );
  // nothing of the refused messages was kept
  assert.deepEqual(rows(read(m({ id: 3, v: 'd' }))), [['insert', null, [3n, 'd']]]);
});

test('debezium-json with a schema: optional: false is NOT NULL; made optional later, the column becomes nullable', () => {
  const wrapped = (after: Record<string, unknown>, optional: Record<string, boolean>) =>
    msg({
      schema: {
        type: 'struct',
        fields: [
          {
            type: 'struct',
            field: 'after',
            optional: true,
            fields: Object.entries(optional).map(([field, o]) => ({ type: 'int32', optional: o, field })),
          },
        ],
      },
      payload: { before: null, after, op: 'c', source: { db: 'd', table: 'nn' } },
    });
  const evs = events('continuous', [
    wrapped({ a: 1, b: 2 }, { a: false, b: true }),
    wrapped({ a: 3, b: null }, { a: false, b: true }),
    wrapped({ a: null, b: 4 }, { a: true, b: true }),
  ]);
  const created = evs[0] as ChangeEvent & { kind: 'schema' };
  assert.equal(created.change.type, 'create-table');
  const schema = (created.change as { schema: TableSchema }).schema;
  assert.deepEqual(
    schema.columns.map((c) => [c.name, c.nullable]),
    [
      ['a', false],
      ['b', true],
    ],
  );
  const altered = evs.find((e) => e.kind === 'schema' && e.change.type === 'alter-column-type');
  assert.deepEqual((altered as { change: unknown } | undefined)?.change, {
    type: 'alter-column-type',
    changes: [{ column: 'a', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: true }],
  });
  assert.deepEqual(rows(evs).at(-1), ['insert', null, [null, 4]]);
  // a NULL in a column its schema declares NOT NULL is bad input, not a silent NULL
  assert.throws(
    () =>
      events('continuous', [
        wrapped({ a: 1, b: 2 }, { a: false, b: true }),
        wrapped({ a: null, b: 2 }, { a: false, b: true }),
      ]),
    ColumnValueError,
  );
});

test('inference: a whole number written with an exponent (1e+308) is a DOUBLE, also widening a BIGINT column', () => {
  const canalRow = (v: string) =>
    msg(
      `{"data":[{"id":1,"d":${v}}],"type":"INSERT","database":"d","table":"x","pkNames":["id"],"old":null}`,
    );
  const evs = events('continuous', [canalRow('0'), canalRow('-1e+308'), canalRow('1.5')], canal);
  const altered = evs.find((e) => e.kind === 'schema' && e.change.type === 'alter-column-type');
  assert.deepEqual((altered as { change: unknown } | undefined)?.change, {
    type: 'alter-column-type',
    changes: [{ column: 'd', type: { kind: 'double' }, nullable: true }],
  });
  assert.deepEqual(
    rows(evs).map((r) => (r as unknown[])[2]),
    [
      [1n, 0n],
      [1n, -1e308],
      [1n, 1.5],
    ],
  );
});
