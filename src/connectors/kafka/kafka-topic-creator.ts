import Kafka, {
  type IAdminClient,
  type LibrdKafkaError,
  type NewTopic,
} from '@confluentinc/kafka-javascript';
import type { Logger } from '../../runtime/logger.js';

/**
 * Creates topics with a configuration (upsert-kafka's and the checkpoints' `cleanup.policy=compact`)
 * before their first message. A topic that exists is left as it is. When the broker refuses
 * CreateTopics (no permission, or a broker without it such as librdkafka's mock cluster), the
 * topic is left to the broker's auto-creation and a warning says once that its configuration
 * could not be set.
 */
export class KafkaTopicCreator {
  private readonly done = new Map<string, Promise<void>>();
  /** Set once the broker refused (or did not answer): later topics go to auto-creation at once. */
  private refused = false;

  constructor(
    private readonly admin: IAdminClient,
    private readonly config: NonNullable<NewTopic['config']>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  static from(
    producer: Kafka.Producer,
    config: NonNullable<NewTopic['config']>,
    timeoutMs: number,
    logger: Logger,
  ): KafkaTopicCreator {
    return new KafkaTopicCreator(Kafka.AdminClient.createFrom(producer), config, timeoutMs, logger);
  }

  /** Resolves once the topic exists or was left to auto-creation (never rejects). */
  ensure(topic: string): Promise<void> {
    let p = this.done.get(topic);
    if (!p) {
      p = this.create(topic);
      this.done.set(topic, p);
    }
    return p;
  }

  private create(topic: string): Promise<void> {
    if (this.refused) return Promise.resolve();
    const spec: NewTopic = { topic, num_partitions: -1, replication_factor: -1, config: this.config };
    return new Promise((resolve) =>
      this.admin.createTopic(spec, this.timeoutMs, (err: LibrdKafkaError | undefined) => {
        if (err && err.code !== Kafka.CODES.ERRORS.ERR_TOPIC_ALREADY_EXISTS) this.warnOnce(topic, err);
        resolve();
      }),
    );
  }

  private warnOnce(topic: string, err: LibrdKafkaError): void {
    if (this.refused) return;
    this.refused = true;
    this.logger.warn(
      'Kafka refused to create a topic: it is left to auto-creation, without the configuration tidemark sets (set it on the broker, e.g. cleanup.policy=compact)',
      { topic, config: this.config, error: err.message },
    );
  }
}
