import { z } from 'zod';
import { opt, SECRET_SETTING_NAMES } from '../../pipeline-spec/option-types.js';
import { tableSelectorProblem } from '../../routing/table-selector.js';
import { parseMysqlTimeZone } from './mysql-time-zone.js';

/** A `tables` / `tables.exclude` value must compile: checked with the options, offline. */
function tablePatternIssue(which: 'tables' | 'tables.exclude') {
  return (text: string | undefined, ctx: z.RefinementCtx): void => {
    if (text === undefined) return;
    const problem = which === 'tables' ? tableSelectorProblem(text) : tableSelectorProblem('x.x', text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

function serverTimeZoneIssue(zone: string | undefined, ctx: z.RefinementCtx): void {
  if (zone === undefined || zone.trim().toUpperCase() === 'SYSTEM' || parseMysqlTimeZone(zone)) return;
  ctx.addIssue({
    code: 'custom',
    message: `"${zone}" is not a time zone: use an offset like +05:30, UTC or an id like Europe/Berlin`,
  });
}

const MAX_SERVER_ID = 4294967295;

/** `server-id`: an id or a range `first-last` of ids in 1..2^32-1 (what a replica can register as). */
/** `server-id` as its first and last id (`5400` is 5400-5400); undefined when it is neither form. */
export function serverIdRange(text: string): { readonly first: number; readonly last: number } | undefined {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return { first, last: m[2] === undefined ? first : Number(m[2]) };
}

function serverIdIssue(v: string | undefined, ctx: z.RefinementCtx): void {
  if (v === undefined) return;
  const range = serverIdRange(v);
  if (!range) {
    ctx.addIssue({ code: 'custom', message: 'expected a number or a range such as 5400-5404' });
    return;
  }
  const { first, last } = range;
  if (first < 1 || last > MAX_SERVER_ID)
    ctx.addIssue({ code: 'custom', message: `"${v}": a server id is in 1..${MAX_SERVER_ID}` });
  else if (last < first)
    ctx.addIssue({
      code: 'custom',
      message: `"${v}": a range goes from the lower id to the higher (${last}-${first})`,
    });
}

const UTF8_NAMES = new Set(['utf-8', 'utf8', 'utf8mb4']);
const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

/** The `jdbc.properties` tidemark understands, checked offline (the others are ignored). */
function jdbcPropertyIssues(props: Readonly<Record<string, string>>, ctx: z.RefinementCtx): void {
  const issue = (key: string, message: string): void =>
    ctx.addIssue({
      code: 'custom',
      path: ['jdbc.properties', key],
      message,
    });
  const encoding = props.characterEncoding;
  if (encoding !== undefined && !UTF8_NAMES.has(encoding.trim().toLowerCase()))
    issue(
      'characterEncoding',
      `${encoding} is not supported: tidemark reads text as utf8mb4, which holds every character exactly, ` +
        `while a ${encoding} session makes the server turn the characters ${encoding} lacks into "?"; remove it or write UTF-8`,
    );
  for (const key of ['sslMode', 'ssl-mode']) {
    const mode = props[key];
    if (mode !== undefined && !SSL_MODES.includes(mode.trim().toUpperCase()))
      issue(key, `expected one of ${SSL_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const timeout = props.connectTimeout;
  if (timeout !== undefined && !(/^\s*\d+\s*$/.test(timeout) && Number(timeout) > 0))
    issue('connectTimeout', `expected a number of milliseconds, got ${JSON.stringify(timeout)}`);
}

/** Options of `source: type: mysql`, with Flink CDC's MySQL pipeline connector names. */
export const mysqlSourceOptionsSchema = z
  .object({
    hostname: opt
      .string()
      .meta({ examples: ['localhost', 'mysql.internal'] })
      .describe('IP address or hostname of the MySQL/MariaDB server.'),
    port: opt.int(1, 65535).default(3306).describe('Port of the server.'),
    username: opt
      .string()
      .describe('User to connect as; needs SELECT, REPLICATION SLAVE and REPLICATION CLIENT.'),
    password: opt.string().meta({ secret: true }).describe('Password of the user.'),
    'jdbc.properties': opt
      .prefixMap(SECRET_SETTING_NAMES)

      .describe(
        'Connection properties, Flink CDC style (`jdbc.properties.useSSL: true`). Understood: useSSL, requireSSL, ' +
          'sslMode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY), verifyServerCertificate, ' +
          'characterEncoding (UTF-8 only: text is read as utf8mb4, which holds every character), connectTimeout ' +
          '(milliseconds); others have no meaning here and are ignored (logged at debug level).',
      ),
    tables: opt
      .string()
      .superRefine(tablePatternIssue('tables'))
      .describe(
        'Tables to capture: comma-separated `db.table` regular expressions; an unescaped `.` separates database and ' +
          'table, `\\.` is the regex "any character" (`app_db.\\.*` = every table of app_db). A single piece such as ' +
          '`app_db\\.*` is matched against the whole `db.table` name.',
      ),
    'tables.exclude': opt
      .string()
      .optional()
      .superRefine(tablePatternIssue('tables.exclude'))
      .describe('Tables to leave out, same syntax as `tables`.'),
    'server-id': opt
      .string()
      .optional()
      .superRefine(serverIdIssue)
      .describe(
        'Replica server id (or range `5400-5404`; the first id is used by the binlog reader). Default: a random block of ids in 5400-6400 (one more than `pipeline.parallelism`) that no other pipeline of the process uses on this server.',
      ),
    'server-time-zone': opt
      .string()
      .optional()
      .superRefine(serverTimeZoneIssue)
      .describe(
        "Session time zone of the server (`+05:30`, `UTC`, `Europe/Berlin`). TIMESTAMP values are read as UTC instants whatever the zone; this zone only serves DDL whose binlog event names none: the values that existing rows get in a column added with DEFAULT CURRENT_TIMESTAMP or a TIMESTAMP literal. Default: the server's `time_zone`.",
      ),
    'scan.startup.mode': opt
      .enum(['initial', 'snapshot', 'latest-offset', 'earliest-offset', 'specific-offset', 'timestamp'])
      .default('initial')
      .describe(
        '`initial`: snapshot the tables (chunked, lock-free, parallel, resumable), then stream the binlog; ' +
          '`snapshot`: the snapshot only, then the source ends (bounded); `latest-offset`: stream from the current ' +
          'binlog end; `earliest-offset`: stream from the oldest binlog file the server has; `specific-offset`: from ' +
          '`scan.startup.specific-offset.*`; `timestamp`: from the first transaction committed at or after ' +
          '`scan.startup.timestamp-millis`. Modes other than initial/snapshot read no snapshot and use the current table schemas.',
      ),
    'scan.startup.specific-offset.file': opt
      .string()
      .optional()
      .describe('Binlog file name to start from (`specific-offset`), e.g. `mysql-bin.000003`.'),
    'scan.startup.specific-offset.pos': opt
      .int(4, 2 ** 32 - 1)
      .optional()
      .describe('Offset in `scan.startup.specific-offset.file` (a transaction boundary); default 4.'),
    'scan.startup.specific-offset.gtid-set': opt
      .string()
      .optional()
      .describe(
        'GTID state to start after (`specific-offset`): a MariaDB GTID position (`0-1-42`) or a MySQL GTID set (`3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5`, the transactions already captured); takes precedence over file/pos. The MySQL form is not verified against a MySQL server here.',
      ),
    'scan.startup.specific-offset.skip-events': opt
      .int(0)
      .default(0)

      .describe('Row events (binlog events that carry rows) to skip after the specific offset.'),
    'scan.startup.specific-offset.skip-rows': opt
      .int(0)
      .default(0)

      .describe('Rows to skip after the skipped events.'),
    'scan.startup.timestamp-millis': opt
      .int(0)
      .optional()
      .describe('Start time for `timestamp` mode, epoch milliseconds.'),
    'scan.snapshot.fetch.size': opt
      .int(1, 1_000_000)
      .default(1024)
      .meta({ advanced: true })
      .describe('Rows per batch handed to the pipeline while snapshotting.'),
    'scan.incremental.snapshot.chunk.size': opt
      .int(1, 10_000_000)
      .default(8096)
      .meta({ advanced: true })
      .describe(
        'Rows per snapshot chunk. Each chunk is read with a plain SELECT between a low and a high binlog ' +
          'watermark and normalised with the binlog between them; a checkpoint follows every chunk. A chunk ' +
          'that grew past twice this size is cut. Memory holds about (parallelism + a few) chunks.',
      ),
    'scan.incremental.snapshot.chunk.key-column': opt
      .string()
      .optional()
      .describe(
        'Split key per table, `db.table_regex:column;...` (default: the primary key, all its columns). ' +
          'Required for exactly-once snapshots of tables without a primary key: without it such a table is ' +
          'read in one streamed chunk and its snapshot is at-least-once (rows changed during the read may ' +
          'arrive twice).',
      ),
    'scan.incremental.snapshot.unbounded-chunk-first.enabled': opt
      .bool()
      .default(false)
      .meta({ advanced: true })
      .describe(
        'Read the chunk unbounded above (the table end, where new rows land) before the others (evenly split tables).',
      ),
    'chunk-meta.group.size': opt
      .int(1)
      .default(1000)
      .meta({ compat: true })
      .describe('Tidemark keeps finished chunks as merged key ranges.'),
    'scan.newly-added-table.enabled': opt
      .bool()
      .default(false)
      .describe(
        'On a restart from a checkpoint, snapshot tables that match `tables` now but were not captured ' +
          'then, while the others keep streaming.',
      ),
    'scan.binlog.newly-added-table.enabled': opt
      .bool()
      .optional()
      .describe(
        'Capture tables created while the pipeline runs that match `tables`, from their CREATE TABLE on ' +
          '(no snapshot needed: they start empty); when false they are ignored (logged). Unset: true, unless ' +
          '`scan.newly-added-table.enabled` is true (Flink CDC allows only one of the two).',
      ),
    'heartbeat.interval': opt
      .duration()
      .default(30_000)
      .meta({ advanced: true })
      .describe(
        'Heartbeat the server sends on an idle binlog connection; a dead connection is noticed after 3 missed beats.',
      ),
    'connect.timeout': opt.duration().default(30_000).describe('Timeout for connecting to the server.'),
    'connect.max-retries': opt
      .int(0, 1000)
      .default(3)
      .meta({ advanced: true })
      .describe('Reconnect attempts of the binlog reader after a lost connection.'),
    'treat-tinyint1-as-boolean.enabled': opt
      .bool()
      .default(false)
      .describe(
        'Flink CDC turns TINYINT(1) into BOOLEAN (its default is true), which loses every value but 0 and 1. ' +
          'tidemark keeps TINYINT(1) an exact integer: false is the only value accepted (see "MySQL type mapping").',
      ),
    'include-comments.enabled': opt
      .bool()
      .default(false)
      .describe(
        'Table and column comments reach the sink with the schemas (CREATE TABLE, ADD COLUMN); the DuckDB sink ' +
          'keeps them as its table and column comments. A later change of a comment alone is not followed.',
      ),
    'metadata-column.include-list': opt
      .list()
      .optional()
      .superRefine((names, ctx) => {
        for (const n of names ?? []) {
          if (n !== 'op_ts')
            ctx.addIssue({
              code: 'custom',
              message: `unknown metadata column "${n}"; the mysql source offers: op_ts`,
            });
        }
      })
      .describe(
        'Source metadata that transform projections and filters may use as columns: `op_ts` (TIMESTAMP_LTZ(3), the ' +
          "commit time of the row's transaction; 0 (1970-01-01 00:00:00) for rows read by the snapshot, as in Flink CDC).",
      ),
    'scan.only.deserialize.captured.tables.changelog.enabled': opt
      .bool()
      .default(true)
      .meta({ compat: true })
      .describe(
        'Always the behaviour: only row events of captured tables are decoded (the others are skipped by their ' +
          'table id, unread).',
      ),
    'connection.pool.size': opt
      .int(1, 64)
      .default(20)
      .meta({ compat: true })
      .describe('The snapshot uses `pipeline.parallelism` connections (one per reader).'),
  })
  .strict()
  .superRefine((o, ctx) => {
    jdbcPropertyIssues(o['jdbc.properties'] ?? {}, ctx);
    if (o['treat-tinyint1-as-boolean.enabled']) {
      ctx.addIssue({
        code: 'custom',
        path: ['treat-tinyint1-as-boolean.enabled'],
        message:
          'true is not supported: TINYINT(1) columns may hold -128..127 and tidemark keeps them exact integers; ' +
          'remove the option (or set false), and cast in a transform projection if the sink needs a BOOLEAN',
      });
    }
    if (o['scan.newly-added-table.enabled'] && o['scan.binlog.newly-added-table.enabled']) {
      ctx.addIssue({
        code: 'custom',
        path: ['scan.binlog.newly-added-table.enabled'],
        message:
          'scan.newly-added-table.enabled and scan.binlog.newly-added-table.enabled cannot both be true (as in Flink CDC): choose one',
      });
    }
    const mode = o['scan.startup.mode'];
    if (
      mode === 'specific-offset' &&
      o['scan.startup.specific-offset.file'] === undefined &&
      o['scan.startup.specific-offset.gtid-set'] === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['scan.startup.mode'],
        message:
          'specific-offset needs scan.startup.specific-offset.file (and .pos) or scan.startup.specific-offset.gtid-set',
      });
    }
    if (mode === 'timestamp' && o['scan.startup.timestamp-millis'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['scan.startup.mode'],
        message: 'timestamp mode needs scan.startup.timestamp-millis',
      });
    }
  });

export type MysqlSourceOptions = z.output<typeof mysqlSourceOptionsSchema>;

/** Options of `source: type: mysql-binlog-files`. */
export const mysqlBinlogFilesSourceOptionsSchema = z
  .object({
    path: opt
      .string()
      .describe(
        'Binlog files to replay: a directory (every `name.NNNNNN` file in it), one file, or a glob in the last ' +
          'path segment (`/backup/mysql-bin.0*`). Files are read in the order of their numeric suffix.',
      ),
    tables: opt
      .string()
      .superRefine(tablePatternIssue('tables'))
      .describe(
        'Tables to capture, same syntax as the `mysql` source: comma-separated `db.table` regular expressions.',
      ),
    'tables.exclude': opt
      .string()
      .optional()
      .superRefine(tablePatternIssue('tables.exclude'))
      .describe('Tables to leave out, same syntax as `tables`.'),
    'schema.ddl-file': opt
      .string()
      .optional()
      .describe(
        'A file of CREATE TABLE statements (e.g. `mysqldump --no-data`) giving the schemas of the captured tables ' +
          'as they were at the start of the first file. Without it (and without a connection), schemas come from ' +
          'the TABLE_MAP events, which needs `binlog_row_metadata=FULL` on the server that wrote the files.',
      ),
    hostname: opt
      .string()
      .optional()
      .describe(
        'Optional live server to load the schemas of the captured tables from (as they are now), when neither the ' +
          'files nor `schema.ddl-file` carry them.',
      ),
    port: opt.int(1, 65535).default(3306).describe('Port of that server.'),
    username: opt.string().optional().describe('User for that server; needs SELECT.'),
    password: opt.string().optional().meta({ secret: true }).describe('Password of that user.'),
    'connect.timeout': opt.duration().default(30_000).describe('Timeout for connecting to that server.'),
  })
  .strict();

export type MysqlBinlogFilesSourceOptions = z.output<typeof mysqlBinlogFilesSourceOptionsSchema>;
