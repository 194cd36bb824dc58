import type { MessageHeader } from '@confluentinc/kafka-javascript';
import type { DataChangeEvent, SchemaChange } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import { tableIdToString, type TableId, type TableSchema } from '../../event/table-schema.js';
import { errorMessage, TidemarkError } from '../../event/tidemark-error.js';
import type { Checkpoint } from '../../runtime/checkpoint.js';
import type { Logger } from '../../runtime/logger.js';
import { ALL_SCHEMA_CHANGE_TYPES, type Sink, type SinkContext } from '../../runtime/sink.js';
import { SinkOperationQueue } from '../../runtime/sink-operation-queue.js';
import { changeEncoder, type ChangeEncoder, type EncodingOptions } from './change-encoder.js';
import { KafkaCheckpointStore } from './kafka-checkpoint-store.js';
import { headerBuilder } from './kafka-headers.js';
import { EncodedMessages } from './encoded-messages.js';
import { KafkaProducer } from './kafka-producer.js';
import {
  bootstrapServers,
  clientConfig,
  redactedProperties,
  type KafkaProperties,
} from './kafka-properties.js';
import { KafkaTopicCreator } from './kafka-topic-creator.js';
import type { DeliveryGuarantee, PartitionStrategy } from './sink-options.js';
import { topicNaming, type TopicOf } from './topic-naming.js';

/** What both Kafka sinks are made of (index.ts builds it from their options). */
export interface KafkaSinkConfig {
  readonly type: 'kafka' | 'upsert-kafka';
  readonly name: string | undefined;
  readonly properties: KafkaProperties | undefined;
  readonly topic: string | undefined;
  readonly topicMapping: string | undefined;
  readonly partitioning: PartitionStrategy;
  readonly tableIdHeaders: boolean;
  readonly customHeaders: string;
  readonly guarantee: DeliveryGuarantee;
  readonly checkpointTopic: string;
  readonly topicCreationTimeoutMs: number;
  readonly encoding: EncodingOptions;
  /** upsert-kafka: every table needs a primary key and its topics are created compacted. */
  readonly upsert: boolean;
}

interface TableEntry {
  readonly topic: string;
  readonly encode: ChangeEncoder;
  readonly headers: MessageHeader[] | undefined;
}

/**
 * The `kafka` and `upsert-kafka` sinks. Writes produce asynchronously into librdkafka's bounded
 * queue; a flush waits until Kafka acknowledged every message before it (at-least-once) or commits
 * the open transaction with the checkpoint in it (exactly-once).
 */
export class KafkaSink implements Sink {
  readonly schemaCapabilities = { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: true };
  readonly transactional: boolean;
  readonly target: string;
  private readonly queue: SinkOperationQueue;
  private readonly topicOf: TopicOf;
  private readonly headersOf: (t: TableId) => MessageHeader[];
  private readonly tables = new Map<string, TableEntry>();
  private readonly out = new EncodedMessages();
  private producer: KafkaProducer | undefined;
  private topics: KafkaTopicCreator | undefined;
  private checkpoints: KafkaCheckpointStore | undefined;
  private committed: Checkpoint | undefined;
  private inTransaction = false;
  private logger: Logger | undefined;

  constructor(private readonly config: KafkaSinkConfig) {
    const servers = bootstrapServers(config.properties, `${config.type} sink`);
    this.target = `${config.type} ${servers}`;
    this.transactional = config.guarantee === 'exactly-once';
    this.queue = new SinkOperationQueue(`${config.type} sink`);
    this.topicOf = topicNaming(config.topic, config.topicMapping);
    this.headersOf = headerBuilder(config.customHeaders, config.tableIdHeaders);
  }

  async open(ctx: SinkContext): Promise<void> {
    this.logger = ctx.logger;
    const settings = this.clientSettings(ctx.pipelineName);
    ctx.logger.info('connecting to Kafka', {
      sink: this.config.name ?? this.config.type,
      properties: redactedProperties(this.config.properties ?? {}),
      guarantee: this.config.guarantee,
    });
    this.producer = await KafkaProducer.connect(settings, `${this.config.type} sink`);
    if (this.config.upsert) this.topics = this.topicCreator(ctx.logger);
    if (this.transactional) await this.openTransactional(ctx, settings);
  }

  private clientSettings(pipeline: string): Record<string, string | number | boolean> {
    const base: Record<string, string | number | boolean> = {
      'client.id': `tidemark-${pipeline}`,
      'enable.idempotence': true,
      'linger.ms': 5,
      partitioner: 'murmur2_random',
    };
    const fixed: Record<string, string> = {};
    if (this.transactional) {
      fixed['transactional.id'] = this.transactionalId(pipeline);
      fixed['enable.idempotence'] = 'true'; // transactions need it (ApsaraMQ has neither)
    }
    return clientConfig(this.config.properties, base, fixed, `${this.config.type} sink`);
  }

  /**
   * Stable across restarts of the pipeline on the same cluster, so a new instance fences the old
   * one and aborts its open transaction. The pipeline name alone (as the checkpoint's key in the
   * checkpoint topic): transactional ids are per cluster, and a bootstrap list that gains a broker
   * or changes order must not leave the old id's transaction open.
   */
  private transactionalId(pipeline: string): string {
    return `tidemark-${pipeline}`;
  }

  private topicCreator(logger: Logger): KafkaTopicCreator {
    return KafkaTopicCreator.from(
      this.producer!.client,
      { 'cleanup.policy': 'compact' },
      this.config.topicCreationTimeoutMs,
      logger,
    );
  }

