import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearMatches } from './near-matches.js';

const tables = [
  { schemaName: 'shop', tableName: 'customers' },
  { schemaName: 'shop', tableName: 'orders' },
  { schemaName: 'hr', tableName: 'staff' },
  ...Array.from({ length: 50 }, (_, i) => ({ schemaName: `other_${i}`, tableName: 't' })),
];

test('a typo in the table names the table meant, not every database', () => {
  const m = nearMatches('shop.custmers', tables);
  assert.match(m, /closest names there: shop\.customers /);
  assert.doesNotMatch(m, /other_1/);
  assert.match(m, /52 database\(s\), 53 table\(s\)/);
});

test('a typo in the database of a regex pattern names the database', () => {
  assert.match(nearMatches('shpo.\\.*', tables), /closest names there: shop /);
});

test('nothing alike: says so, with the counts only', () => {
  assert.equal(
    nearMatches('zzzzzzzz.\\.*', tables),
    'no database or table there is named like it (52 database(s), 53 table(s) there)',
  );
});
