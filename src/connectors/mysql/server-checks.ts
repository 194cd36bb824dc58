import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';

/** Anything that runs a text query the mysql2/promise way: a Connection, a Pool, a PoolConnection. */
export interface SqlQueryable {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
}

export type ServerFlavor = 'mariadb' | 'mysql';

export interface ServerInfo {
  readonly flavor: ServerFlavor;
  /** Full version string, e.g. "10.11.19-MariaDB-0+deb12u1-log". */
  readonly version: string;
  /** [major, minor, patch] */
  readonly versionNumbers: readonly [number, number, number];
  readonly serverId: number;
  readonly logBin: boolean;
  readonly binlogFormat: string;
  readonly binlogRowImage: string;
  /** MINIMAL / FULL / NO_LOG; undefined on servers without the variable (MySQL < 8.0.1, MariaDB < 10.5). */
  readonly binlogRowMetadata: string | undefined;
  /** "CRC32" or "NONE". */
  readonly binlogChecksum: string;
  /** MySQL `server_uuid`; undefined on MariaDB (which identifies a server by server_id only). */
  readonly serverUuid: string | undefined;
  /** MySQL `gtid_mode` (ON/OFF/...); undefined on MariaDB. */
  readonly gtidMode: string | undefined;
  /** MariaDB `gtid_current_pos` (e.g. "0-1-5"); undefined on MySQL. */
  readonly mariadbGtidCurrentPos: string | undefined;
  /** The global `time_zone` (`system_time_zone` when it is SYSTEM): the zone of sessions that set none. */
  readonly timeZone: string | undefined;
  /** Privileges on *.* that matter for CDC, as SHOW GRANTS names them (upper case). */
  readonly globalPrivileges: readonly string[];
  /** Things that work but deserve a log line (e.g. binlog_row_metadata not FULL). */
  readonly warnings: readonly string[];
}

export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
  /** MariaDB: the GTID position of exactly this file/pos. */
  readonly gtid?: string;
  /** MySQL: Executed_Gtid_Set at this file/pos, when GTIDs are on. */
  readonly gtidSet?: string;
}

export interface BinlogFileInfo {
  readonly name: string;
  readonly size: number;
}

type Row = Record<string, unknown>;

