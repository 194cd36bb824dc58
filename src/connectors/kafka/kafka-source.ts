import type {
  Assignment,
  LibrdKafkaError,
  Message,
  MessageHeader,
  Producer,
  TopicPartition,
  TopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import type { ChangeEvent, EventMeta } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import type { JsonValue } from '../../event/json-value.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import type { Source, SourceContext, SourceInfo, SourceRecord } from '../../runtime/source.js';
import {
  changeMessageDecoder,
  MalformedMessageError,
  type ChangeMessageDecoder,
} from './change-message-decoder.js';
import { bootstrapServers, clientConfig, redactedProperties } from './kafka-properties.js';
import {
  committedOffsets,
  connectClient,
  consumeBatch,
  consumeError,
  disconnectClient,
  offsetsForTime,
  tpKey,
  watermarks,
  type NativeKafka,
  type RebalancingConsumer,
} from './kafka-consumer.js';
import { ColumnValueError, SchemaInference, type InferredTable } from './schema-inference.js';
import { CONSUMER_OWNED, parseSpecificOffsets, type KafkaSourceOptions } from './source-options.js';

/** Messages pulled per batch: the runner asks for the next batch only when it has room. */
const BATCH_MESSAGES = 500;
const CONSUME_TIMEOUT_MS = 100;
const PROGRESS_EVERY_MS = 1000;

/** The source state: the next offset of every partition this process owns, and the tables' schemas. */
interface KafkaSourceState {
  readonly offsets: readonly (readonly [topic: string, partition: number, offset: number])[];
  readonly tables: readonly InferredTable[];
}

/**
 * `source: type: kafka`. Partitions come from the consumer group (subscribe, eager rebalancing);
 * each assigned partition starts at the offset of the checkpoint or the group's committed offset,
 * whichever is further, else at the startup mode's. Offsets move only with checkpoints: the state
 * holds the next offset per owned partition, and the group's offsets are committed after the
 * checkpoint is durable (checkpointDurable), and before a partition is given up.
 */
export class KafkaSource implements Source {
  private consumer: RebalancingConsumer | undefined;
  private deadLetters: Producer | undefined;
  private ctx: SourceContext | undefined;
  private readonly decode: ChangeMessageDecoder;
  private inference: SchemaInference | undefined;
  private readonly parsedKeys = new Map<string, readonly [string, number]>();
  /** The partitions assigned to this process now. */
  private readonly owned = new Set<string>();
  /** Next offset to read per partition (kept when a partition is revoked: it may come back). */
  private readonly positions = new Map<string, number>();
  /** Offsets of durable checkpoints, per owned partition: what the group may be told. */
  private readonly durable = new Map<string, number>();
  /** The high watermark of each partition when it was assigned: caught up once all are reached. */
  private readonly targets = new Map<string, number>();
  /**
   * An assignment arrived since the last revocation. Between a revocation and the next assignment
   * (a rebalance; after a revocation of all its partitions the process owns none) every owned
   * partition is trivially at its target: caught-up must wait for the assignment, else a run with
   * --exit-when-caught-up ends before reading anything.
   */
  private settled = false;
  /** Counts revocations: an assignment prepared across one is stale. */
  private generation = 0;
  /** Partitions were assigned or revoked since the last checkpoint record. */
  private ownershipChanged = false;
  private rebalancing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  private skipped = 0;
  private lastTimestamp = 0;
  private readonly eofs: TopicPartitionOffset[] = [];

  constructor(
    private readonly options: KafkaSourceOptions,
    private readonly kafka: NativeKafka,
    private readonly pipelineName: string,
  ) {
    const format = options['value.format'];
    this.decode = changeMessageDecoder({
      format,
      distributedTables:
        (format === 'debezium-json' && options['debezium-json.distributed-tables']) ||
        (format === 'canal-json' && options['canal-json.distributed-tables']),
    });
  }

  private get logger(): Logger {
    return this.ctx!.logger;
  }

  async open(ctx: SourceContext): Promise<SourceInfo> {
    this.ctx = ctx;
    const servers = bootstrapServers(this.options.properties, 'kafka source');
    const config = clientConfig(
      this.options.properties,
      {
        'group.id': `tidemark-${this.pipelineName}`,
        'client.id': `tidemark-${this.pipelineName}`,
        'auto.offset.reset': 'earliest',
        'queued.max.messages.kbytes': 16384,
        // only the partitions that move are revoked, and their offsets can still be committed then
        'partition.assignment.strategy': 'cooperative-sticky',
      },
      CONSUMER_OWNED,
      'kafka source',
    );
    ctx.logger.debug('kafka source client', {
      properties: redactedProperties(this.options.properties ?? {}),
    });
    const consumer = new this.kafka.KafkaConsumer({
      ...config,
      rebalance_cb: (err: LibrdKafkaError, assignment: Assignment[]) => this.onRebalance(err, assignment),
    }) as RebalancingConsumer;
    consumer.setDefaultConsumeTimeout(CONSUME_TIMEOUT_MS);
    // else a batch of a sparse stream waits the timeout for each of its messages
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.on('partition.eof', (eof) => this.eofs.push(eof));
    consumer.on('event.error', (e) => ctx.logger.warn('kafka consumer error', { error: errorMessage(e) }));
    this.consumer = consumer;
    await connectClient(consumer, `kafka source (${servers})`);
    if (this.options['ingestion.dead-letter-topic'] !== undefined) await this.openDeadLetters(servers);
    return { tables: [], endpoint: `kafka ${servers}`, selection: this.selection() };
  }

  private selection(): string {
    const o = this.options;
    return o.topic !== undefined ? `topic ${o.topic}` : `topic-pattern ${o['topic-pattern']}`;
  }

  private async openDeadLetters(servers: string): Promise<void> {
    const producer = new this.kafka.Producer(
      clientConfig(
        this.options.properties,
        { 'client.id': `tidemark-${this.pipelineName}-dlq` },
        {},
        'kafka source',
      ),
    );
    producer.setPollInterval(50);
    this.deadLetters = producer;
    await connectClient(producer, `kafka source dead-letter producer (${servers})`);
  }

  async *read(restored: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    const state = restoredState(restored);
    for (const [topic, partition, offset] of state.offsets)
      this.positions.set(tpKey(topic, partition), offset);
    this.inference = new SchemaInference(
      this.options['schema.inference.strategy'],
      (msg, fields) => this.logger.warn(msg, fields),
      state.tables,
    );
    const creates = this.inference.restoredCreates({ tsMs: 0 });
    if (creates.length > 0) yield creates;
    const consumer = this.consumer!;
    consumer.subscribe(this.topics());
    let caughtUp = false;
    let progressAt = 0;
    while (!this.ctx!.signal.aborted) {
      if (this.failure !== undefined) throw this.failure;
      const messages = await consumeBatch(consumer, BATCH_MESSAGES);
      const records: SourceRecord[] = await this.recordsOf(messages);
      const moved = this.applyEofs() || this.ownershipChanged;
      this.ownershipChanged = false;
      if (moved || (records.at(-1)?.kind !== 'checkpoint' && messages.length > 0))
        records.push({ kind: 'checkpoint', state: this.state() });
      if (!caughtUp && this.reachedTargets()) {
        caughtUp = true;
        records.push({ kind: 'caught-up' });
      }
      if (Date.now() - progressAt >= PROGRESS_EVERY_MS) {
        progressAt = Date.now();
        records.push({ kind: 'progress', progress: this.progress() });
      }
      if (records.length > 0) yield records;
    }
  }

  private topics(): string[] {
    const { topic } = this.options;
    if (topic !== undefined)
      return topic
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t !== '');
    const pattern = this.options['topic-pattern']!;
    return [`^${pattern.replace(/^\^/, '').replace(/\$$/, '')}$`]; // librdkafka: a leading ^ makes a regex
  }

  /** The change events of a batch of messages; positions advance past each message read. */
  private async recordsOf(messages: readonly Message[]): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    let deadLettered = false;
    for (const m of messages) {
      const key = tpKey(m.topic, m.partition);
      if (!this.owned.has(key)) continue; // fetched before its partition was revoked
      try {
        for (const ev of this.eventsOf(m)) out.push(ev);
      } catch (e) {
        if (!(e instanceof MalformedMessageError || e instanceof ColumnValueError)) throw e;
        deadLettered = this.badMessage(m, e) || deadLettered;
      }
      this.positions.set(key, m.offset + 1);
      if (m.timestamp !== undefined) this.lastTimestamp = m.timestamp;
      // every message ends a transaction (a canal message carries all its rows)
      if (!deadLettered) out.push({ kind: 'checkpoint', state: this.state() });
    }
    // skipped messages are in the dead-letter topic before the checkpoint that passes them
    if (deadLettered) await this.flushDeadLetters();
    return out;
  }

  private eventsOf(m: Message): ChangeEvent[] {
    const changes = this.decode(m.value, m.topic);
    const inference = this.inference!;
    // a message of several rows is read whole or not at all
    const mark = changes.length > 1 ? inference.mark() : undefined;
    const location = `${m.topic}/${m.partition}@${m.offset}`;
    try {
      return changes.flatMap((c) => {
        const meta: EventMeta = {
          tsMs: c.tsMs || (m.timestamp ?? 0),
          location,
          ...(c.snapshot ? { snapshot: true } : {}),
        };
        return inference.toEvents(c, meta);
      });
    } catch (e) {
      if (mark) inference.reset(mark);
      throw e;
    }
  }

  /** A message that cannot be read: an error, or (ingestion.ignore-errors) counted, logged, dead-lettered. */
  private badMessage(m: Message, e: Error): boolean {
    const where = { topic: m.topic, partition: m.partition, offset: m.offset };
    const what = `the message at topic ${m.topic} partition ${m.partition} offset ${m.offset}`;
    if (!this.options['ingestion.ignore-errors'])
      throw new TidemarkError(
        'KAFKA_SOURCE_DECODE',
        `Kafka source: ${what} cannot be read: ${e.message}. Fix what produces it, or set ingestion.ignore-errors: true ` +
          '(and ingestion.dead-letter-topic) to skip such messages.',
        { details: where, cause: e },
      );
    this.skipped++;
    this.logger.warn('message skipped (ingestion.ignore-errors)', {
      ...where,
      error: e.message,
      skipped: this.skipped,
    });
    const topic = this.options['ingestion.dead-letter-topic'];
    if (topic === undefined || !this.deadLetters) return false;
    const headers: MessageHeader[] = [
      ...(m.headers ?? []),
      { 'tidemark.error': e.message },
      { 'tidemark.origin.topic': m.topic },
      { 'tidemark.origin.partition': String(m.partition) },
      { 'tidemark.origin.offset': String(m.offset) },
    ];
    try {
      this.deadLetters.produce(topic, null, m.value, m.key, m.timestamp, null, headers);
    } catch (err) {
      throw deadLetterError(topic, err);
    }
    return true;
  }

  private flushDeadLetters(): Promise<void> {
    const topic = this.options['ingestion.dead-letter-topic']!;
    return new Promise((resolve, reject) =>
      this.deadLetters!.flush(10_000, (e) => (e ? reject(deadLetterError(topic, e)) : resolve())),
    );
  }

  /** End-of-partition events: the position moves to the end (past transaction markers). */
  private applyEofs(): boolean {
    let moved = false;
    for (const eof of this.eofs.splice(0)) {
      const key = tpKey(eof.topic, eof.partition);
      if (!this.owned.has(key) || eof.offset <= (this.positions.get(key) ?? -1)) continue;
      this.positions.set(key, eof.offset);
      moved = true;
    }
    return moved;
  }

  private reachedTargets(): boolean {
    if (!this.settled) return false;
    for (const key of this.owned)
      if ((this.positions.get(key) ?? -1) < (this.targets.get(key) ?? 0)) return false;
    return true;
  }

  /** Made after every message: no more than one array per owned partition. */
  private state(): JsonValue {
    const offsets: (readonly [string, number, number])[] = [];
    for (const key of this.owned) {
      const [topic, partition] = this.topicPartition(key);
      offsets.push([topic, partition, this.positions.get(key)!]);
    }
    return { offsets, tables: this.inference!.state() } as unknown as JsonValue;
  }

  /** The topic and partition of a `topic/partition` key, parsed once. */
  private topicPartition(key: string): readonly [string, number] {
    let tp = this.parsedKeys.get(key);
    if (tp === undefined) {
      const cut = key.lastIndexOf('/');
      tp = [key.slice(0, cut), Number(key.slice(cut + 1))];
      this.parsedKeys.set(key, tp);
    }
    return tp;
  }

  private progress(): { phase: 'streaming'; lagMs?: number; position: string } {
    let lag = 0;
    for (const key of this.owned) {
      const cut = key.lastIndexOf('/');
      const w = this.consumer!.getWatermarkOffsets(key.slice(0, cut), Number(key.slice(cut + 1)));
      lag += Math.max(0, w.highOffset - (this.positions.get(key) ?? w.highOffset));
    }
    const skipped = this.skipped > 0 ? `, ${this.skipped} skipped` : '';
    // nothing behind: current, not as old as the last message read (an idle topic)
    const lagMs = lag === 0 ? 0 : Math.max(0, Date.now() - this.lastTimestamp);
    return {
      phase: 'streaming',
      ...(this.lastTimestamp > 0 ? { lagMs } : {}),
      position: `${this.owned.size} partitions, ${lag} messages behind${skipped}`,
    };
  }

  /** After the runner made a checkpoint durable: its offsets go to the consumer group. */
  checkpointDurable(state: JsonValue): void {
    const offsets = restoredState(state).offsets;
    for (const [topic, partition, offset] of offsets) {
      const key = tpKey(topic, partition);
      if (this.owned.has(key) && offset > (this.durable.get(key) ?? -1)) this.durable.set(key, offset);
    }
    this.commitDurable([...this.owned], false);
  }

  /** Tells the group the durable offsets of these partitions (sync before giving them up). */
  private commitDurable(keys: readonly string[], sync: boolean): void {
    const list = keys.flatMap((key) => {
      const offset = this.durable.get(key);
      const cut = key.lastIndexOf('/');
      return offset === undefined
        ? []
        : [{ topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset }];
    });
    if (list.length === 0 || !this.consumer?.isConnected()) return;
    try {
      if (sync) this.consumer.commitSync(list);
      else this.consumer.commit(list);
    } catch (e) {
      this.logger.warn('committing offsets to the consumer group failed (the checkpoint holds them)', {
        error: errorMessage(e),
      });
    }
  }

  private onRebalance(err: LibrdKafkaError, assignment: Assignment[]): void {
    const codes = this.kafka.CODES.ERRORS;
    try {
      if (err.code === codes.ERR__REVOKE_PARTITIONS) this.revoke(assignment);
      else if (err.code !== codes.ERR__ASSIGN_PARTITIONS) throw consumeError('rebalancing failed', err);
      else if (!this.closed) {
        const generation = this.generation;
        // the start offsets need requests: the assignment waits for them (librdkafka allows it)
        this.rebalancing = this.rebalancing.then(() => this.assign(assignment, generation));
      }
    } catch (e) {
      this.failure ??= e instanceof Error ? e : consumeError('rebalancing failed', e);
    }
    this.rebalancing = this.rebalancing.catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : consumeError('rebalancing failed', e);
    });
  }

  /** Cooperative (incremental) rebalancing: only the partitions that move are revoked and assigned. */
  private get cooperative(): boolean {
    return this.consumer!.rebalanceProtocol() === 'COOPERATIVE';
  }

  /**
   * Partitions given up: the group learns their durable offsets first, and they leave the state.
   * Done at once, in the callback (closing waits for it). Eager rebalancing revokes them all; an
   * eager assignment still being prepared is then dropped. When the source closes, close() has
   * committed them already, and the consumer, leaving the group, commits no more.
   */
  private revoke(assignment: readonly Assignment[]): void {
    this.generation++;
    this.settled = false; // the group rebalances: the next assignment (maybe empty) settles it
    const keys = this.cooperative ? assignment.map((a) => tpKey(a.topic, a.partition)) : [...this.owned];
    if (!this.closed) this.commitDurable(keys, true);
    for (const key of keys) {
      this.owned.delete(key);
      this.durable.delete(key);
    }
    if (this.cooperative) this.consumer!.incrementalUnassign([...assignment]);
    else this.consumer!.unassign();
    this.ownershipChanged = true;
    if (keys.length > 0) this.logger.info('partitions revoked', { partitions: keys.join(', ') });
  }

  private async assign(assignment: readonly Assignment[], generation: number): Promise<void> {
    const consumer = this.consumer!;
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    const committed = await committedOffsets(consumer, tps);
    const starts: (TopicPartitionOffset & { high: number })[] = [];
    for (const tp of tps) {
      const group = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset ?? -1;
      starts.push({ ...tp, ...(await this.startOffset(tp, group)) });
    }
    if (this.closed || (!this.cooperative && generation !== this.generation)) return; // revoked meanwhile
    const offsets = starts.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset }));
    if (this.cooperative) consumer.incrementalAssign(offsets);
    else consumer.assign(offsets);
    // a checkpoint with the new partitions: once durable, the group learns where they start
    this.ownershipChanged = true;
    for (const s of starts) {
      const key = tpKey(s.topic, s.partition);
      this.owned.add(key);
      this.positions.set(key, s.offset);
      if (!this.targets.has(key)) this.targets.set(key, s.high);
    }
    // an assignment prepared across a revocation does not settle the rebalance that revocation began
    if (generation === this.generation) this.settled = true;
    if (starts.length > 0)
      this.logger.info('partitions assigned', {
        partitions: starts.map((s) => `${tpKey(s.topic, s.partition)}@${s.offset}`).join(', '),
      });
  }

  /**
   * Where a newly assigned partition starts: the further of the checkpoint's offset and the group's
   * (the group is ahead when another process read on after this one's checkpoint), else the startup mode.
   */
  private async startOffset(tp: TopicPartition, group: number): Promise<{ offset: number; high: number }> {
    const { low, high } = await watermarks(this.consumer!, tp);
    const known = Math.max(this.positions.get(tpKey(tp.topic, tp.partition)) ?? -1, group);
    const start = known >= 0 ? known : await this.startupOffset(tp, low, high);
    if (start < low)
      this.logger.warn(
        'the offset to resume from is gone (retention): reading from the oldest message kept',
        {
          partition: tpKey(tp.topic, tp.partition),
          offset: start,
          oldest: low,
        },
      );
    return { offset: Math.min(Math.max(start, low), high), high };
  }

  private async startupOffset(tp: TopicPartition, low: number, high: number): Promise<number> {
    const mode = this.options['scan.startup.mode'];
    switch (mode) {
      case 'group-offsets':
      case 'earliest-offset':
        return low;
      case 'latest-offset':
        return high;
      case 'timestamp': {
        const [found] = await offsetsForTime(
          this.consumer!,
          [tp],
          this.options['scan.startup.timestamp-millis']!,
        );
        return found && found.offset >= 0 ? found.offset : high;
      }
      case 'specific-offsets':
        return parseSpecificOffsets(this.options['scan.startup.specific-offsets']!).get(tp.partition) ?? low;
      default:
        return assertNever(mode, 'scan.startup.mode');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.rebalancing;
    if (this.consumer) {
      this.commitDurable([...this.owned], true);
      if (this.consumer.isConnected()) this.consumer.unsubscribe(); // leave the group: its partitions move at once
      await disconnectClient(this.consumer);
    }
    if (this.deadLetters) await disconnectClient(this.deadLetters);
    if (this.skipped > 0)
      this.ctx?.logger.warn('messages skipped by ingestion.ignore-errors', { skipped: this.skipped });
  }
}

function deadLetterError(topic: string, e: unknown): TidemarkError {
  return new TidemarkError(
    'KAFKA_SOURCE_DEAD_LETTER',
    `Kafka source: a skipped message could not be produced to the dead-letter topic ${topic}: ${errorMessage(e)}`,
    { retryable: true, cause: e },
  );
}

function restoredState(v: JsonValue | undefined): KafkaSourceState {
  if (v === undefined || v === null) return { offsets: [], tables: [] };
  const s = v as unknown as Partial<KafkaSourceState>;
  if (!Array.isArray(s.offsets) || !Array.isArray(s.tables))
    throw new TidemarkError('CHECKPOINT', 'the checkpoint is not a kafka source state (offsets, tables)');
  return s as KafkaSourceState;
}
