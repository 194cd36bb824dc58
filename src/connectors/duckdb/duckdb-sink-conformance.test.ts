import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdent } from './quote-ident.js';
import { sinkConformanceSuite } from '../../runtime/sink-conformance.js';
import { openSink, readRows } from './duckdb-test-support.js';

const text = (s: string): string => `'${s.replace(/'/g, "''")}'`;

sinkConformanceSuite({
  name: 'duckdb',
  newTarget: () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-duckdb-conformance-'));
    const file = join(dir, 'sink.duckdb');
    return Promise.resolve({
      open: async (pipelineName) => (await openSink(file, {}, pipelineName)).sink,
      rows: async (table, columns) => {
        const exists = await readRows(
          file,
          `SELECT count(*) FROM duckdb_tables() WHERE schema_name = ${text(table.schemaName!)} ` +
            `AND table_name = ${text(table.tableName)}`,
        );
        if (exists[0]?.[0] === '0') return undefined;
        const cols = columns.map(quoteIdent).join(', ');
        return readRows(
          file,
          `SELECT ${cols} FROM ${quoteIdent(table.schemaName!)}.${quoteIdent(table.tableName)}`,
        );
      },
      dispose: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
});
