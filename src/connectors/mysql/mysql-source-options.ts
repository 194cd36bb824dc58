import { z } from 'zod';
import { opt } from '../../pipeline-spec/option-types.js';

/** Options of `source: type: mysql`, with Flink CDC's MySQL pipeline connector names. */
export const mysqlSourceOptionsSchema = z
  .object({
    hostname: opt.string().describe('IP address or hostname of the MySQL/MariaDB server.'),
    port: opt.int(1, 65535).default(3306).describe('Port of the server.'),
    username: opt
      .string()
      .describe('User to connect as; needs SELECT, REPLICATION SLAVE and REPLICATION CLIENT.'),
    password: opt.string().describe('Password of the user (a secret: never logged).'),
    tables: opt
      .string()
      .describe(
        'Tables to capture: comma-separated `db.table` regular expressions; an unescaped `.` separates database and ' +
          'table, `\\.` is the regex "any character" (`app_db.\\.*` = every table of app_db). A single piece such as ' +
          '`app_db\\.*` is matched against the whole `db.table` name.',
      ),
    'tables.exclude': opt.string().optional().describe('Tables to leave out, same syntax as `tables`.'),
    'server-id': opt
      .string()
      .optional()
      .refine(
        (v) => v === undefined || /^\s*\d+\s*(-\s*\d+\s*)?$/.test(v),
        'expected a number or a range such as 5400-5404',
      )
      .describe(
        'Replica server id (or range `5400-5404`; the first id is used by the binlog reader). Default: a random id in 5400-6400.',
      ),
    'server-time-zone': opt
      .string()
      .optional()
      .describe(
        'Session time zone of the server. Accepted for compatibility: tidemark reads TIMESTAMP values as UTC instants, exactly, whatever the zone.',
      ),
    'scan.startup.mode': opt
      .enum(['initial', 'latest-offset'])
      .default('initial')
      .describe(
        '`initial`: snapshot the tables, then stream the binlog; `latest-offset`: stream from the current binlog end only.',
      ),
    'scan.snapshot.fetch.size': opt
      .int(1, 1_000_000)
      .default(1024)
      .describe('Rows fetched per batch while snapshotting.'),
    'heartbeat.interval': opt
      .duration()
      .default(30_000)
      .describe(
        'Heartbeat the server sends on an idle binlog connection; a dead connection is noticed after 3 missed beats.',
      ),
    'connect.timeout': opt.duration().default(30_000).describe('Timeout for connecting to the server.'),
    'connect.max-retries': opt
      .int(0, 1000)
      .default(3)
      .describe('Reconnect attempts of the binlog reader after a lost connection.'),
    'connection.pool.size': opt
      .int(1, 64)
      .default(20)
      .describe('Accepted for compatibility; tidemark uses one snapshot connection in this version.'),
  })
  .strict();

export type MysqlSourceOptions = z.output<typeof mysqlSourceOptionsSchema>;
