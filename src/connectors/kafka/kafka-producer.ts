import Kafka, { type LibrdKafkaError, type MessageHeader } from '@confluentinc/kafka-javascript';
import { TidemarkError, type ErrorCode } from '../../event/tidemark-error.js';

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const TIMED_OUT = Kafka.CODES.ERRORS.ERR__TIMED_OUT;
const TXN_TIMEOUT_MS = 60_000;
/** How long one native flush waits before the failure latch is looked at again. */
const FLUSH_SLICE_MS = 1000;
/** How long a produce into a full local queue waits before it tries again. */
const QUEUE_FULL_WAIT_MS = 1;

/**
 * librdkafka's producer (native API) with what the sinks need: bounded asynchronous produce
 * (back-pressure on a full local queue: wait and try again, never buffer without bound), the first
 * delivery error latched with its topic and partition, and transactions as promises.
 *
 * Delivery reports come for failed messages only (`delivery.report.only.error`): a report per
 * message costs more than producing it (a JS object, a topic string and a key buffer each; 4× the
 * raw produce rate when measured). Whether everything was acknowledged is librdkafka's flush:
 * it returns once its out-queue is empty, which includes having handed every failure report to
 * this process (see acknowledged()).
 */
export class KafkaProducer {
  private failure: TidemarkError | undefined;

  private constructor(private readonly producer: Kafka.Producer) {
    producer.on('delivery-report', (err, report) => {
      if (err && !this.failure) this.failure = deliveryError(err, report.topic, report.partition);
    });
  }

  /**
   * Connects a producer with this librdkafka configuration (failure reports are set up here);
   * `component` (`kafka sink`) names whose `properties.bootstrap.servers` a failure is about.
   */
  static async connect(
    config: Record<string, string | number | boolean>,
    component: string,
    timeoutMs = 30_000,
  ): Promise<KafkaProducer> {
    const producer = new Kafka.Producer({ ...config, dr_cb: true, 'delivery.report.only.error': true });
    const servers = String(config['bootstrap.servers']);
    const what = `connect to ${servers} (properties.bootstrap.servers of the ${component}: check the addresses and the network)`;
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: timeoutMs }, (e) =>
        e ? reject(clientError('SINK_OPEN', what, e)) : resolve(),
      ),
    );
    producer.setPollInterval(5);
    return new KafkaProducer(producer);
  }

  get client(): Kafka.Producer {
    return this.producer;
  }

  /**
   * Queues one message; returns undefined when it was queued, or a promise that resolves once it
   * was (librdkafka's queue was full). `partition` -1: the partitioner's choice. librdkafka copies
   * the bytes before this returns (RK_MSG_COPY): views of a reused buffer are fine.
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
      return undefined;
    } catch (e) {
      if ((e as LibrdKafkaError).code !== QUEUE_FULL)
        throw clientError('KAFKA_SINK_DELIVERY', `produce to topic ${topic}`, e);
      return delay(QUEUE_FULL_WAIT_MS).then(() => this.produce(topic, partition, value, key, headers));
    }
  }

  /**
   * Resolves once every message produced so far is acknowledged; throws the first delivery error.
   *
   * librdkafka's flush returns when its out-queue is empty. A failed message leaves that queue
   * only after its report was passed to the binding, which queued it for this thread and signalled
   * the event loop before the flush's completion was signalled; libuv runs both in the same
   * poll phase. So one setImmediate after the flush's callback, every report of the flushed
   * messages has been seen (test/kafka-sink.test.ts checks this under load).
   */
  async acknowledged(): Promise<void> {
    for (;;) {
      this.throwIfFailed();
      const done = await this.flushSlice();
      await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
    }
    this.throwIfFailed();
  }

  /** One native flush of up to FLUSH_SLICE_MS: true when the out-queue is empty. */
  private flushSlice(): Promise<boolean> {
    return new Promise((resolve, reject) =>
      this.producer.flush(FLUSH_SLICE_MS, (err) => {
        if (!err) resolve(true);
        else if (err.code === TIMED_OUT) resolve(false);
        else reject(clientError('KAFKA_SINK_DELIVERY', 'flush the producer', err));
      }),
    );
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
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