async function rows(conn: SqlQueryable, sql: string, values?: unknown): Promise<Row[]> {
  const [result] = await conn.query(sql, values);
  return Array.isArray(result) ? (result as Row[]) : [];
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const CDC_VARIABLES = [
  'version',
  'version_comment',
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'binlog_checksum',
  'server_id',
  'gtid_mode',
  'gtid_current_pos',
  'time_zone',
  'system_time_zone',
  'server_uuid',
];

/** Reads the global variables CDC depends on; absent ones are missing from the map. */
export async function readServerVariables(conn: SqlQueryable): Promise<Map<string, string>> {
  const list = CDC_VARIABLES.map((v) => `'${v}'`).join(', ');
  const result = await rows(conn, `SHOW GLOBAL VARIABLES WHERE \`Variable_name\` IN (${list})`);
  const vars = new Map<string, string>();
  for (const r of result) vars.set(str(r.Variable_name).toLowerCase(), str(r.Value));
  return vars;
}

/**
 * Checks that the server can feed CDC: binlog on, ROW format, FULL row image, and the replication
 * privileges of the connected user. Throws SOURCE_BINLOG_CONFIG / SOURCE_PRIVILEGE with what to do.
 */
export async function checkServerForCdc(conn: SqlQueryable): Promise<ServerInfo> {
  let vars: Map<string, string>;
  let grants: string[];
  try {
    vars = await readServerVariables(conn);
    grants = (await rows(conn, 'SHOW GRANTS')).map((r) => str(Object.values(r)[0]));
  } catch (e) {
    if (e instanceof TidemarkError) throw e;
    throw new TidemarkError('SOURCE_QUERY', `cannot read the server settings: ${errorMessage(e)}`, {
      cause: e,
    });
  }
  const version = vars.get('version') ?? '';
  const flavor: ServerFlavor =
    /mariadb/i.test(version) || /mariadb/i.test(vars.get('version_comment') ?? '') ? 'mariadb' : 'mysql';
  const info: ServerInfo = {
    flavor,
    version,
    versionNumbers: parseVersion(version),
    serverId: Number(vars.get('server_id') ?? 0),
    logBin: isOn(vars.get('log_bin')),
    binlogFormat: (vars.get('binlog_format') ?? '').toUpperCase(),
    binlogRowImage: (vars.get('binlog_row_image') ?? 'FULL').toUpperCase(),
    binlogRowMetadata: vars.get('binlog_row_metadata')?.toUpperCase(),
    binlogChecksum: (vars.get('binlog_checksum') ?? 'NONE').toUpperCase(),
    serverUuid: flavor === 'mysql' ? vars.get('server_uuid') : undefined,
    gtidMode: flavor === 'mysql' ? vars.get('gtid_mode')?.toUpperCase() : undefined,
    mariadbGtidCurrentPos: flavor === 'mariadb' ? (vars.get('gtid_current_pos') ?? '') : undefined,
    timeZone:
      vars.get('time_zone')?.toUpperCase() === 'SYSTEM'
        ? vars.get('system_time_zone')
        : vars.get('time_zone'),
    globalPrivileges: globalPrivileges(grants),
    warnings: [],
  };
  const warnings = info.warnings as string[];
  const details = { version, flavor };
  if (!info.logBin) {
    throw new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      `the binary log is disabled on this server (log_bin=OFF): start ${flavor === 'mariadb' ? 'mariadbd' : 'mysqld'} with log_bin=<base name>, server_id=<non-zero>, binlog_format=ROW, binlog_row_image=FULL`,
      { details },
    );
  }
  if (info.binlogFormat !== 'ROW') {
    throw new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      `binlog_format is ${info.binlogFormat || 'unknown'}, CDC needs ROW: set binlog_format=ROW in the server configuration (and SET GLOBAL binlog_format='ROW'; sessions opened earlier keep the old format)`,
      { details },
    );
  }
  if (info.binlogRowImage !== 'FULL') {
    throw new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      `binlog_row_image is ${info.binlogRowImage}, CDC needs FULL (complete before/after images): set binlog_row_image=FULL in the server configuration (and SET GLOBAL binlog_row_image='FULL')`,
      { details },
    );
  }
  if (info.serverId === 0) {
    warnings.push(
      'server_id is 0: replicas and binlog readers may be refused; set server_id to a non-zero value',
    );
  }
  if (info.binlogRowMetadata !== undefined && info.binlogRowMetadata !== 'FULL') {
    warnings.push(
      `binlog_row_metadata is ${info.binlogRowMetadata}: column names come from the schema history only; binlog_row_metadata=FULL is safer`,
    );
  }
  const has = (p: string): boolean =>
    info.globalPrivileges.includes('ALL PRIVILEGES') || info.globalPrivileges.includes(p);
  const missing: string[] = [];
  if (!has('REPLICATION SLAVE') && !has('REPLICATION SLAVE ADMIN')) missing.push('REPLICATION SLAVE');
  if (!has('REPLICATION CLIENT') && !has('BINLOG MONITOR') && !has('SUPER')) {
    missing.push('REPLICATION CLIENT');
  }
  if (missing.length > 0) {
    const user = await currentUser(conn);
    throw new TidemarkError(
      'SOURCE_PRIVILEGE',
      `user ${user} lacks ${missing.join(' and ')} on *.*: run GRANT ${missing.join(', ')} ON *.* TO ${user}`,
      { details: { ...details, missing, grants: info.globalPrivileges } },
    );
  }
  return info;
}

async function currentUser(conn: SqlQueryable): Promise<string> {
  try {
    const r = await rows(conn, 'SELECT CURRENT_USER() AS `u`');
    const u = str(r[0]?.u);
    const at = u.lastIndexOf('@');
    return at < 0 ? `'${u}'` : `'${u.slice(0, at)}'@'${u.slice(at + 1)}'`;
  } catch {
    return '<the CDC user>';
  }
}

