import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileTableSelector } from '../../routing/table-selector.js';
import { createLogger } from '../../runtime/logger.js';
import type { SourceRecord } from '../../runtime/source.js';
import { BinlogDecoder } from './binlog/binlog-decoder.js';
import { BinlogChangeReader, type MysqlSourceState } from './binlog-change-reader.js';
import { readBinlogFile } from './binlog-file-reader.js';

const raw = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/mysql-binlog/raw');
const fixture = (name: string): string =>
  join(raw, `blackbeam__rust_mysql_common__test-data__binlogs__${name}`);
const haveFixtures = existsSync(raw);

/** Reads a whole captured binlog file through a change reader; returns the checkpoints' GTID sets. */
async function gtidSetsOf(
  path: string,
  start: Partial<MysqlSourceState> = {},
): Promise<{ checkpoints: (string | undefined)[]; reader: BinlogChangeReader }> {
  const reader = new BinlogChangeReader({
    selector: compileTableSelector('nothing\\.captured'),
    start: { phase: 'binlog', file: '', pos: 4, schemas: [], ...start },
    logger: createLogger({ level: 'error' }),
  });
  const decoder = new BinlogDecoder({ columnTypesFor: reader.columnTypesFor, skipRowsOf: reader.skipRowsOf });
  const checkpoints: (string | undefined)[] = [];
  for await (const batch of readBinlogFile(path)) {
    for (const ev of batch) {
      const out: SourceRecord[] = [];
      reader.processRaw(decoder, ev.buf, out);
      for (const r of out) {
        if (r.kind === 'checkpoint') checkpoints.push((r.state as unknown as MysqlSourceState).gtidSet);
      }
    }
  }
  return { checkpoints, reader };
}

test(
  'MySQL GTID set: PREVIOUS_GTIDS starts it, each committed transaction (DDL or BEGIN…COMMIT) adds its GTID; a statement inside BEGIN…COMMIT is no checkpoint',
  {
    skip: !haveFixtures && !process.env.CI && 'shared fixtures not present',
  },
  async () => {
    // MySQL 5.6: empty PREVIOUS_GTIDS, then a DDL (gtid 1), BEGIN…COMMIT (gtid 2), a DDL (gtid 3).
    const { checkpoints, reader } = await gtidSetsOf(fixture('binlog_transaction_with_GTID.000001'));
    const u = '006c2cf2-b1ea-11e4-9057-8c705a3d3e78';
    assert.deepEqual(checkpoints, [`${u}:1`, `${u}:1-2`, `${u}:1-3`]);
    assert.equal(reader.state().gtidSet, `${u}:1-3`);
  },
);

test(
  'MySQL GTID set: tagged GTIDs (MySQL 9) join the tagged intervals of PREVIOUS_GTIDS',
  {
    skip: !haveFixtures && !process.env.CI && 'shared fixtures not present',
  },
  async () => {
    const { reader } = await gtidSetsOf(fixture('binlog_transaction_with_GTID_TAG.000001'));
    assert.equal(reader.state().gtidSet, '55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-3');
  },
);

test(
  'MySQL GTID set: a known start set is kept and extended; MariaDB-only state is untouched',
  {
    skip: !haveFixtures && !process.env.CI && 'shared fixtures not present',
  },
  async () => {
    const other = '11111111-2222-3333-4444-555555555555:1-7';
    const { reader } = await gtidSetsOf(fixture('binlog-invisible-columns.000001'), { gtidSet: other });
    const s = reader.state();
    assert.equal(s.gtidSet, `${other},97c7af02-4c50-11ec-acd8-681842034964:1-5`);
    assert.equal(s.gtid, undefined);
  },
);

test(
  'MySQL GTID set: unknown while GTIDs are off (anonymous GTIDs only)',
  {
    skip: !haveFixtures && !process.env.CI && 'shared fixtures not present',
  },
  async () => {
    const { checkpoints } = await gtidSetsOf(fixture('binlog_transaction_with_anonymous_GTID.000001'));
    assert.ok(checkpoints.length > 0);
    // PREVIOUS_GTIDS is empty there: the set is known and stays empty.
    for (const c of checkpoints) assert.ok(c === undefined || c === '', `unexpected set ${c}`);
  },
);
