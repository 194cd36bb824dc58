import { TidemarkError } from '../../event/tidemark-error.js';
import Kafka, { type LibrdKafkaError, type Message } from '@confluentinc/kafka-javascript';
import { parseCheckpoint, type Checkpoint } from '../../runtime/checkpoint.js';
import { clientError } from './kafka-producer.js';

const READ_TIMEOUT_MS = 30_000;
/** How many offsets before the end are read first (then 8× more each time, until the start). */
const FIRST_WINDOW = 64;

/**
 * Checkpoints of exactly-once sinks, in a topic of their own (partition 0, key = the pipeline name),
 * produced inside the transaction that carries the rows they cover, so a checkpoint is visible
 * exactly when its rows are.
 */
export class KafkaCheckpointStore {
  constructor(
    readonly topic: string,
    private readonly pipeline: string,
    private readonly consumerConfig: Record<string, string | number | boolean>,
  ) {}

  /** The message of a checkpoint: key and value. */
  message(cp: Checkpoint): { key: Buffer; value: Buffer } {
    return { key: Buffer.from(this.pipeline), value: Buffer.from(JSON.stringify(cp)) };
  }

  /** The newest committed checkpoint of the pipeline (a read_committed consumer reads partition 0). */
  async newest(): Promise<Checkpoint | undefined> {
    const consumer = new Kafka.KafkaConsumer(
      {
        ...this.consumerConfig,
        'group.id': `tidemark-checkpoint-reader`,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
      },
      { 'auto.offset.reset': 'earliest' },
    );
    await promised<unknown>((cb) => consumer.connect({ timeout: READ_TIMEOUT_MS }, cb), 'connect a consumer');
    // a batch read waits this long for a full batch: the end of a window is rarely a full batch
    consumer.setDefaultConsumeTimeout(100);
    try {
      return await this.read(consumer);
    } finally {
      await new Promise((resolve) => consumer.disconnect(resolve));
    }
  }

  /**
   * Reads backwards in growing windows from the end: the newest message of the pipeline is near the
   * end, and without compaction (a cluster that refused it, the test cluster) the topic holds every
   * checkpoint ever committed.
   */
  private async read(consumer: Kafka.KafkaConsumer): Promise<Checkpoint | undefined> {
    const { low, high } = await this.watermarks(consumer);
    let newest: Message | undefined;
    for (let window = FIRST_WINDOW, from = high; from > low && !newest; window *= 8) {
      const to = from;
      from = Math.max(low, to - window);
      newest = await this.newestIn(consumer, from, to);
    }
    if (!newest?.value) return undefined;
    return parseCheckpoint(
      newest.value.toString(),
      `the Kafka topic ${this.topic} at offset ${newest.offset}`,
    );
  }

  /** The pipeline's last message among offsets [from, to) of partition 0. */
  private async newestIn(
    consumer: Kafka.KafkaConsumer,
    from: number,
    to: number,
  ): Promise<Message | undefined> {
    consumer.assign([{ topic: this.topic, partition: 0, offset: from }]);
    let newest: Message | undefined;
    const deadline = Date.now() + READ_TIMEOUT_MS;
    try {
      for (;;) {
        const batch = await promised<Message[]>((cb) => consumer.consume(500, cb), 'read checkpoints');
        for (const m of batch) if (m.offset < to && m.key?.toString() === this.pipeline) newest = m;
        const at = consumer.position([{ topic: this.topic, partition: 0 }])[0]?.offset ?? 0;
        if (at >= to) return newest;
        // stopping short would resume from an older checkpoint: rows would be produced twice
        if (batch.length === 0 && Date.now() > deadline)
          throw new TidemarkError(
            'SINK_OPEN',
            `the checkpoints in Kafka topic ${this.topic} could not be read to their end (at offset ${at} of ${to} after ${READ_TIMEOUT_MS / 1000} s): check the brokers, then restart`,
            { retryable: true, details: { topic: this.topic, partition: 0, offset: at } },
          );
      }
    } finally {
      consumer.unassign();
    }
  }

  private async watermarks(consumer: Kafka.KafkaConsumer): Promise<{ low: number; high: number }> {
    try {
      const w = await promised<{ lowOffset: number; highOffset: number }>(
        (cb) => consumer.queryWatermarkOffsets(this.topic, 0, READ_TIMEOUT_MS, cb),
        `read the ends of topic ${this.topic}`,
      );
      return { low: w.lowOffset, high: w.highOffset };
    } catch (e) {
      const code = ((e as { cause?: LibrdKafkaError }).cause ?? {}).code;
      const { ERR_UNKNOWN_TOPIC_OR_PART, ERR__UNKNOWN_PARTITION, ERR__UNKNOWN_TOPIC } = Kafka.CODES.ERRORS;
      if (
        code === ERR_UNKNOWN_TOPIC_OR_PART ||
        code === ERR__UNKNOWN_PARTITION ||
        code === ERR__UNKNOWN_TOPIC
      )
        return { low: 0, high: 0 };
      throw e;
    }
  }
}

function promised<T>(
  op: (cb: (err: LibrdKafkaError | null | undefined, v: T) => void) => void,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) =>
    op((err, v) => (err ? reject(clientError('CHECKPOINT', what, err)) : resolve(v))),
  );
}
