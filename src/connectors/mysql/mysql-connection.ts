import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import type { Connection, Pool } from 'mysql2/promise';
import type { ConnectionOptions as Mysql2ConnectionOptions, SslOptions } from 'mysql2';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';

/** How tidemark connects to a MySQL/MariaDB server (the `source` options of a pipeline). */
export interface MysqlConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Connect (TCP + handshake) timeout; default 30 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Flink CDC's `jdbc.properties.*`. Understood: useSSL, requireSSL, sslMode,
   * verifyServerCertificate, trustCertificateKeyStoreUrl is NOT (no keystores in Node),
   * characterEncoding (UTF-8 only: the session is always utf8mb4), connectTimeout. Everything else
   * is ignored with a debug note.
   */
  readonly jdbcProperties?: Readonly<Record<string, string>>;
  /** Default schema of the session, when one is needed. */
  readonly database?: string;
}

/** Statements every tidemark session runs first: TIMESTAMP values are read back in UTC. */
export const SESSION_INIT_SQL = "SET time_zone = '+00:00'";

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** "host:port", for messages. */
export function describeEndpoint(opts: Pick<MysqlConnectionOptions, 'host' | 'port'>): string {
  return opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
}

/**
 * The mysql2 options for our connection options: utf8mb4, big numbers and decimals as strings,
 * dates as strings (never JS Date), no client-side time-zone conversion.
 */
export function mysqlConnectionConfig(
  opts: MysqlConnectionOptions,
  logger?: Logger,
): Mysql2ConnectionOptions {
  const config: Mysql2ConnectionOptions = {
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    charset: 'UTF8MB4_UNICODE_CI',
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    multipleStatements: false,
    enableKeepAlive: true,
  };
  if (opts.database !== undefined) config.database = opts.database;
  applyJdbcProperties(config, opts.jdbcProperties ?? {}, logger);
  return config;
}

const TRUE_VALUES = new Set(['true', '1', 'yes', 'on']);
const isTrue = (v: string): boolean => TRUE_VALUES.has(v.trim().toLowerCase());

function applyJdbcProperties(
  config: Mysql2ConnectionOptions,
  props: Readonly<Record<string, string>>,
  logger: Logger | undefined,
): void {
  let ssl: SslOptions | undefined;
  let sslDisabled = false;
  for (const [key, value] of Object.entries(props)) {
    switch (key) {
      case 'useSSL':
      case 'requireSSL':
        if (isTrue(value)) ssl ??= { rejectUnauthorized: false };
        else if (key === 'useSSL') sslDisabled = true;
        break;
      case 'sslMode':
      case 'ssl-mode': {
        const mode = value.trim().toUpperCase();
        if (mode === 'DISABLED') sslDisabled = true;
        else if (mode === 'PREFERRED') {
          logger?.debug(
            'jdbc property sslMode=PREFERRED: connecting without TLS (mysql2 has no opportunistic TLS)',
          );
        } else if (mode === 'REQUIRED') ssl = { ...ssl, rejectUnauthorized: false };
        else if (mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY') {
          ssl = { ...ssl, rejectUnauthorized: true };
        } else {
          throw new TidemarkError('CONFIG_INVALID', `jdbc property sslMode=${value} is not known`);
        }
        break;
      }
      case 'verifyServerCertificate':
        if (isTrue(value)) ssl = { ...ssl, rejectUnauthorized: true };
        break;
      case 'characterEncoding':
        // text is read as utf8mb4 whatever it says (the options accept UTF-8 names only): another
        // session charset makes the server replace the characters it lacks with '?'
        break;
      case 'connectTimeout': {
        const ms = Number(value);
        if (Number.isFinite(ms) && ms > 0) config.connectTimeout = ms;
        break;
      }
      default:
        logger?.debug('jdbc property has no meaning for tidemark; ignored', { property: key });
    }
  }
  if (ssl && !sslDisabled) config.ssl = ssl;
}