function isOn(v: string | undefined): boolean {
  return v !== undefined && (v.toUpperCase() === 'ON' || v === '1');
}

function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/**
 * Privileges granted ON *.* in SHOW GRANTS lines ("GRANT SELECT, REPLICATION SLAVE ON *.* TO ...").
 * MariaDB 10.5+ shows REPLICATION CLIENT as BINLOG MONITOR.
 */
export function globalPrivileges(grantLines: readonly string[]): string[] {
  const out = new Set<string>();
  for (const line of grantLines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+\*\.\*\s+TO\s/i.exec(line.trim());
    if (!m?.[1]) continue;
    for (const p of m[1].split(',')) {
      const name = p.trim().toUpperCase().replace(/\s+/g, ' ');
      if (name) out.add(name === 'ALL' ? 'ALL PRIVILEGES' : name);
    }
  }
  return [...out];
}

/** Where the binlog ends now (SHOW MASTER STATUS; SHOW BINARY LOG STATUS on MySQL 8.4+). */
/**
 * The binlog end. `withGtid: false` skips MariaDB's BINLOG_GTID_POS(file, pos), which scans the
 * binlog file from its start (up to max_binlog_size) on every call: callers that need only file
 * and offset many times (snapshot watermarks, two per chunk) must not pay for it.
 */
export async function currentBinlogPosition(
  conn: SqlQueryable,
  options: { readonly withGtid?: boolean } = {},
): Promise<BinlogPosition> {
  let status: Row[];
  try {
    status = await rows(conn, 'SHOW MASTER STATUS');
  } catch (e) {
    // MySQL 8.4 removed SHOW MASTER STATUS.
    if ((e as { errno?: unknown }).errno !== 1064) throw wrapQueryError(e, 'SHOW MASTER STATUS');
    status = await rows(conn, 'SHOW BINARY LOG STATUS');
  }
  const row = status[0];
  if (!row) {
    throw new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      'SHOW MASTER STATUS returned nothing: the binary log is disabled (start the server with log_bin) or the user lacks REPLICATION CLIENT (BINLOG MONITOR on MariaDB)',
    );
  }
  const file = str(row.File);
  const pos = Number(str(row.Position));
  const executed = str(row.Executed_Gtid_Set).replace(/\s+/g, '');
  if (executed) return { file, pos, gtidSet: executed };
  if (options.withGtid === false) return { file, pos };
  // MariaDB: the GTID state at exactly this binlog offset.
  try {
    const r = await rows(conn, 'SELECT BINLOG_GTID_POS(?, ?) AS `gtid`', [file, pos]);
    const gtid = r[0]?.gtid;
    if (gtid !== null && gtid !== undefined) return { file, pos, gtid: str(gtid) };
  } catch {
    // Not MariaDB.
  }
  return { file, pos };
}

/** SHOW BINARY LOGS: the binlog files the server still has, oldest first. */
export async function listBinlogs(conn: SqlQueryable): Promise<BinlogFileInfo[]> {
  try {
    const result = await rows(conn, 'SHOW BINARY LOGS');
    return result.map((r) => ({ name: str(r.Log_name), size: Number(str(r.File_size)) }));
  } catch (e) {
    throw wrapQueryError(e, 'SHOW BINARY LOGS');
  }
}

function wrapQueryError(e: unknown, sql: string): TidemarkError {
  if (e instanceof TidemarkError) return e;
  const errno = (e as { errno?: unknown }).errno;
  if (errno === 1227 || errno === 1045) {
    return new TidemarkError(
      'SOURCE_PRIVILEGE',
      `${sql} was refused: ${errorMessage(e)}; GRANT REPLICATION CLIENT ON *.* TO the CDC user`,
      { cause: e },
    );
  }
  if (errno === 1381) {
    return new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      `${sql}: the binary log is disabled (start the server with log_bin)`,
      {
        cause: e,
      },
    );
  }
  return new TidemarkError('SOURCE_QUERY', `${sql} failed: ${errorMessage(e)}`, { cause: e });
}
