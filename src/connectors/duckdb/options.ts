import { z } from 'zod';
import { opt } from '../../pipeline-spec/option-types.js';

/**
 * Options of the `duckdb` sink, Flink CDC style flat keys. Unknown keys are rejected so that a
 * typo (`batch-size` for `batch.size`) is an error instead of a silently ignored option.
 */
export const duckDbSinkOptionsSchema = z
  .strictObject({
    name: opt.string().optional().describe('Display name of the sink, used in logs.'),
    path: opt
      .string()
      .default('./tidemark.duckdb')
      .describe(
        'The DuckDB database file. Created (with its parent directories) when missing. ' +
          'One DuckDB schema per source database, one table per source table; tidemark keeps its ' +
          'checkpoints in `_tidemark.checkpoints` of the same file, committed in the same ' +
          'transaction as the rows (exactly-once). Only one process can write the file at a time.',
      ),
    'batch.size': opt
      .int(1, 1_000_000)
      .default(10_000)
      .meta({ advanced: true })
      .describe(
        'Rows staged (column-wise, in DuckDB data chunks) before they are written into the open ' +
          'DuckDB transaction (rows with large values: about 16 MB of them). Within a batch only ' +
          'the last change per primary key is written. Up to two batches are written (or a commit ' +
          'runs) while the next one is staged, and the transaction is committed at each pipeline ' +
          'checkpoint, so memory stays bounded by three times this number of rows.',
      ),
    'memory.limit': opt
      .string()
      .refine((v) => /^\s*\d+(\.\d+)?\s*[KMGT]i?B\s*$/i.test(v), {
        error: (issue) => `expected a size such as 512MB or 2GiB, got ${JSON.stringify(issue.input)}`,
      })
      .optional()
      .meta({ advanced: true })
      .describe(
        "DuckDB's `memory_limit` for the sink, e.g. `1GB`. Primary-key indexes (ART) must fit in " +
          'it: about 8 bytes a key for sequential integers, 66 for 32-character strings. So must ' +
          'what the open transaction needs at once: DuckDB writes and commits its new rows 2048 at ' +
          'a time, values included (a transaction of 50 rows of 1 MB needs ~50 MB, one of 20000 ' +
          'rows of 10 KB ~20 MB). Default for a file: `128MB`, raised as the indexes grow (to 64MB ' +
          'plus 110% of what they and the rows not yet checkpointed take) and while a transaction ' +
          "needs more (set back after its commit); a limit set here stays as set. DuckDB's own " +
          'default, 80% of RAM, would let its buffer pool grow with the table. DuckDB spills to a ' +
          'temporary directory next to the file (`<file>.tmp`) when a statement needs more.',
      ),
    threads: opt
      .int(1, 256)
      .default(1)
      .meta({ advanced: true })
      .describe(
        "DuckDB's `threads` setting for the sink. The default, 1, suits its statements (batches of " +
          'rows): with more threads, the thread running a statement polls for work while the ' +
          "others finish it, CPU the process needs for reading rows (a fifth of the sink's CPU). " +
          'More can speed up checkpoints of large tables where cores are to spare.',
      ),
  })
  .describe('Writes into an embedded DuckDB database file (the default sink).');

export type DuckDbSinkOptions = z.output<typeof duckDbSinkOptionsSchema>;
