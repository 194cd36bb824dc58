import Kafka from '@confluentinc/kafka-javascript';

/** One message for produceMessages: value text (null: a tombstone), optional key and partition. */
export interface TestMessage {
  readonly value: string | null;
  readonly key?: string;
  readonly partition?: number;
}

/** Produces the messages in order (acks=all) and waits until every one is delivered. */
export async function produceMessages(
  bootstrap: string,
  topic: string,
  messages: readonly TestMessage[],
): Promise<void> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': bootstrap,
    dr_cb: true,
    'linger.ms': 5,
    'message.timeout.ms': 30_000, // a test fails rather than waits 5 minutes for a dead broker
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 10_000 }, (e) => (e ? reject(new Error(e.message)) : resolve())),
  );
  producer.setPollInterval(10);
  let pending = messages.length;
  const delivered = new Promise<void>((resolve, reject) => {
    if (pending === 0) resolve();
    producer.on('delivery-report', (e) => {
      if (e) reject(new Error(e.message));
      else if (--pending === 0) resolve();
    });
  });
  for (const m of messages)
    producer.produce(
      topic,
      m.partition ?? null,
      m.value === null ? null : Buffer.from(m.value),
      m.key === undefined ? null : Buffer.from(m.key),
    );
  await delivered;
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

/** The consumer group's committed offsets summed over the topic's partitions. */
export async function groupCommitted(
  bootstrap: string,
  group: string,
  topic: string,
  partitions: number,
): Promise<number> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group }, {});
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (e) => (e ? reject(new Error(e.message)) : resolve())),
  );
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const offsets = await new Promise<{ offset: number }[]>((resolve, reject) =>
      consumer.committed(tps, 5000, (e, o) => (e ? reject(new Error(e.message)) : resolve(o))),
    );
    return offsets.reduce((n, o) => n + Math.max(0, o.offset), 0);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** A debezium-json message as tidemark's and Flink CDC's sinks write it. */
export function debezium(
  op: 'c' | 'u' | 'd' | 'r',
  db: string,
  table: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): string {
  return JSON.stringify({ before, after, op, source: { db, table, ts_ms: 1728528674000 } });
}
