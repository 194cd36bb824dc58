import Kafka, { type LibrdKafkaError, type MessageHeader } from '@confluentinc/kafka-javascript';
import { TidemarkError, type ErrorCode } from '../../event/tidemark-error.js';

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const TXN_TIMEOUT_MS = 60_000;

/**
 * librdkafka's producer (native API) with what the sinks need: bounded asynchronous produce
 * (back-pressure on a full queue: wait for delivery reports, never buffer without bound), a count
 * of unacknowledged messages, the first delivery error latched with its topic and partition, and
 * transactions as promises.
 */
export class KafkaProducer {
  private outstanding = 0;
  private failure: TidemarkError | undefined;
  private waiters: (() => void)[] = [];

  private constructor(private readonly producer: Kafka.Producer) {
    producer.on('delivery-report', (err, report) => {
      this.outstanding--;
      if (err && !this.failure) this.failure = deliveryError(err, report.topic, report.partition);
      this.wake();
    });
  }

  /** Connects a producer with this librdkafka configuration (`dr_cb` is set here). */
  static async connect(config: Record<string, string | number | boolean>): Promise<KafkaProducer> {
    const producer = new Kafka.Producer({ ...config, dr_cb: true });
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: 30_000 }, (e) =>
        e ? reject(clientError('SINK_OPEN', 'connect', e)) : resolve(),
      ),
    );
    producer.setPollInterval(5);
    return new KafkaProducer(producer);
  }

  get client(): Kafka.Producer {
    return this.producer;
  }

  /**
   * Queues one message; resolves at once unless librdkafka's queue is full, then once delivery
   * reports made room. `partition` -1: the partitioner's choice.
   */
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: Buffer | null,
    headers: MessageHeader[] | undefined,
  ): Promise<void> | undefined {
    this.throwIfFailed();
    try {
      this.producer.produce(topic, partition, value, key, null, undefined, headers);
      this.outstanding++;
      return undefined;
    } catch (e) {
      if ((e as LibrdKafkaError).code !== QUEUE_FULL)
        throw clientError('KAFKA_SINK_DELIVERY', `produce to topic ${topic}`, e);
      return this.nextDelivery().then(() => this.produce(topic, partition, value, key, headers));
    }
  }

  /** Resolves once every message produced so far is acknowledged; throws the first delivery error. */
  async acknowledged(): Promise<void> {
    while (this.outstanding > 0) {
      this.throwIfFailed();
      await this.nextDelivery();
    }
    this.throwIfFailed();
  }

  initTransactions(): Promise<void> {
    return this.call('initialize transactions', (cb) => this.producer.initTransactions(TXN_TIMEOUT_MS, cb));
  }

  beginTransaction(): Promise<void> {
    return this.call('begin a transaction', (cb) => this.producer.beginTransaction(cb));
  }

  /** Commits; a commit librdkafka calls retriable (a timeout) is tried again, up to 3 times. */
  async commitTransaction(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call('commit the transaction', (cb) =>
          this.producer.commitTransaction(TXN_TIMEOUT_MS, cb),
        );
        break;
      } catch (e) {
        if (attempt >= 3 || !(e as TidemarkError).retryable) throw e;
      }
    }
    this.throwIfFailed();
  }

  abortTransaction(): Promise<void> {
    return this.call('abort the transaction', (cb) => this.producer.abortTransaction(TXN_TIMEOUT_MS, cb));
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => this.producer.disconnect(5000, () => resolve()));
  }

  private call(what: string, op: (cb: (err: LibrdKafkaError) => void) => void): Promise<void> {
    return new Promise((resolve, reject) =>
      op((err) => (err ? reject(clientError('KAFKA_SINK_TRANSACTION', what, err)) : resolve())),
    );
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private nextDelivery(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.producer.poll();
    });
  }

  /** Runs per delivery report (per message): allocates only when somebody waits. */
  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function deliveryError(err: LibrdKafkaError, topic: string, partition: number): TidemarkError {
  return new TidemarkError(
    'KAFKA_SINK_DELIVERY',
    `Kafka did not acknowledge a message to topic ${topic} partition ${partition}: ${err.message}. Check that the topic exists (or that the broker auto-creates topics), the ACLs, and the broker's logs.`,
    { retryable: err.isRetriable === true, cause: err, details: { topic, partition } },
  );
}

/** A librdkafka error as a TidemarkError: retryable unless librdkafka says it is fatal or not retriable. */
export function clientError(code: ErrorCode, what: string, e: unknown): TidemarkError {
  const err = e as Partial<LibrdKafkaError>;
  return new TidemarkError(code, `Kafka: cannot ${what}: ${err.message ?? String(e)}`, {
    retryable: err.isFatal !== true && (err.isRetriable === true || code === 'SINK_OPEN'),
    cause: e,
  });
}
