import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { SchemaChangeEvent } from '../../event/change-event.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { tableId, tableIdToString } from '../../event/table-schema.js';
import type { JsonValue } from '../../event/json-value.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Source, SourceContext, SourceInfo, SourceRecord } from '../../runtime/source.js';
import { compileTableSelector, tableSelection, type TableSelector } from '../../routing/table-selector.js';
import { BinlogDecoder } from './binlog/binlog-decoder.js';
import {
  BinlogChangeReader,
  comparePositions,
  type MysqlSourceState,
  type TrackedTable,
} from './binlog-change-reader.js';
import { listBinlogFiles, readBinlogFile } from './binlog-file-reader.js';
import { parseDdl } from './ddl-parser.js';
import { tableSchemaFromTableMap } from './table-map-schema.js';
import type { MysqlBinlogFilesSourceOptions } from './options.js';
import { openMysqlConnection, type MysqlConnectionOptions } from './mysql-connection.js';
import { listTables, loadTableSchemas } from './schema-loader.js';
import { restoredMysqlState } from './mysql-source-state.js';

/** CREATE TABLE statements of a DDL script (`USE db;` switches the default database). */
export function schemasFromDdlScript(
  text: string,
  file: string,
  selector: TableSelector,
): Map<string, { id: TableId; schema: TableSchema }> {
  const out = new Map<string, { id: TableId; schema: TableSchema }>();
  // Split at USE statements so that unqualified names get the right database.
  const parts = text.split(/^\s*USE\s+(`[^`]+`|\w+)\s*;/im);
  let db: string | undefined;
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      db = parts[i]!.replace(/^`|`$/g, '');
      continue;
    }
    const sql = parts[i]!;
    if (!sql.trim()) continue;
    let statements;
    try {
      statements = parseDdl(sql, db);
    } catch (e) {
      throw new TidemarkError('CONFIG_INVALID', `schema.ddl-file ${file}: ${errorMessage(e)}`, { cause: e });
    }
    for (const st of statements) {
      if (st.kind === 'create-table' && st.table.schemaName) {
        if (!selector.matches(st.table.schemaName, st.table.tableName)) continue;
        out.set(tableIdToString(st.table), { id: st.table, schema: st.schema });
      } else if (st.kind === 'create-like' && st.table.schemaName) {
        const like = out.get(tableIdToString(st.like));
        if (like && selector.matches(st.table.schemaName, st.table.tableName)) {
          out.set(tableIdToString(st.table), { id: st.table, schema: like.schema });
        }
      }
    }
  }
  return out;
}

/**
 * `source: type: mysql-binlog-files`: replays binlog files from disk (a backup, files copied off
 * a server, a point-in-time recovery set) through the same BinlogChangeReader as the live source,
 * with a checkpoint after every transaction, and ends at the end of the last file (`caught-up`,
 * then the iteration returns). Schemas: `schema.ddl-file`, then a live connection, then the
 * TABLE_MAP events themselves (binlog_row_metadata=FULL); DDL in the files is followed.
 */
export class MysqlBinlogFilesSource implements Source {
  private readonly selector: TableSelector;
  private ctx: SourceContext | undefined;
  private files: string[] = [];
  private initial = new Map<string, { id: TableId; schema: TableSchema }>();

  constructor(private readonly options: MysqlBinlogFilesSourceOptions) {
    this.selector = compileTableSelector(options.tables, options['tables.exclude']);
  }

  async open(ctx: SourceContext): Promise<SourceInfo> {
    this.ctx = ctx;
    this.files = await listBinlogFiles(this.options.path);
    if (this.files.length === 0) {
      throw new TidemarkError('CONFIG_INVALID', `no binlog files at ${this.options.path}`);
    }
    const ddlFile = this.options['schema.ddl-file'];
    if (ddlFile) {
      let text: string;
      try {
        text = await readFile(ddlFile, 'utf8');
      } catch (e) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `cannot read schema.ddl-file ${ddlFile}: ${errorMessage(e)}`,
        );
      }
      this.initial = schemasFromDdlScript(text, ddlFile, this.selector);
    }
    if (this.options.hostname) {
      const conn: MysqlConnectionOptions = {
        host: this.options.hostname,
        port: this.options.port,
        user: this.options.username ?? 'root',
        password: this.options.password ?? '',
        connectTimeoutMs: this.options['connect.timeout'],
      };
      const c = await openMysqlConnection(conn, ctx.logger);
      try {
        const wanted = (await listTables(c)).filter(
          (t) =>
            this.selector.matches(t.schemaName, t.tableName) &&
            !this.initial.has(`${t.schemaName}.${t.tableName}`),
        );
        const loaded = await loadTableSchemas(c, wanted);
        for (const [key, schema] of loaded) {
          const t = wanted.find((w) => `${w.schemaName}.${w.tableName}` === key)!;
          this.initial.set(key, { id: tableId(t.schemaName, t.tableName), schema });
        }
      } finally {
        await c.end().catch(() => undefined);
      }
    }
    ctx.logger.info('replaying binlog files', {
      files: this.files.length,
      first: basename(this.files[0]!),
      last: basename(this.files[this.files.length - 1]!),
      schemasKnown: this.initial.size,
    });
    return {
      tables: [...this.initial.values()].map((t) => t.id),
      endpoint: `binlog files ${resolve(this.options.path)}`,
      selection: tableSelection(this.options.tables, this.options['tables.exclude']),
    };
  }

  async *read(restoredState: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    const ctx = this.ctx;
    if (!ctx) throw new TidemarkError('INTERNAL', 'MysqlBinlogFilesSource.read before open');
    const restored: MysqlSourceState | undefined = restoredMysqlState(restoredState);
    let start: MysqlSourceState;
    if (restored) {
      start = restored;
      const name = start.file;
      const last = basename(this.files[this.files.length - 1]!);
      if (start.pos <= 4 && comparePositions(name, 0, last, 0) > 0) {
        // The checkpoint is at the start of the file after the last one (past its Rotate): nothing
        // new to read.
        yield start.schemas.map((s) => createTableEvent(s.id, s.schema));
        yield [{ kind: 'caught-up' }];
        return;
      }
      if (!this.files.some((f) => basename(f) === name)) {
        throw new TidemarkError(
          'SOURCE_POSITION_LOST',
          `the checkpoint is at ${name}:${start.pos}, but ${this.options.path} has no file ${name} ` +
            `(files: ${basename(this.files[0]!)} .. ${basename(this.files[this.files.length - 1]!)})`,
          { details: { file: name, pos: start.pos } },
        );
      }
    } else {
      const schemas: TrackedTable[] = [...this.initial.entries()].map(([table, t]) => ({
        table,
        id: t.id,
        schema: t.schema,
      }));
      start = { phase: 'binlog', file: basename(this.files[0]!), pos: 4, schemas };
    }
    yield start.schemas.map((s) => createTableEvent(s.id, s.schema));
    if (!restored) yield [{ kind: 'checkpoint', state: start as unknown as JsonValue }];

    const reader = new BinlogChangeReader({ selector: this.selector, start, logger: ctx.logger });
    const decoder = new BinlogDecoder({
      columnTypesFor: reader.columnTypesFor,
      skipRowsOf: (db, table) => !this.selector.matches(db, table),
    });
    // The committed position, or an earlier one when prepared XA transactions are read again.
    const first = reader.resumePosition;
    const files = this.files.filter((f) => comparePositions(basename(f), 0, first.file, 0) >= 0);
    for (const path of files) {
      const name = basename(path);
      const from = name === first.file ? first.pos : 4;
      if (reader.position.file !== name) {
        // The previous file ended without a Rotate event (a crash, or files with gaps).
        if (reader.inTransaction) {
          throw new TidemarkError(
            'SOURCE_BINLOG_READ',
            `binlog file ${reader.position.file} ends inside a transaction and ${name} follows without a Rotate event`,
            { details: { file: reader.position.file, pos: reader.position.pos } },
          );
        }
        ctx.logger.warn('binlog file ends without a Rotate event; continuing with the next file', {
          file: reader.position.file,
          next: name,
        });
        reader.continueInFile(name);
      }
      for await (const batch of readBinlogFile(path, {
        start: from,
        allowTruncatedTail: path === files[files.length - 1],
        signal: ctx.signal,
      })) {
        const out: SourceRecord[] = [];
        for (const raw of batch) {
          if (raw.pos < from) {
            decoder.decode(raw.buf, raw); // the Format_description before a mid-file start
            continue;
          }
          const ev = decoder.decode(raw.buf, { file: name, pos: raw.pos });
          if (ev.type === 'tableMap' && this.selector.matches(ev.schema, ev.table)) {
            const tracked = reader.columnTypesFor(ev.schema, ev.table);
            if (tracked !== undefined && tracked.length !== ev.columnCount) {
              throw new TidemarkError(
                'SOURCE_SCHEMA',
                `table ${ev.schema}.${ev.table} has ${ev.columnCount} columns in ${name}:${raw.pos} but ${tracked.length} ` +
                  'in the schema given for it (schema.ddl-file or the live server): give the schema as it was when the ' +
                  'first file was written (a live server has it as it is now, after later DDL)',
                { details: { table: `${ev.schema}.${ev.table}`, position: `${name}:${raw.pos}` } },
              );
            }
            if (tracked === undefined) {
              // A captured table no schema source knew: take its schema from the TABLE_MAP.
              const schema = tableSchemaFromTableMap(ev, `${name}:${raw.pos}`);
              const id = tableId(ev.schema, ev.table);
              const key = tableIdToString(id);
              reader.addTable({ table: key, id, schema });
              out.push(createTableEvent(id, schema));
              ctx.logger.info('table schema taken from the binlog TABLE_MAP', {
                table: key,
                at: `${name}:${raw.pos}`,
              });
            }
          }
          reader.process(ev, { file: name, pos: raw.pos }, decoder, out);
        }
        if (out.length) yield out;
        if (ctx.signal.aborted) return;
      }
    }
    if (reader.inTransaction) {
      ctx.logger.warn('the last binlog file ends inside a transaction; its changes are not committed', {
        at: `${reader.committed.file}:${reader.committed.pos}`,
      });
    }
    yield [{ kind: 'caught-up' }];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function createTableEvent(id: TableId, schema: TableSchema): SchemaChangeEvent {
  return { kind: 'schema', tableId: id, change: { type: 'create-table', schema }, meta: { tsMs: 0 } };
}
