import type {
  Assignment,
  KafkaConsumer,
  Message,
  Producer,
  TopicPartition,
  TopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';

/** Promise forms of the native consumer's callback API (the parts the source uses). */
export type NativeKafka = typeof import('@confluentinc/kafka-javascript');

/** The consumer with the cooperative-rebalancing methods its bundled typings leave out (lib/kafka-consumer.js has them). */
export type RebalancingConsumer = KafkaConsumer & {
  rebalanceProtocol(): 'COOPERATIVE' | 'EAGER' | 'NONE';
  incrementalAssign(assignments: Assignment[]): void;
  incrementalUnassign(assignments: Assignment[]): void;
  /** true: consume(n) waits its timeout for the first message only, then takes what is ready. */
  setDefaultIsTimeoutOnlyForFirstMessage(first: boolean): void;
};

export const REQUEST_TIMEOUT_MS = 10_000;

/** Loads the native client: only when a Kafka component is created. */
export async function loadKafka(): Promise<NativeKafka> {
  const mod = (await import('@confluentinc/kafka-javascript')) as NativeKafka & { default?: NativeKafka };
  return mod.default ?? mod;
}

export function connectClient(client: KafkaConsumer | Producer, what: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.connect({ timeout: REQUEST_TIMEOUT_MS }, (e) => (e ? reject(unreachable(what, e)) : resolve())),
  );
}

export function disconnectClient(client: KafkaConsumer | Producer): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isConnected()) return resolve();
    client.disconnect(() => resolve());
  });
}

/** Up to `n` messages, or fewer after the consumer's consume timeout. */
export function consumeBatch(consumer: KafkaConsumer, n: number): Promise<Message[]> {
  return new Promise((resolve, reject) =>
    consumer.consume(n, (e, messages) =>
      e ? reject(consumeError('consuming failed', e)) : resolve(messages),
    ),
  );
}

/** The group's committed offsets (-1001 where it has none). */
export function committedOffsets(
  consumer: KafkaConsumer,
  tps: readonly TopicPartition[],
): Promise<TopicPartitionOffset[]> {
  if (tps.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) =>
    consumer.committed(
      tps.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      REQUEST_TIMEOUT_MS,
      (e, offsets) =>
        e ? reject(consumeError("reading the group's committed offsets failed", e)) : resolve(offsets),
    ),
  );
}

export function watermarks(
  consumer: KafkaConsumer,
  tp: TopicPartition,
): Promise<{ low: number; high: number }> {
  return new Promise((resolve, reject) =>
    consumer.queryWatermarkOffsets(tp.topic, tp.partition, REQUEST_TIMEOUT_MS, (e, w) =>
      e
        ? reject(consumeError(`reading the offsets of ${tp.topic}/${tp.partition} failed`, e))
        : resolve({ low: w.lowOffset, high: w.highOffset }),
    ),
  );
}

/** The first offset at or after `ms` per partition (-1: none, the partition's end). */
export function offsetsForTime(
  consumer: KafkaConsumer,
  tps: readonly TopicPartition[],
  ms: number,
): Promise<TopicPartitionOffset[]> {
  return new Promise((resolve, reject) =>
    consumer.offsetsForTimes(
      tps.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: ms })),
      REQUEST_TIMEOUT_MS,
      (e, offsets) =>
        e ? reject(consumeError('looking up offsets by timestamp failed', e)) : resolve(offsets),
    ),
  );
}

/** Brokers not reachable (retryable): the core's SOURCE_CONNECT, as for any source. */
function unreachable(what: string, e: unknown): TidemarkError {
  return new TidemarkError(
    'SOURCE_CONNECT',
    `${what}: cannot reach the brokers (check properties.bootstrap.servers and the network): ${errorMessage(e)}`,
    { retryable: true, cause: e },
  );
}

export function consumeError(what: string, e: unknown): TidemarkError {
  return new TidemarkError('KAFKA_SOURCE_CONSUME', `Kafka source: ${what}: ${errorMessage(e)}`, {
    retryable: true,
    cause: e,
  });
}

export const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;
