import assert from 'node:assert/strict';
import test from 'node:test';
import type { PipelineSpec } from '../../pipeline-spec/pipeline-spec.js';
import { ResourceLedger } from '../../runtime/resource-ledger.js';
import { mysqlConnector } from './index.js';
import { mysqlSourceOptionsSchema } from './options.js';

const factory = mysqlConnector.sources.find((f) => f.type === 'mysql')!;
const options = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
  mysqlSourceOptionsSchema.parse({
    hostname: 'db.example',
    port: 3306,
    username: 'u',
    password: 'p',
    tables: 'app.t',
    ...extra,
  });
const spec = (parallelism: number) => ({ pipeline: { parallelism } }) as unknown as PipelineSpec;
const ids = (o: Record<string, unknown>): number[] => {
  const [a, b] = String(o['server-id']).split('-').map(Number) as [number, number];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
};

test('server-id: a given one is kept; without, a block of parallelism + 1 ids in 5400-6400', () => {
  const ledger = new ResourceLedger();
  assert.equal(
    factory.resolveOptions(options({ 'server-id': '42' }), spec(4), ledger.isHeld)['server-id'],
    '42',
  );
  for (let i = 0; i < 200; i++) {
    const got = ids(factory.resolveOptions(options(), spec(4), ledger.isHeld));
    assert.equal(got.length, 5);
    assert.ok(got[0]! >= 5400 && got.at(-1)! <= 6400, String(got));
  }
});

test('server-id: pipelines of one process get ids no other holds on the server while any are free', () => {
  const ledger = new ResourceLedger();
  const taken = new Set<number>();
  const blockFree = (): boolean => {
    for (let first = 5400; first <= 6398; first++)
      if ([first, first + 1, first + 2].every((id) => !taken.has(id))) return true;
    return false;
  };
  // blocks of 3 in 1001 ids: drawn at random they leave gaps, until no whole block is left
  for (let n = 0; ; n++) {
    const free = blockFree();
    const resolved = factory.resolveOptions(options(), spec(2), ledger.isHeld);
    if (!free) {
      assert.throws(
        () => ledger.claim(`p${n}`, factory.claims(resolved, spec(2))),
        /replica server id \d+ on db\.example:3306/,
      );
      assert.ok(n >= 250, `only ${n} pipelines got ids`);
      break;
    }
    ledger.claim(`p${n}`, factory.claims(resolved, spec(2)));
    for (const id of ids(resolved)) taken.add(id);
    // another server's ids are its own
    if (n === 100) {
      const other = factory.resolveOptions(options({ hostname: 'db2.example' }), spec(2), ledger.isHeld);
      ledger.claim('other', factory.claims(other, spec(2)));
    }
  }
});
