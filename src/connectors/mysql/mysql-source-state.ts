import { z } from 'zod';
import type { JsonValue } from '../../event/json-value.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { MysqlSnapshotSourceState } from './mysql-source.js';

const position = { file: z.string().min(1), pos: z.number().int().nonnegative() };

/** The parts of the state a restart relies on; table schemas are checked as far as their shape. */
const stateSchema = z.looseObject({
  phase: z.literal('binlog'),
  ...position,
  gtid: z.string().optional(),
  gtidSet: z.string().optional(),
  pendingXa: z.array(z.object({ xid: z.string(), ...position })).optional(),
  schemas: z.array(
    z.looseObject({
      table: z.string(),
      id: z.object({ schemaName: z.string().optional(), tableName: z.string() }),
      schema: z.looseObject({
        columns: z.array(z.looseObject({ name: z.string() })),
        primaryKeys: z.array(z.string()),
      }),
    }),
  ),
  serverId: z.number().int().optional(),
  serverUuid: z.string().optional(),
  snapshot: z
    .object({
      tables: z.array(
        z.looseObject({
          table: z.string(),
          key: z.array(z.string()).nullable(),
          done: z.array(z.array(z.unknown())),
        }),
      ),
    })
    .optional(),
  bounded: z.boolean().optional(),
});

/**
 * The `source` part of a checkpoint taken by a MySQL source (`mysql` or `mysql-binlog-files`),
 * validated: a state of another source type or a damaged one is a clear CHECKPOINT error.
 */
export function restoredMysqlState(json: JsonValue | undefined): MysqlSnapshotSourceState | undefined {
  if (json === undefined || json === null) return undefined;
  const r = stateSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TidemarkError(
      'CHECKPOINT',
      `the checkpoint's source state is not a MySQL source's (${issue.path.join('.') || 'top'}: ${issue.message}): ` +
        'it was taken by another source type or is damaged; start afresh with a new state directory and sink',
    );
  }
  return r.data as unknown as MysqlSnapshotSourceState;
}