  private async openTransactional(
    ctx: SinkContext,
    settings: Record<string, string | number | boolean>,
  ): Promise<void> {
    // fences an earlier producer of this id and aborts its open transaction before reading
    await this.producer!.initTransactions();
    const consumer = { ...settings };
    for (const k of ['transactional.id', 'enable.idempotence', 'linger.ms', 'partitioner'])
      delete consumer[k];
    this.checkpoints = new KafkaCheckpointStore(this.config.checkpointTopic, ctx.pipelineName, consumer);
    await (this.topics ?? this.topicCreator(ctx.logger)).ensure(this.config.checkpointTopic);
    this.committed = await this.checkpoints.newest();
  }

  committedCheckpoint(): Promise<Checkpoint | undefined> {
    return Promise.resolve(this.transactional ? this.committed : undefined);
  }

  get lostCheckpointAdvice(): string {
    return (
      `To resume, put back the checkpoint topic (${this.config.checkpointTopic}) that holds it, or set ` +
      'sink.checkpoint-topic to the topic that does; to start over with a new snapshot (consumers then read ' +
      'every row again), remove the state directory.'
    );
  }

  /**
   * Never "empty", on purpose. restorePoint asks only an exactly-once sink whose checkpoint topic
   * holds no checkpoint of the pipeline while the state directory holds one: true would start a new
   * snapshot. The usual causes — the checkpoint topic deleted or `sink.checkpoint-topic` changed —
   * leave the data topics with the earlier run's messages, which consumers have read: a new
   * snapshot would deliver every row again. Emptiness cannot be established instead: the topics of
   * the pipeline's tables are not known before their create-tables arrive, and the cluster is
   * shared (other topics say nothing). So the run stops with SINK_BEHIND and the operator chooses
   * (put the checkpoint topic back, or remove the state directory to start afresh).
   */
  isEmpty(): Promise<boolean> {
    return Promise.resolve(false);
  }

  applySchemaChange(
    table: TableId,
    change: SchemaChange,
    schemaAfter: TableSchema | undefined,
  ): Promise<void> {
    return this.run(async () => {
      this.tables.delete(tableIdToString(table));
      const id = change.type === 'rename-table' ? change.to : table;
      if (schemaAfter === undefined || change.type === 'drop-table') return;
      this.checkPrimaryKey(id, schemaAfter);
      const topic = this.topicOf(id);
      await this.topics?.ensure(topic);
      const headers = this.headersOf(id);
      const encode = changeEncoder(schemaAfter, id, this.config.encoding);
      this.tables.set(tableIdToString(id), { topic, encode, headers: headers.length ? headers : undefined });
    });
  }

  private checkPrimaryKey(table: TableId, schema: TableSchema): void {
    if (!this.config.upsert || schema.primaryKeys.length > 0) return;
    throw new TidemarkError(
      'SINK_SCHEMA',
      `upsert-kafka needs a primary key, and ${tableIdToString(table)} has none: give it one (transform primary-keys), leave the table out of the pipeline, or use the kafka sink`,
      { details: { table: tableIdToString(table) } },
    );
  }

  write(events: readonly DataChangeEvent[]): Promise<void> {
    return this.run(async () => {
      if (this.transactional && !this.inTransaction) {
        await this.producer!.beginTransaction();
        this.inTransaction = true;
      }
      for (const e of events) {
        const entry = this.entry(e.tableId);
        this.out.reset();
        entry.encode(e, this.out);
        const full = this.produceAll(entry, 0);
        if (full) await full;
      }
    });
  }

  private entry(table: TableId): TableEntry {
    const entry = this.tables.get(tableIdToString(table));
    if (entry) return entry;
    throw new TidemarkError(
      'SINK_WRITE',
      `${this.config.type} sink: rows of ${tableIdToString(table)} arrived before its create-table (a bug: please report it)`,
    );
  }

  /**
   * Produces the messages in `out` from index `from`, of one table: synchronously (no promise per
   * change) unless librdkafka's queue is full, then the rest once it made room.
   */
  private produceAll(t: TableEntry, from: number): Promise<void> | undefined {
    const partition = partitionOf(this.config.partitioning);
    const out = this.out;
    for (let i = from; i < out.count; i++) {
      const full = this.producer!.produce(t.topic, partition, out.value(i), out.key(i), t.headers);
      if (full) return full.then(() => this.produceAll(t, i + 1));
    }
    return undefined;
  }

  flush(checkpoint: Checkpoint): Promise<void> {
    return this.run(async () => {
      if (!this.transactional) return this.producer!.acknowledged();
      if (!this.inTransaction) await this.producer!.beginTransaction();
      this.inTransaction = true;
      const m = this.checkpoints!.message(checkpoint);
      await this.producer!.produce(this.checkpoints!.topic, 0, m.value, m.key, undefined);
      await this.producer!.commitTransaction();
      this.inTransaction = false;
      this.committed = checkpoint;
    });
  }

  /** Runs an operation in call order; its error fails the sink for good. */
  private run(op: () => Promise<void>): Promise<void> {
    return this.queue.run(async () => {
      try {
        await op();
      } catch (e) {
        const err =
          e instanceof TidemarkError
            ? e
            : new TidemarkError('SINK_WRITE', `${this.config.type} sink: ${String(e)}`, { cause: e });
        this.queue.latch(err);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    if (this.inTransaction)
      await producer.abortTransaction().catch((e: unknown) =>
        // read_committed readers never see it either way; the next instance's initTransactions fences it
        this.logger?.warn('aborting the open Kafka transaction on close failed', { error: errorMessage(e) }),
      );
    await producer.disconnect();
  }
}

/** The partition a message is produced to: 0, or -1 for the partitioner's choice (murmur2_random). */
function partitionOf(strategy: PartitionStrategy): number {
  switch (strategy) {
    case 'all-to-zero':
      return 0;
    case 'hash-by-key':
      return -1;
    default:
      return assertNever(strategy);
  }
}
