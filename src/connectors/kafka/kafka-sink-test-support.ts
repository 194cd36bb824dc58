/** Helpers shared by the Kafka sink tests (not used by production code): read topics back with kcat. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PipelineSpec } from '../../pipeline-spec/pipeline-spec.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import type { Sink } from '../../runtime/sink.js';
import { kafkaConnector } from './index.js';

const run = promisify(execFile);

/** One message as kcat -J prints it. */
export interface ReadMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers?: string[];
}

/** Every message of a topic (all partitions, each in offset order), with kcat, a third-party client. */
export async function readTopic(bootstrap: string, topic: string): Promise<ReadMessage[]> {
  const { stdout } = await run(
    'kcat',
    ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-J', '-o', 'beginning'],
    {
      maxBuffer: 256 << 20,
    },
  );
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ReadMessage)
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** A sink of `type` (`kafka`, `upsert-kafka`) made as the CLI makes it, opened for `pipeline`. */
export async function openKafkaSink(
  type: 'kafka' | 'upsert-kafka',
  options: Record<string, unknown>,
  pipeline: string,
  logger: Logger = createLogger({ level: 'error' }),
): Promise<Sink> {
  const factory = kafkaConnector.sinks.find((s) => s.type === type)!;
  const sink = await factory.create(factory.optionsSchema.parse(options), {} as PipelineSpec);
  await sink.open({ pipelineName: pipeline, logger });
  return sink;
}

type JsonRow = Record<string, unknown>;

/** The rows a debezium-json change log leaves (keyed by the message key, else by the whole row). */
export function replayDebezium(messages: readonly ReadMessage[]): JsonRow[] {
  const rows = new Map<string, JsonRow>();
  for (const m of messages) {
    if (m.payload === null) continue;
    const v = JSON.parse(m.payload) as { before: JsonRow | null; after: JsonRow | null };
    const identity = identityOf(m.key);
    if (v.before) rows.delete(identity(v.before));
    if (v.after) rows.set(identity(v.after), v.after);
  }
  return [...rows.values()];
}

function identityOf(key: string | null): (row: JsonRow) => string {
  if (key === null) return (row) => JSON.stringify(row);
  const columns = Object.keys(JSON.parse(key) as JsonRow);
  return (row) => JSON.stringify(columns.map((c) => row[c]));
}

/** The latest value per key of an upsert topic (a tombstone removes the key). */
export function latestPerKey(messages: readonly ReadMessage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of messages) {
    if (m.payload === null) out.delete(m.key ?? '');
    else out.set(m.key ?? '', m.payload);
  }
  return out;
}

/** Row values as the conformance suite reads them: text, null for NULL or absent. */
export function rowText(row: JsonRow, columns: readonly string[]): (string | null)[] {
  return columns.map((c) => {
    const v = row[c];
    if (v === null || v === undefined) return null;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}
