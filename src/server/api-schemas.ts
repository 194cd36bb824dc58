/**
 * The REST API's request and response bodies: one zod schema each. The OpenAPI document
 * (openapi-document.ts) is generated from these, so what the server is documented to send is what
 * it is typed to send; the API test validates real responses against the served document.
 */
import { z } from 'zod';

export const JOB_STATUSES = [
  'INITIALIZING',
  'RUNNING',
  'RESTARTING',
  'STOPPING',
  'STOPPED',
  'CANCELING',
  'CANCELED',
  'FAILED',
  'FINISHED',
] as const;

const ms = z.number().describe('milliseconds since the epoch');

export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .describe('An error: a stable code (see the README error table) and what to do.');

export const jobError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  at: ms,
});

export const jobSummary = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string(),
  status: z.enum(JOB_STATUSES),
  phase: z.enum(['snapshot', 'streaming']).nullable(),
  submittedAt: ms,
  startedAt: ms.nullable(),
  restarts: z.number().int(),
  lastCheckpoint: z.object({ seq: z.number().int(), at: ms }).nullable(),
  checkpointAgeSeconds: z.number().nullable(),
  rowsWritten: z.number().int().describe('row events written into the sink since the server started'),
  rowsPerSecond: z.number(),
  lagMs: z.number().nullable(),
  error: jobError.nullable().describe('the last failure of a run (it stays after a restart that worked)'),
});

export const snapshotTable = z.object({
  table: z.string(),
  rowsRead: z.number(),
  rowsEstimated: z.number(),
  done: z.boolean(),
});

export const sinkTable = z.object({ table: z.string(), rowsWritten: z.number(), rowsPerSecond: z.number() });

export const checkpointEntry = z.object({
  seq: z.number().int(),
  at: ms,
  rowsCommitted: z.number().int(),
  durationMs: z.number().nullable(),
});

export const schemaChangeEntry = z.object({ at: ms, table: z.string(), change: z.string() });

export const errorEntry = z.object({
  at: ms,
  level: z.enum(['warn', 'error']),
  code: z.string().nullable(),
  message: z.string(),
  table: z.string().nullable(),
  position: z.string().nullable(),
});

export const savepointEntry = z.object({ path: z.string(), seq: z.number().int(), at: ms });

export const pipelineGraph = z
  .object({
    source: z.object({ type: z.string(), tables: z.string().nullable() }),
    transforms: z.array(
      z.object({ sourceTable: z.string(), projection: z.string().nullable(), filter: z.string().nullable() }),
    ),
    routes: z.array(z.object({ sourceTable: z.string(), sinkTable: z.string() })),
    sink: z.object({ type: z.string(), target: z.string().nullable() }),
  })
  .describe(
    'source → transforms → routes → sink; no option values beyond table patterns and the sink target.',
  );

export const jobDetail = jobSummary.extend({
  graph: pipelineGraph.nullable(),
  position: z.string().nullable(),
  snapshot: z.array(snapshotTable),
  sinkTables: z.array(sinkTable),
  checkpoints: z.array(checkpointEntry),
  schemaChanges: z.array(schemaChangeEntry),
  errors: z.array(errorEntry),
  savepoints: z.array(savepointEntry),
});

export const jobList = z.object({ jobs: z.array(jobSummary) });

export const jobMetrics = z.object({
  samples: z.array(z.object({ at: ms, rowsPerSecond: z.number(), lagMs: z.number().nullable() })),
  sinkTables: z.array(sinkTable),
  snapshot: z.array(snapshotTable),
});

export const checkpointList = z.object({ checkpoints: z.array(checkpointEntry) });
export const schemaChangeList = z.object({ schemaChanges: z.array(schemaChangeEntry) });

export const submitRequest = z.object({
  pipeline: z.string().describe('the pipeline YAML text'),
  file: z
    .string()
    .optional()
    .describe(
      "the file it was read from (absolute): where its problems are located, and what a user function's relative classpath is relative to",
    ),
});
export const submitResponse = z.object({ id: z.string(), name: z.string(), status: z.enum(JOB_STATUSES) });

export const stopRequest = z.object({ savepoint: z.boolean().optional() });
export const stopResponse = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  savepoint: savepointEntry.nullable(),
});
export const resumeRequest = z.object({ fromSavepoint: z.string().optional() });
export const jobStatusResponse = z.object({ id: z.string(), status: z.enum(JOB_STATUSES) });

export const QUERY_MAX_ROWS = 10_000;
export const QUERY_MAX_TIMEOUT_MS = 30_000;
export const queryRequest = z.object({
  path: z.string().describe('absolute path of the DuckDB file a running job writes'),
  sql: z.string().describe('one SELECT statement'),
  format: z.enum(['table', 'json', 'jsonl', 'csv']).default('table'),
  maxRows: z.number().int().min(1).max(QUERY_MAX_ROWS).default(1000),
  timeoutMs: z.number().int().min(1).max(QUERY_MAX_TIMEOUT_MS).default(10_000),
});
export const queryResponse = z.object({ output: z.string(), rows: z.number().int(), truncated: z.boolean() });

export const health = z.object({ status: z.literal('ok'), jobs: z.number().int() });

export type JobSummary = z.output<typeof jobSummary>;
export type JobDetail = z.output<typeof jobDetail>;
