import { TidemarkError } from '../event/tidemark-error.js';
import type { Checkpoint, PipelineIdentity } from './checkpoint.js';
import type { Logger } from './logger.js';
import type { Sink } from './sink.js';

export interface RestoreInput {
  readonly pipelineName: string;
  /** This pipeline's identity now. */
  readonly identity: PipelineIdentity;
  /** The copy in the state directory, and where it is (for messages). */
  readonly fromStore: Checkpoint | undefined;
  readonly storePath: string;
  readonly sink: Sink;
  readonly logger: Logger;
}

/**
 * The checkpoint to resume from, or undefined to start afresh. A checkpoint is only ever resumed by
 * the pipeline it belongs to (otherwise PIPELINE_MISMATCH), and never into a sink that lacks the
 * data before it:
 * - a transactional sink's own checkpoint is the truth (it was committed with the sink's rows). One
 *   older than the state directory's (a sink restored from a backup) is resumed as it is;
 * - a transactional sink without a checkpoint while the state directory has one lost its data (the
 *   file was deleted or replaced): an empty sink gets a new snapshot (said in the log), a sink that
 *   holds tables is an error (SINK_BEHIND) that says what to do. Unless the sink was not
 *   transactional when that checkpoint was taken (a Kafka sink switched from at-least-once to
 *   exactly-once): it never held checkpoints, and the rows before the state directory's are in it;
 * - a sink that is not transactional resumes from the state directory.
 */
export async function restorePoint(input: RestoreInput): Promise<Checkpoint | undefined> {
  const { fromStore, sink, logger } = input;
  if (fromStore) checkOwner(input, fromStore, 'state');
  if (!sink.transactional) return fromStore;
  const fromSink = await sink.committedCheckpoint();
  if (fromSink) {
    checkOwner(input, fromSink, 'sink');
    if (fromStore && fromStore.seq > fromSink.seq) {
      logger.warn(
        "the sink holds an older checkpoint than the state directory (restored from a backup?): resuming from the sink's own checkpoint, which matches its rows",
        { ...describe('sink', fromSink), ...describe('state', fromStore) },
      );
    }
    return fromSink;
  }
  if (!fromStore) return undefined;
  if (fromStore.identity?.sinkTransactional === false) {
    logger.info(
      "resuming from the state directory's checkpoint, taken while the sink did not commit checkpoints with its rows; its commits carry them from now on",
      { sink: sink.target, ...describe('state', fromStore) },
    );
    return fromStore;
  }
  if (await sink.isEmpty()) {
    logger.warn(
      'the sink holds no checkpoint and no table, but the state directory holds a checkpoint: the sink was deleted or is new; starting afresh (scan.startup.mode, e.g. a new snapshot)',
      { sink: sink.target, ...describe('state', fromStore) },
    );
    return undefined;
  }
  throw new TidemarkError(
    'SINK_BEHIND',
    `${sink.target} holds no checkpoint of pipeline "${input.pipelineName}", but the state directory (${input.storePath}) ` +
      `holds checkpoint #${fromStore.seq} of ${at(fromStore)}: the sink was replaced or lost its data since, and ` +
      'resuming would stream changes on top of tables that lack the earlier ones. ' +
      (sink.lostCheckpointAdvice ??
        'To rebuild the sink with a new snapshot, remove it (or point the pipeline at a new one); to resume, ' +
          `put back the sink that holds checkpoint #${fromStore.seq}.`),
    { details: { sink: sink.target, stateSeq: fromStore.seq } },
  );
}

/** Throws PIPELINE_MISMATCH when `cp` belongs to another pipeline of the same name. */
function checkOwner(input: RestoreInput, cp: Checkpoint, kept: 'state' | 'sink'): void {
  const was = cp.identity;
  if (!was) return; // written by an earlier version: its next commit records the identity
  const now = input.identity;
  const reasons: string[] = [];
  // the sink's own checkpoint is in the sink by construction, wherever the sink was moved
  if (kept === 'state' && was.sink !== now.sink) reasons.push('another sink');
  // the same selection is the same pipeline whatever tables were created or dropped since; an
  // edited selection (tables added to the pattern) still is when some table is common to both
  const tables = new Set(now.tables);
  const sameSelection = was.selection !== undefined && was.selection === now.selection;
  if (!sameSelection && was.tables.length > 0 && tables.size > 0 && !was.tables.some((t) => tables.has(t)))
    reasons.push('no table in common');
  if (reasons.length === 0) return;
  const where =
    kept === 'state' ? `the state directory (${input.storePath})` : `the sink (${input.sink.target})`;
  // names that differ only in characters a folder name does not keep share the state folder
  const sameName = cp.pipeline === input.pipelineName;
  const hint =
    kept !== 'state'
      ? 'Two pipelines share the name (pipelines without `pipeline.name` all get the default one): give each its own `pipeline.name` (or its own sink)'
      : sameName
        ? 'Two pipelines share the name (pipelines without `pipeline.name` all get the default one): give each its own `pipeline.name` or --state-dir. If it is the same pipeline and only its sink moved, ' +
          `remove ${input.storePath} (a transactional sink keeps its own checkpoint)`
        : `"${cp.pipeline}" and "${input.pipelineName}" share that folder (a name keeps its letters, digits, '.', '_' and '-' there; other characters become '_'): ` +
          'give this one a name that differs in those, or its own --state-dir';
  throw new TidemarkError(
    'PIPELINE_MISMATCH',
    `checkpoint #${cp.seq} in ${where} belongs to ${sameName ? 'another pipeline named' : 'the pipeline'} "${cp.pipeline}" ` +
      `(${reasons.join(', ')}): it was taken by the pipeline with ${identityText(was)}; this one has ${identityText(now)}. ` +
      `${hint}.`,
    { details: { checkpointSeq: cp.seq, was, now } },
  );
}

function identityText(id: PipelineIdentity): string {
  const shown = id.tables.slice(0, 5).join(', ');
  const more = id.tables.length > 5 ? ` and ${id.tables.length - 5} more` : '';
  return `${id.source ? `source ${id.source}, ` : ''}tables ${shown || '(none)'}${more}, sink ${id.sink}`;
}

function at(cp: Checkpoint): string {
  return new Date(cp.createdAt).toISOString();
}

function describe(prefix: string, cp: Checkpoint): Record<string, unknown> {
  return { [`${prefix}Seq`]: cp.seq, [`${prefix}At`]: at(cp) };
}
