import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { acceptedSchemaChanges, schemaChangeSinkOptions, typesOfTag } from './schema-change-tags.js';

const options = z.object(schemaChangeSinkOptions);

test('a tag names one change type or a family of them', () => {
  assert.deepEqual(typesOfTag('add.column'), ['add-column']);
  assert.deepEqual(typesOfTag('drop').sort(), ['drop-column', 'drop-table']);
  assert.deepEqual(typesOfTag('column').sort(), [
    'add-column',
    'alter-column-type',
    'drop-column',
    'rename-column',
    'reorder-columns',
  ]);
  assert.deepEqual(typesOfTag('table').sort(), [
    'create-table',
    'drop-table',
    'rename-table',
    'truncate-table',
  ]);
  assert.equal(typesOfTag('all').length, 10);
  assert.deepEqual(typesOfTag('Alter.Column.Type'), ['alter-column-type']);
  assert.deepEqual(typesOfTag('colum'), []);
});

test('include then exclude; create.table always stays', () => {
  const accepted = (o: unknown): string[] => [...acceptedSchemaChanges(options.parse(o))].sort();
  assert.equal(accepted({}).length, 10);
  assert.deepEqual(accepted({ 'include.schema.changes': ['add.column'] }), ['add-column', 'create-table']);
  assert.deepEqual(
    accepted({ 'include.schema.changes': 'column', 'exclude.schema.changes': 'drop, rename' }),
    ['add-column', 'alter-column-type', 'create-table', 'reorder-columns'],
  );
  assert.ok(accepted({ 'exclude.schema.changes': ['table'] }).includes('create-table'));
  assert.ok(!accepted({ 'exclude.schema.changes': ['table'] }).includes('drop-table'));
});

test('an unknown tag, or create.table excluded, is a validation error that says what to write', () => {
  const r = options.safeParse({ 'include.schema.changes': ['add.colum'] });
  assert.ok(!r.success);
  assert.match(
    r.error.issues[0]!.message,
    /unknown schema change tag "add\.colum" \(did you mean "add\.column"\?\)/,
  );
  const c = options.safeParse({ 'exclude.schema.changes': ['create.table'] });
  assert.ok(!c.success);
  assert.match(c.error.issues[0]!.message, /create\.table cannot be excluded/);
});
