import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableSchema } from '../../event/table-schema.js';
import { JsonBytes } from './json-bytes.js';
import { jsonRowEncoder } from './json-values.js';

test('JsonBytes grows past its first buffer and keeps what was written', () => {
  const out = new JsonBytes();
  const long = 'é😀x'.repeat(30_000) + '"\n';
  out.ascii('[');
  out.string(long);
  out.ascii(',');
  out.string('a'.repeat(70_000));
  out.text(']');
  const expected = Buffer.from(JSON.stringify([long, 'a'.repeat(70_000)]));
  assert.equal(out.length, expected.length);
  assert.deepEqual(out.view(0, out.length), expected);
  out.reset();
  out.string('again');
  assert.equal(out.toString(), '"again"');
});

test('a row image without some columns leaves them out, the first one included', () => {
  const schema: TableSchema = {
    columns: [
      { name: 'id', type: { kind: 'integer', bytes: 8, unsigned: false }, nullable: false },
      { name: 'name', type: { kind: 'string' }, nullable: true },
      { name: 'n', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: true },
    ],
    primaryKeys: ['id'],
  };
  const row = jsonRowEncoder(schema);
  const text = (r: (string | number | null | undefined)[]): string => {
    const out = new JsonBytes();
    row(r, out);
    return out.toString();
  };
  assert.equal(text([undefined, 'a', 1]), '{"name":"a","n":1}');
  assert.equal(text([1, undefined, null]), '{"id":1,"n":null}');
  assert.equal(text([undefined, undefined, undefined]), '{}');
});
