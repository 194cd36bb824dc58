import { TidemarkError } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import type { SourceRecord } from '../../runtime/source.js';
import type { TableSelector } from '../../routing/table-selector.js';
import { BinlogClient } from './binlog-client.js';
import { BinlogDecoder } from './binlog/binlog-decoder.js';
import { BinlogChangeReader, type MysqlSourceState } from './binlog-change-reader.js';
import type { MysqlConnectionOptions } from './mysql-connection.js';

export interface BinlogSessionOptions {
  readonly connection: MysqlConnectionOptions;
  /** Our replica server id. */
  readonly serverId: number;
  readonly heartbeatSeconds: number;
  readonly selector: TableSelector;
  /** Where the stream starts, with the schemas of the captured tables there. */
  readonly start: MysqlSourceState;
  readonly logger: Logger;
  /** See BinlogChangeReaderOptions.serverTimeZone. */
  readonly serverTimeZone?: string;
}

/** One read of the replication session: a batch of raw events, or the error that ended the session. */
export interface BinlogRead {
  readonly r?: IteratorResult<Buffer[]>;
  readonly e?: unknown;
}

/**
 * The live binlog stream of the MySQL source: the replication session (BinlogClient) and the change
 * reader that follows the position, transactions and schemas of what it reads. `connect` opens a
 * session at the reader's resume position; after a lost connection a new session picks up there
 * (see Reconnector), with the reader, and so the position, carried over.
 */
export class BinlogSession {
  private readonly reader: BinlogChangeReader;
  private decoder: BinlogDecoder;
  private client: BinlogClient | undefined;
  private iter: AsyncIterator<Buffer[]> | undefined;

  constructor(private readonly opts: BinlogSessionOptions) {
    const { selector, start, logger, serverTimeZone } = opts;
    this.reader = new BinlogChangeReader({
      selector,
      start,
      logger,
      ...(serverTimeZone !== undefined ? { serverTimeZone } : {}),
    });
    this.decoder = this.newDecoder();
  }

  /** True once connect was called (the session may have been lost since). */
  get connected(): boolean {
    return this.iter !== undefined;
  }

  /**
   * Opens a replication session at the reader's resume position, replacing the one before (close it
   * first), with a fresh decoder: the new session begins with its own format description and table maps.
   */
  connect(): void {
    this.decoder = this.newDecoder();
    const from = this.reader.resumePosition;
    const client = new BinlogClient({
      connection: this.opts.connection,
      serverId: this.opts.serverId,
      start: { file: from.file, pos: from.pos },
      heartbeatSeconds: this.opts.heartbeatSeconds,
      sendAnnotateRows: false,
      logger: this.opts.logger,
    });
    this.client = client;
    this.iter = client.events();
  }

  /** The next batch of the session; never rejects (an error is the outcome's `e`). */
  next(): Promise<BinlogRead> {
    if (!this.iter) throw new TidemarkError('INTERNAL', 'BinlogSession.next before connect');
    return this.iter.next().then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    );
  }

  /** Decodes one raw event of a batch and appends what it means to `out`. */
  process(buf: Buffer, out: SourceRecord[]): void {
    this.reader.processRaw(this.decoder, buf, out);
  }

  /** True inside a transaction: records since the last checkpoint belong to an open transaction. */
  get inTransaction(): boolean {
    return this.reader.inTransaction;
  }

  /** The position after the last complete transaction. */
  get committed(): { readonly file: string; readonly pos: number } {
    return this.reader.committed;
  }

  /** Where the next event starts. */
  get position(): { readonly file: string; readonly pos: number } {
    return this.reader.position;
  }

  /** The stream's checkpointed state at the committed position. */
  state(): MysqlSourceState {
    return this.reader.state();
  }

  /** Ends the current replication session at once; a pending next() resolves as done. */
  async close(): Promise<void> {
    await this.client?.close();
  }

  private newDecoder(): BinlogDecoder {
    return new BinlogDecoder({
      columnTypesFor: this.reader.columnTypesFor,
      skipRowsOf: this.reader.skipRowsOf,
    });
  }
}