/** Opens one session (promise API) and runs {@link SESSION_INIT_SQL}. Errors are TidemarkErrors. */
export async function openMysqlConnection(
  opts: MysqlConnectionOptions,
  logger?: Logger,
): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await mysqlPromise.createConnection(mysqlConnectionConfig(opts, logger));
  } catch (e) {
    throw mapMysqlError(e, opts);
  }
  try {
    await conn.query(SESSION_INIT_SQL);
  } catch (e) {
    conn.destroy();
    throw mapMysqlError(e, opts);
  }
  return conn;
}

/** A pool of sessions that each run {@link SESSION_INIT_SQL} first (for parallel snapshot reads). */
export function openMysqlPool(opts: MysqlConnectionOptions, size: number, logger?: Logger): Pool {
  const pool = mysqlPromise.createPool({
    ...mysqlConnectionConfig(opts, logger),
    connectionLimit: size,
    maxIdle: size,
  });
  // The callback-API connection queues this before any query of the borrower.
  pool.pool.on('connection', (c: mysql.PoolConnection) => {
    c.query(SESSION_INIT_SQL, (err: unknown) => {
      if (err) logger?.warn('could not set the session time zone', { error: errorMessage(err) });
    });
  });
  return pool;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
]);

interface MysqlLikeError {
  code?: unknown;
  errno?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/**
 * Turns a mysql2 / network error into a TidemarkError with a message that says what to do.
 * TidemarkErrors pass through. The password never appears in the result.
 */
export function mapMysqlError(e: unknown, opts: MysqlConnectionOptions): TidemarkError {
  if (e instanceof TidemarkError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as MysqlLikeError;
  const code = typeof err.code === 'string' ? err.code : undefined;
  const errno = typeof err.errno === 'number' ? err.errno : undefined;
  const where = describeEndpoint(opts);
  const raw = redact(errorMessage(e), opts.password);
  const details = { host: opts.host, port: opts.port, user: opts.user, code: code ?? errno };
  if (errno === 1045 || code === 'ER_ACCESS_DENIED_ERROR') {
    return new TidemarkError(
      'SOURCE_AUTH',
      `access denied for user ${opts.user} at ${where}: check username/password`,
      { details },
    );
  }
  if (errno === 1130 || code === 'ER_HOST_NOT_PRIVILEGED') {
    return new TidemarkError(
      'SOURCE_AUTH',
      `user ${opts.user} may not connect from this host to ${where}: create the user for this host (${raw})`,
      { details },
    );
  }
  if (errno === 1044 || errno === 1142 || errno === 1227 || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
    return new TidemarkError('SOURCE_PRIVILEGE', `user ${opts.user} at ${where}: ${raw}`, { details });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    const what =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host name not found'
        : code === 'ETIMEDOUT'
          ? 'connection timed out'
          : code === 'ECONNREFUSED'
            ? 'connection refused (is the server running and listening on this port?)'
            : 'connection lost';
    return new TidemarkError('SOURCE_CONNECT', `cannot connect to MySQL at ${where}: ${what}`, {
      retryable: true,
      details,
    });
  }
  if (errno === 1040 || errno === 1203) {
    return new TidemarkError('SOURCE_CONNECT', `MySQL at ${where} refuses connections: ${raw}`, {
      retryable: true,
      details,
    });
  }
  if (code !== undefined && code.startsWith('HANDSHAKE_')) {
    return new TidemarkError('SOURCE_CONNECT', `TLS/handshake with MySQL at ${where} failed: ${raw}`, {
      details,
    });
  }
  if (errno !== undefined) {
    return new TidemarkError('SOURCE_QUERY', `MySQL at ${where}: ${raw}`, { details });
  }
  return new TidemarkError('SOURCE_CONNECT', `cannot connect to MySQL at ${where}: ${raw}`, {
    retryable: true,
    details,
  });
}

function redact(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('******') : text;
}
