import { z } from 'zod';
import { opt } from '../../pipeline-spec/option-types.js';

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
      .describe(
        'Tables to capture, same syntax as the `mysql` source: comma-separated `db.table` regular expressions.',
      ),
    'tables.exclude': opt.string().optional().describe('Tables to leave out, same syntax as `tables`.'),
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
    password: opt.string().optional().describe('Password of that user (a secret: never logged).'),
    'connect.timeout': opt.duration().default(30_000).describe('Timeout for connecting to that server.'),
  })
  .strict();

export type MysqlBinlogFilesSourceOptions = z.output<typeof mysqlBinlogFilesSourceOptionsSchema>;
