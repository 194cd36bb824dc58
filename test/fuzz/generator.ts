/**
 * The scenario generator: from a seed, a stream of log entries — source operations (DML and DDL
 * with their intent) and pipeline actions (run to caught-up and compare, stop at a random moment
 * with SIGTERM or SIGKILL, stream while statements run, start a new pipeline). It looks at the
 * source as it is now (tables, columns, rows) to pick what to change.
 *
 * Rules that keep the expected sink state well defined (README, "Differential fuzzer"):
 * - statements run while the pipeline streams only after its snapshot is done; after a kill
 *   mid-snapshot the next action is a run to caught-up;
 * - UPDATEs of tables without a key only SET constants (so a row's after image is known);
 * - under ignore/lenient/exception no table name is used twice, key columns are not renamed, and
 *   under ignore a MODIFY keeps the DuckDB type and key changes keep the old key columns.
 */
import type { Cell } from './canonical.js';
import type { Feature } from './features.js';
import { modifiedType, Names, randomColumn, randomDefault, randomLayout } from './layout.js';
import { conflictingType, MIXED_KIND_GROUPS, mixedKindType } from './mixed-kinds.js';
import type {
  AlterClause,
  ColumnDef,
  LogEntry,
  Op,
  PipelineAction,
  Position,
  TableRef,
} from './operations.js';
import { Prng } from '../support/prng.js';
import type { Behavior, SinkModel } from './sink-model.js';
import { tableKey, type SourceSnapshot, type SourceTable } from './source-state.js';
import { quoteString, qi, type TypeSpec } from './type-spec.js';
import { randomKeyLiteral, randomLiteral, type LiteralOptions } from './values.js';
import {
  isArithType,
  isIntType,
  isStringType,
  PLAIN_NAME,
  referencedColumns,
  type ComputedColumn,
  type Expr,
  type Filter,
  type MergeSpec,
  type TransformSpec,
} from './transform-model.js';

export interface ScenarioConfig {
  readonly seed: number;
  readonly dbs: readonly [string, string];
  readonly behavior: Behavior;
  /** Session sql_mode: undefined = the server default (strict). */
  readonly sqlMode: string | undefined;
  readonly timeZone: string | undefined;
  readonly operations: number;
  readonly features: readonly Feature[];
}

export function scenarioConfig(
  seed: number,
  behaviors: readonly Behavior[],
  features: ReadonlySet<Feature>,
  operations?: number,
): ScenarioConfig {
  const rng = new Prng(`config:${seed}`);
  return {
    seed,
    dbs: [`fz${seed}_a`, `fz${seed}_b`],
    behavior: behaviors[seed % behaviors.length]!,
    sqlMode: features.has('non-strict') && rng.chance(0.3) ? '' : undefined,
    timeZone:
      features.has('session-tz') && rng.chance(0.3) ? rng.pick(['-03:00', '+00:00', '+09:00']) : undefined,
    operations: operations ?? rng.int(8, 28),
    features: [...features].sort(),
  };
}

/** What the generator may look at. */
export interface GenState {
  readonly source: SourceSnapshot;
  readonly model: SinkModel | undefined;
  /** A background run is streaming. */
  readonly running: boolean;
  /** The current pipeline's snapshot is complete (a run reached caught-up). */
  readonly snapshotDone: boolean;
  /** The current pipeline has run at least once. */
  readonly started: boolean;
}

const lc = (s: string): string => s.toLowerCase();

const ALTER_FEATURES: readonly Feature[] = [
  'add-column',
  'drop-column',
  'modify-column',
  'change-column',
  'rename-column',
  'pk-change',
  'if-exists',
];

export class Generator {
  private readonly rng: Prng;
  private readonly f: ReadonlySet<Feature>;
  private readonly names: Names;
  private readonly usedTables = new Set<string>();
  private opsLeft: number;
  private finished = false;
  private lastWasRunAfterFreeze = false;
  private needStart = false;
  /** Clauses that go with the one just made (ADD PRIMARY KEY after DROP PRIMARY KEY). */
  private readonly extra: AlterClause[] = [];
  private readonly lit: LiteralOptions;
  /** Decisions of the transform and merge features (their own stream: other seeds stay as they were). */
  private readonly trng: Prng;
  /** Tables (lower-case db.table) that got a transform rule: they keep one in every new pipeline. */
  private readonly transformed = new Set<string>();
  /** The current rules, by table (their filter decides which statements are well defined). */
  private rules = new Map<string, TransformSpec>();
  private merge: MergeSpec | undefined;
  /** The shards' key and shared columns (each shard draws its own types of them). */
  private shardLayout:
    | {
        keyName: string;
        keyType: TypeSpec;
        shared: { name: string; make: () => TypeSpec }[];
        first: ColumnDef[];
      }
    | undefined;
  private shardsMade = 0;
  private computedNo = 0;
  /** Decisions of the merge-mixed-kinds feature (their own stream: other merges stay as they were). */
  private readonly mrng: Prng;
  /** A shard created with a column no type merges exactly: dropped once the pipeline stopped on it. */
  private conflicting: TableRef | undefined;

  constructor(private readonly config: ScenarioConfig) {
    this.rng = new Prng(`scenario:${config.seed}`);
    this.trng = new Prng(`transform:${config.seed}`);
    this.mrng = new Prng(`mixed:${config.seed}`);
    this.f = new Set(config.features);
    this.names = new Names(this.rng.fork('names'), this.f.has('odd-names'));
    this.opsLeft = config.operations;
    this.lit = { large: this.f.has('large-rows'), foreign: true };
  }

  /** Behaviours under which a merged table follows its shards' changes. */
  private get evolveOrLenient(): boolean {
    return this.config.behavior !== 'ignore' && this.config.behavior !== 'exception';
  }

  private get evolve(): boolean {
    return this.config.behavior === 'evolve' || this.config.behavior === 'try_evolve';
  }

  /** The first entries: tables with rows, then a new pipeline. */
  setup(): LogEntry[] {
    const out: LogEntry[] = [];
    const tables = this.rng.int(1, 3);
    for (let i = 0; i < tables; i++) {
      const db = this.f.has('cross-db') && i === 2 ? this.config.dbs[1] : this.config.dbs[0];
      const op = this.createOp({ db, name: this.newTableName() });
      out.push({ t: 'op', op });
      if (op.k !== 'create') continue;
      for (let j = this.rng.int(0, 3); j > 0; j--) {
        out.push({ t: 'op', op: this.insertOp(op.table, op.columns, op.key, []) });
      }
    }
    if (this.f.has('merge') && this.trng.chance(0.4)) out.push(...this.shardTables());
    return out;
  }

  /**
   * Two or three tables `shard_N` of one key and compatible columns (README "Sharded merges: type
   * widening": integers of several widths, DECIMALs of several shapes, VARCHARs of several
   * lengths; some columns in one table only), merged by one route.
   */
  private shardTables(): LogEntry[] {
    const r = this.trng;
    const db = this.config.dbs[0];
    this.merge = {
      db,
      prefix: 'shard_',
      sink: 'merged',
      shardColumns: this.f.has('merge-shard-columns') && r.chance(0.5),
    };
    const keyType: TypeSpec = { f: 'int', bytes: r.pick([4, 8] as const), unsigned: false };
    const shared: { name: string; make: () => TypeSpec }[] = [];
    // shards of different kinds in one column (not under ignore and exception: alike there)
    const mixed = this.f.has('merge-mixed-kinds') && this.evolveOrLenient && this.mrng.chance(0.6);
    for (let i = r.int(1, 4); i > 0; i--) {
      const name = this.names.column();
      if (mixed && this.mrng.chance(0.6)) {
        const group = this.mrng.pick(MIXED_KIND_GROUPS);
        shared.push({ name, make: () => mixedKindType(this.mrng, group) });
        continue;
      }
      shared.push({
        name,
        make: r.weighted<() => TypeSpec>([
          [3, () => ({ f: 'int', bytes: r.pick([1, 2, 3, 4, 8] as const), unsigned: false })],
          [
            2,
            () => {
              const s = r.int(0, 4);
              return { f: 'decimal', p: s + r.int(1, 14), s, unsigned: false };
            },
          ],
          [
            3,
            () => ({
              f: 'char',
              fixed: false,
              len: r.int(4, 40),
              charset: 'utf8mb4',
              collation: 'utf8mb4_unicode_ci',
            }),
          ],
        ]),
      });
    }
    this.shardLayout = { keyName: this.names.column(), keyType, shared, first: [] };
    return [1, 2, 3].slice(0, r.int(2, 3)).flatMap((n) => this.shardTable(n));
  }

  /**
   * Shard n: its create and a few inserts. With `conflict`, one of its shared columns gets a type
   * no type holds exactly together with the merged column's (`conflict` gives the sink types).
   */
  private shardTable(n: number, conflict?: ReadonlyMap<string, TypeSpec>): LogEntry[] {
    const r = this.trng;
    const db = this.merge!.db;
    const { keyName, keyType, shared } = this.shardLayout!;
    const out: LogEntry[] = [];
    // Under ignore and exception a later table's create that would change the merged table is not
    // applied (refused): the tables are alike there (as MODIFY keeps the DuckDB type under ignore)
    const alike = this.config.behavior === 'ignore' || this.config.behavior === 'exception';
    const first = this.shardLayout!.first;
    {
      const table = { db, name: `shard_${n}` };
      this.shardsMade = Math.max(this.shardsMade, n);
      this.usedTables.add(table.name);
      const columns: ColumnDef[] = [{ name: keyName, type: keyType, notNull: true }];
      if (alike && n > 1) columns.push(...first);
      else {
        for (const c of shared)
          if (n === 1 || r.chance(0.8)) columns.push({ name: c.name, type: c.make(), notNull: false });
        const target = conflict && this.mrng.pick(shared.filter((c) => conflict.has(lc(c.name))));
        if (target) {
          const type = conflictingType(conflict.get(lc(target.name))!);
          const i = columns.findIndex((c) => c.name === target.name);
          const col: ColumnDef = { name: target.name, type, notNull: false };
          if (i < 0) columns.push(col);
          else columns[i] = col;
          this.conflicting = table;
        }
        if (r.chance(0.5)) columns.push({ ...randomColumn(r, this.names.column(), this.f), notNull: false });
        first.push(...columns.slice(1));
      }
      const op: Op = { k: 'create', table, columns, key: [keyName], ifNotExists: false };
      out.push({ t: 'op', op });
      for (let j = r.int(1, 3); j > 0; j--)
        out.push({ t: 'op', op: this.insertOp(table, columns, [keyName], []) });
    }
    return out;
  }

  /**
   * The merged table's shared column types (lower-case name → sink type) when the next shard is
   * to conflict with them (feature merge-mixed-kinds, now and then), else undefined.
   */
  private conflictTypes(s: GenState): Map<string, TypeSpec> | undefined {
    if (!this.f.has('merge-mixed-kinds') || !this.merge || !this.mrng.chance(0.2)) return undefined;
    const sink = s.model?.tables.get(tableKey(this.merge.db, this.merge.sink));
    const shared = new Set(this.shardLayout!.shared.map((c) => lc(c.name)));
    const out = new Map(
      (sink?.columns ?? []).filter((c) => shared.has(lc(c.name))).map((c) => [lc(c.name), c.type] as const),
    );
    return out.size ? out : undefined;
  }

  /** Whether a table is one of the merged shards. */
  private isShard(t: { db: string; name: string }): boolean {
    return (
      this.merge !== undefined && lc(t.db) === lc(this.merge.db) && lc(t.name).startsWith(this.merge.prefix)
    );
  }

  /** Whether DDL and key moves on the table are restricted (transformed or merged). */
  private special(t: { db: string; name: string }): boolean {
    return this.isShard(t) || this.transformed.has(tableKey(t.db, t.name));
  }

  /** The current rule of a table, if it has one with a filter. */
  private filtered(t: { db: string; name: string }): boolean {
    return this.rules.get(tableKey(t.db, t.name))?.filter !== undefined;
  }

  /**
   * Key values of a shard: without shard columns each table has its own range (a merged key is
   * then one table's row: last write wins never decides), with them small overlapping ones.
   */
  private shardKeyLiteral(t: { name: string }): string {
    if (this.merge?.shardColumns) return String(this.rng.int(1, 40));
    const n = Number(t.name.slice(this.merge!.prefix.length)) || 0;
    return String(n * 10_000_000 + this.rng.int(0, 2000));
  }

  /** Transform rules for a new pipeline: the tables that had one, and now and then others. */
  private transformRules(source: SourceSnapshot): TransformSpec[] {
    const out: TransformSpec[] = [];
    this.rules = new Map();
    if (!this.f.has('transform')) return out;
    for (const t of source.values()) {
      const k = tableKey(t.db, t.name);
      if (this.isShard(t) || !/^t\d+$/.test(t.name)) continue;
      if (!this.transformed.has(k) && !this.trng.chance(0.4)) continue;
      this.transformed.add(k);
      const rule = this.transformRule(t);
      this.rules.set(k, rule);
      out.push(rule);
    }
    return out;
  }

  private transformRule(t: SourceTable): TransformSpec {
    const r = this.trng;
    const plain = t.columns.filter((c) => PLAIN_NAME.test(c.name));
    const strings = plain.filter((c) => isStringType(c.type));
    const ints = plain.filter((c) => isIntType(c.type));
    const numbers = plain.filter((c) => isArithType(c.type));
    const makers: [number, () => Expr][] = [
      [strings.length ? 3 : 0, () => ({ k: 'upper', col: r.pick(strings).name })],
      [
        numbers.length ? 4 : 0,
        () => ({
          k: 'arith',
          col: r.pick(numbers).name,
          ...r.pick([
            { op: '+', n: 1 },
            { op: '*', n: 2 },
          ] as const),
        }),
      ],
      [
        strings.length && ints.length ? 2 : 0,
        () => ({ k: 'concat', str: r.pick(strings).name, int: r.pick(ints).name }),
      ],
      [
        ints.length ? 2 : 0,
        () => ({
          k: 'case',
          col: r.pick(ints).name,
          gt: r.int(-10, 200),
          ...r.pick([
            { then: 'big', else: 'low' },
            { then: 'yes', else: 'no!' },
          ]),
        }),
      ],
      [strings.length ? 2 : 0, () => ({ k: 'coalesce', col: r.pick(strings).name, dflt: 'none' })],
      [
        2,
        () => ({
          k: 'meta',
          name: r.pick([
            '__table_name__',
            '__schema_name__',
            '__namespace_name__',
            '__data_event_type__',
          ] as const),
        }),
      ],
    ];
    const computed: ComputedColumn[] = [];
    for (let i = r.int(1, 3); i > 0; i--)
      computed.push({ name: `tx_${this.computedNo++}`, expr: r.weighted(makers)() });
    const filters: [number, () => Filter][] = [
      [3, () => undefined as unknown as Filter],
      [ints.length ? 3 : 0, () => ({ k: 'mod', col: r.pick(ints).name, m: r.int(2, 4) })],
      [
        ints.length ? 2 : 0,
        () => ({ k: 'gt', col: r.pick(ints).name, n: r.int(-20, 150), orNull: r.chance(0.5) }),
      ],
      [strings.length ? 1 : 0, () => ({ k: 'len', col: r.pick(strings).name, n: r.int(0, 4) })],
      [strings.length ? 1 : 0, () => ({ k: 'not-null', col: r.pick(strings).name })],
    ];
    const filter = r.weighted(filters)();
    return { table: { db: t.db, name: t.name }, computed, ...(filter ? { filter } : {}) };
  }

  /** The next entry, or undefined when the scenario is complete. */
  next(s: GenState): LogEntry | undefined {
    if (this.finished) return undefined;
    const pipe = (action: PipelineAction): LogEntry => ({ t: 'pipeline', action });
    if (this.needStart) {
      // a new pipeline's first run: to caught-up, or stopped at a random moment of its snapshot
      this.needStart = false;
      return pipe(this.f.has('kill') && this.rng.chance(0.4) ? this.killAction() : { k: 'run' });
    }
    if (!s.model && !s.started) {
      this.needStart = true;
      return pipe(this.freshAction(s.source));
    }
    if (s.model?.frozen) {
      // the exception behaviour stopped the pipeline: see it fail, then start a new one
      if (s.running) return pipe({ k: 'stop', signal: 'SIGTERM' });
      if (!this.lastWasRunAfterFreeze && !s.model.frozen.skipped) {
        this.lastWasRunAfterFreeze = true;
        return pipe({ k: 'run' });
      }
      // the shard that cannot merge goes (else every new pipeline stops on it too)
      const bad = this.conflicting;
      this.conflicting = undefined;
      if (bad && s.source.has(tableKey(bad.db, bad.name)))
        return { t: 'op', op: { k: 'drop', tables: [bad], ifExists: false } };
      this.lastWasRunAfterFreeze = false;
      // a new pipeline counts as an operation: a table no pipeline can take (it stops every
      // snapshot with the same clear error) must not make the scenario endless
      if (--this.opsLeft <= 0) return undefined;
      this.needStart = true;
      return pipe(this.freshAction(s.source));
    }
    if (!s.snapshotDone && !s.running) return pipe({ k: 'run' });
    if (this.opsLeft <= 0) {
      if (s.running) return pipe({ k: 'stop', signal: this.stopSignal() });
      this.finished = true;
      return pipe({ k: 'run' });
    }
    const choice = s.running
      ? this.rng.weighted<string>([
          [8, 'op'],
          [2, 'stop'],
        ])
      : this.rng.weighted<string>([
          [14, 'op'],
          [2, 'run'],
          [this.f.has('kill') ? 1 : 0, 'kill'],
          [this.f.has('concurrent') ? 1.5 : 0, 'start'],
          [this.f.has('restart-fresh') ? 0.3 : 0, 'fresh'],
        ]);
    switch (choice) {
      case 'stop':
        return pipe({ k: 'stop', signal: this.stopSignal() });
      case 'run':
        return pipe({ k: 'run' });
      case 'kill':
        return pipe(this.killAction());
      case 'start':
        return pipe({ k: 'start' });
      case 'fresh':
        this.needStart = true;
        return pipe(this.freshAction(s.source));
      default: {
        this.opsLeft--;
        const op = this.operation(s);
        return op ? { t: 'op', op } : pipe({ k: 'run' });
      }
    }
  }

  private stopSignal(): 'SIGTERM' | 'SIGKILL' {
    return this.f.has('sigkill') && this.rng.chance(0.5) ? 'SIGKILL' : 'SIGTERM';
  }

  private killAction(): PipelineAction {
    return {
      k: 'kill',
      signal: this.stopSignal(),
      afterMs: this.rng.pick([0, 50, 150, 300, 600, 1000, 1500]),
    };
  }

  private freshAction(source: SourceSnapshot): PipelineAction {
    const parallel = this.f.has('parallel-snapshot');
    const chunkKeys: { table: TableRef; column: string }[] = [];
    if (this.f.has('chunk-key')) {
      for (const t of source.values()) {
        if (t.key.length > 0 || !this.rng.chance(0.6)) continue;
        const col = t.columns.find(
          (c) => c.type.f === 'int' || c.type.f === 'char' || c.type.f === 'decimal',
        );
        if (col) chunkKeys.push({ table: { db: t.db, name: t.name }, column: col.name });
      }
    }
    const transforms = this.transformRules(source);
    return {
      k: 'fresh',
      parallelism: parallel ? this.rng.int(1, 3) : 1,
      chunkSize: parallel ? this.rng.pick([2, 3, 5, 8, 50]) : 8096,
      chunkKeys,
      ...(transforms.length ? { transforms } : {}),
      ...(this.merge ? { merge: this.merge } : {}),
    };
  }

  // ---- operations -------------------------------------------------------------------------------

  private newTableName(): string {
    const name = this.names.table();
    this.usedTables.add(lc(name));
    return name;
  }

  private operation(s: GenState): Op | undefined {
    const tables = [...s.source.values()];
    const f = this.f;
    const ddlWeight = this.config.behavior === 'exception' ? 0.3 : 1;
    const kinds: [number, string][] = [
      [tables.length ? 10 : 0, 'insert'],
      [tables.length ? 6 : 0, 'update'],
      [tables.length ? 3 : 0, 'delete'],
      [tables.length && f.has('txn') ? 2 : 0, 'txn'],
      [tables.length && ALTER_FEATURES.some((x) => f.has(x)) ? 7 * ddlWeight : 0, 'alter'],
      [f.has('create-table') ? 1.5 * ddlWeight : 0, 'create'],
      [tables.length && f.has('create-like') ? 0.8 * ddlWeight : 0, 'create-like'],
      [tables.length && f.has('drop-table') ? 0.8 * ddlWeight : 0, 'drop'],
      [tables.length && f.has('rename-table') ? 1 * ddlWeight : 0, 'rename'],
      [tables.length && f.has('truncate') ? 0.6 * ddlWeight : 0, 'truncate'],
      // a shard created while the pipeline runs joins the merged table (widening it)
      [this.merge && f.has('create-table') && this.evolveOrLenient ? 0.8 : 0, 'create-shard'],
    ];
    if (kinds.every(([w]) => w === 0)) return undefined;
    const kind = this.rng.weighted(kinds);
    const t = tables.length ? this.rng.pick(tables) : undefined;
    switch (kind) {
      case 'insert':
        return this.insertFor(t!);
      case 'update':
        return this.updateFor(t!);
      case 'delete':
        return this.deleteFor(t!);
      case 'txn':
        return this.txnFor(tables);
      case 'alter':
        return this.alterFor(t!, s);
      case 'create':
        return this.createOp({ db: this.pickDb(), name: this.tableNameFor(s) });
      case 'create-like':
        return {
          k: 'create-like',
          table: { db: this.pickDb(), name: this.tableNameFor(s) },
          like: { db: t!.db, name: t!.name },
          ifNotExists: f.has('if-exists') && this.rng.chance(0.2),
        };
      case 'create-shard': {
        // now and then a shard whose column merges with no type: the pipeline stops (SCHEMA_MERGE)
        const entries = this.shardTable(this.shardsMade + 1, this.conflictTypes(s));
        return entries[0]!.t === 'op' ? entries[0]!.op : undefined;
      }
      case 'drop':
        return this.dropFor(tables);
      case 'rename':
        // a transformed table keeps its rule's name, a shard its route
        return this.special(t!) ? this.insertFor(t!) : this.renameFor(t!, s);
      default:
        return { k: 'truncate', table: { db: t!.db, name: t!.name } };
    }
  }

  private pickDb(): string {
    return this.f.has('cross-db') && this.rng.chance(0.3) ? this.config.dbs[1] : this.config.dbs[0];
  }

  /** A table name: new, or under evolve sometimes one used before (a dropped or renamed table). */
  private tableNameFor(s: GenState): string {
    if (this.evolve && this.rng.chance(0.3)) {
      const free = [...this.usedTables].filter(
        (n) =>
          ![...s.source.values()].some((t) => lc(t.name) === n) &&
          // a rule names the table: a new table of that name would get it too
          ![...this.transformed].some((k) => k.endsWith(`.${n}`)) &&
          !n.startsWith('shard_'),
      );
      if (free.length) return this.rng.pick(free);
    }
    return this.newTableName();
  }

  private createOp(table: TableRef): Op {
    const layout = randomLayout(this.rng, this.names, this.f);
    return {
      k: 'create',
      table,
      columns: layout.columns,
      key: layout.key,
      ifNotExists: this.f.has('if-exists') && this.rng.chance(0.15),
    };
  }

  private literal(t: TypeSpec): string {
    return randomLiteral(this.rng, t, this.lit);
  }

  private insertFor(t: SourceTable): Op {
    const cols: ColumnDef[] = t.columns.map((c) => ({ name: c.name, type: c.type, notNull: !c.nullable }));
    const keyValues = t.rows.map((r) =>
      t.key.map((k) => r[t.columns.findIndex((c) => c.name === k)] ?? null),
    );
    const op = this.insertOp({ db: t.db, name: t.name }, cols, t.key, keyValues);
    if (op.k !== 'insert' || t.key.length === 0 || !this.f.has('upsert-dml') || !this.rng.chance(0.25))
      return op;
    const other = cols.find((c) => !t.key.includes(c.name));
    // REPLACE of an existing row may be logged as an UPDATE or as a DELETE and an INSERT, which a
    // filter treats differently: not on filtered tables
    if ((this.rng.chance(0.5) || !other) && !this.filtered(t)) return { ...op, replace: true };
    if (!other) return op;
    return { ...op, onDuplicate: [{ column: other.name, sql: this.literal(other.type) }] };
  }

  private insertOp(
    table: TableRef,
    cols: readonly ColumnDef[],
    key: readonly string[],
    existingKeys: readonly (readonly Cell[])[],
  ): Op {
    const subset = this.rng.chance(0.25)
      ? cols.filter((c) => key.includes(c.name) || this.rng.chance(0.6))
      : cols;
    const n =
      this.f.has('large-rows') || this.rng.chance(0.7)
        ? this.rng.weighted([
            [6, this.rng.int(1, 5)],
            [3, this.rng.int(5, 15)],
            [1, this.rng.int(15, 40)],
          ])
        : 1;
    const rows: string[][] = [];
    for (let i = 0; i < n; i++) {
      rows.push(
        subset.map((c) => {
          if (key.includes(c.name)) {
            // now and then an existing key: a duplicate-key error, or an upsert
            const existing =
              existingKeys.length && this.rng.chance(0.1) ? this.rng.pick(existingKeys) : undefined;
            const v = existing?.[key.indexOf(c.name)];
            if (v !== undefined && v !== null) return cellLiteral(c.type, v);
            return this.isShard(table) ? this.shardKeyLiteral(table) : randomKeyLiteral(this.rng, c.type);
          }
          if (this.rng.chance(0.06)) return 'DEFAULT';
          if (!c.notNull && this.rng.chance(0.12)) return 'NULL';
          return this.literal(c.type);
        }),
      );
    }
    return { k: 'insert', table, columns: subset.map((c) => c.name), rows };
  }

  /** WHERE for some existing rows (by key, or by the first int column), or a LIMIT over all. */
  private whereFor(t: SourceTable): { where: string; limit?: number } {
    if (t.rows.length === 0 || this.rng.chance(0.15)) return { where: '1 = 1', limit: this.rng.int(1, 3) };
    const picked = this.rng.shuffle(t.rows).slice(0, this.rng.int(1, Math.min(4, t.rows.length)));
    const cols = t.key.length
      ? t.key.map((k) => t.columns.find((c) => c.name === k)!)
      : t.columns.filter((c) => c.type.f === 'int' || c.type.f === 'char').slice(0, 1);
    if (cols.length === 0) return { where: '1 = 1', limit: this.rng.int(1, 3) };
    const preds = picked.map((r) =>
      cols
        .map((c) => {
          const v = r[t.columns.indexOf(c)];
          return v === null || v === undefined
            ? `${qi(c.name)} IS NULL`
            : `${qi(c.name)} = ${cellLiteral(c.type, v)}`;
        })
        .join(' AND '),
    );
    return { where: preds.map((p) => `(${p})`).join(' OR ') };
  }

  private updateFor(t: SourceTable): Op {
    const keyed = t.key.length > 0;
    const candidates = t.columns.filter((c) => !t.key.includes(c.name));
    const set: { column: string; sql: string }[] = [];
    for (const c of this.rng.shuffle(candidates).slice(0, this.rng.int(1, 3))) {
      const nullable = t.columns.find((x) => x.name === c.name)!.nullable;
      set.push({ column: c.name, sql: nullable && this.rng.chance(0.1) ? 'NULL' : this.literal(c.type) });
    }
    // a key move is an UPDATE whose old and new key a filter judges as one row: not on filtered tables
    if (keyed && this.filtered(t) && candidates.length === 0) return this.insertFor(t);
    if (keyed && this.f.has('key-moves') && this.rng.chance(0.2) && !this.filtered(t)) {
      const k = t.columns.find((c) => c.name === t.key[0])!;
      const move =
        k.type.f === 'int'
          ? `${qi(k.name)} + ${this.rng.int(1, 500)}`
          : k.type.f === 'char'
            ? `CONCAT(${qi(k.name)}, ${quoteString(this.rng.pick(['x', 'Y', 'é', ' ']))})`
            : randomKeyLiteral(this.rng, k.type);
      set.push({ column: k.name, sql: move });
    }
    if (keyed && set.length === 0 && candidates.length === 0) {
      set.push({
        column: t.key[0]!,
        sql: randomKeyLiteral(this.rng, t.columns.find((c) => c.name === t.key[0])!.type),
      });
    }
    if (set.length === 0) set.push({ column: t.columns[0]!.name, sql: this.literal(t.columns[0]!.type) });
    return { k: 'update', table: { db: t.db, name: t.name }, set, ...this.whereFor(t) };
  }

  private deleteFor(t: SourceTable): Op {
    return { k: 'delete', table: { db: t.db, name: t.name }, ...this.whereFor(t) };
  }

  private txnFor(tables: readonly SourceTable[]): Op {
    const ops: Op[] = [];
    for (let i = this.rng.int(2, 4); i > 0; i--) {
      const t = this.rng.pick(tables);
      ops.push(
        this.rng.weighted<() => Op>([
          [3, () => this.insertFor(t)],
          [2, () => this.updateFor(t)],
          [1, () => this.deleteFor(t)],
        ])(),
      );
    }
    return { k: 'txn', ops, rollback: this.rng.chance(0.25) };
  }

  private dropFor(tables: readonly SourceTable[]): Op {
    const picked = this.rng.shuffle(tables).slice(0, this.rng.chance(0.2) ? 2 : 1);
    const refs: TableRef[] = picked.map((t) => ({ db: t.db, name: t.name }));
    const ifExists = this.f.has('if-exists') && this.rng.chance(0.3);
    if (ifExists && this.rng.chance(0.3)) refs.push({ db: this.config.dbs[0], name: 'no_such_table' });
    return { k: 'drop', tables: refs, ifExists };
  }

  private renameFor(t: SourceTable, s: GenState): Op {
    const to: TableRef = { db: this.pickDb(), name: this.tableNameFor(s) };
    if (this.rng.chance(0.3)) {
      return { k: 'alter', table: { db: t.db, name: t.name }, clauses: [{ k: 'rename-table', to }] };
    }
    const pairs = [{ from: { db: t.db, name: t.name }, to }];
    // (a transformed table keeps its name, a shard its route: not the other half of a swap)
    const others = [...s.source.values()].filter((x) => x !== t && !this.special(x));
    if (this.evolve && others.length && this.rng.chance(0.3)) {
      // a swap: the second table takes the first one's old name
      const o = this.rng.pick(others);
      pairs.push({ from: { db: o.db, name: o.name }, to: { db: t.db, name: t.name } });
    }
    return { k: 'rename', pairs };
  }

  // ---- ALTER TABLE --------------------------------------------------------------------------------

  private alterFor(t: SourceTable, s: GenState): Op {
    // shards stay alike under ignore and exception (see shardTables): a later pipeline merges them
    if (this.isShard(t) && (this.config.behavior === 'ignore' || this.config.behavior === 'exception'))
      return this.insertFor(t);
    const clauses: AlterClause[] = [];
    const n = this.f.has('multi-clause')
      ? this.rng.weighted([
          [5, 1],
          [3, 2],
          [1, 3],
        ])
      : 1;
    const taken = new Set<string>(); // columns already used by a clause of this statement
    for (let i = 0; i < n; i++) {
      const c = this.alterClause(t, s, taken, clauses);
      if (c) clauses.push(c);
      clauses.push(...this.extra.splice(0));
    }
    if (clauses.length === 0) return this.insertFor(t);
    return { k: 'alter', table: { db: t.db, name: t.name }, clauses };
  }

  private position(t: SourceTable): Position | undefined {
    if (!this.f.has('positions') || !this.rng.chance(0.3)) return undefined;
    return this.rng.chance(0.3) ? { k: 'first' } : { k: 'after', column: this.rng.pick(t.columns).name };
  }

  /** Columns that must not be dropped, renamed or retyped under this behaviour. */
  private protectedColumns(t: SourceTable, s: GenState): Set<string> {
    const out = new Set<string>();
    if (this.config.behavior === 'ignore') {
      const sink = s.model?.tables.get(s.model.routes.get(tableKey(t.db, t.name)) ?? '');
      for (const k of sink?.key ?? []) out.add(lc(k));
    }
    if (!this.evolve || this.special(t)) for (const k of t.key) out.add(lc(k));
    // a transformed table's rule columns: mostly kept (a DDL on them stops the pipeline clearly)
    const rule = this.rules.get(tableKey(t.db, t.name));
    if (rule && this.trng.chance(0.7)) for (const c of referencedColumns(rule)) out.add(lc(c));
    return out;
  }

  private alterClause(
    t: SourceTable,
    s: GenState,
    taken: Set<string>,
    earlier: readonly AlterClause[],
  ): AlterClause | undefined {
    const f = this.f;
    const prot = this.protectedColumns(t, s);
    const free = t.columns.filter((c) => !taken.has(lc(c.name)));
    const changeable = free.filter((c) => !prot.has(lc(c.name)));
    const ifx = (): boolean => f.has('if-exists') && this.rng.chance(0.2);
    // transformed and merged tables: columns are added, dropped and renamed, not retyped or re-keyed
    const retype = !this.special(t);
    const kinds: [number, string][] = [
      [f.has('add-column') ? 5 : 0, 'add'],
      [f.has('drop-column') && changeable.length > 1 ? 2 : 0, 'drop'],
      [f.has('modify-column') && changeable.length && retype ? 3 : 0, 'modify'],
      [f.has('change-column') && changeable.length && retype ? 2 : 0, 'change'],
      [f.has('rename-column') && changeable.length ? 2.5 : 0, 'rename'],
      [
        f.has('pk-change') && retype && !earlier.some((c) => c.k === 'add-pk' || c.k === 'drop-pk') ? 1.2 : 0,
        'pk',
      ],
      [f.has('if-exists') ? 0.5 : 0, 'noop'],
    ];
    if (kinds.every(([w]) => w === 0)) return undefined;
    switch (this.rng.weighted(kinds)) {
      case 'add': {
        const any = randomColumn(this.rng, this.names.column(), f);
        // a shard's new column: NULL in every row of the merged table (no default to spread)
        const col: ColumnDef = this.isShard(t) ? { name: any.name, type: any.type, notNull: false } : any;
        taken.add(lc(col.name));
        const pos = this.position(t);
        return { k: 'add', col, ifNotExists: ifx(), ...(pos ? { pos } : {}) };
      }
      case 'drop': {
        const c = this.rng.pick(changeable);
        taken.add(lc(c.name));
        return { k: 'drop', name: c.name, ifExists: ifx() };
      }
      case 'modify':
        return this.retypeClause(false, t, changeable, taken, ifx);
      case 'change':
        return this.retypeClause(true, t, changeable, taken, ifx);
      case 'rename':
        return this.renameClause(changeable, taken, earlier);
      case 'pk': {
        const [first, ...rest] = this.pkClauses(t, taken);
        this.extra.push(...rest);
        return first;
      }
      default:
        return this.noopClause(t);
    }
  }

  /** MODIFY, or CHANGE (mostly to a new name): another type, NULL-ness, default, position. */
  private retypeClause(
    isChange: boolean,
    t: SourceTable,
    changeable: readonly SourceTable['columns'][number][],
    taken: Set<string>,
    ifx: () => boolean,
  ): AlterClause {
    const c = this.rng.pick(changeable);
    taken.add(lc(c.name));
    const type = modifiedType(
      this.rng,
      c.type,
      this.f.has('modify-lossy'),
      this.config.behavior === 'ignore',
    );
    const notNull = t.key.includes(c.name) || (this.rng.chance(0.25) ? c.nullable : !c.nullable);
    const dflt = randomDefault(this.rng, type, notNull, this.f);
    const pos = this.position(t);
    const name = isChange && this.rng.chance(0.7) ? this.names.column() : c.name;
    taken.add(lc(name));
    const col: ColumnDef = { name, type, notNull, ...(dflt ? { default: dflt } : {}) };
    return isChange
      ? { k: 'change', from: c.name, col, ifExists: ifx(), ...(pos ? { pos } : {}) }
      : { k: 'modify', col, ifExists: ifx(), ...(pos ? { pos } : {}) };
  }

  /**
   * RENAME COLUMN, now and then swapping with a column renamed in the same statement (evolve
   * only: under lenient a rename to a name the sink has would be a type change).
   */
  private renameClause(
    changeable: readonly SourceTable['columns'][number][],
    taken: Set<string>,
    earlier: readonly AlterClause[],
  ): AlterClause {
    const c = this.rng.pick(changeable);
    taken.add(lc(c.name));
    const swap = this.evolve ? earlier.find((e) => e.k === 'rename-column') : undefined;
    const to = swap && swap.k === 'rename-column' && this.rng.chance(0.5) ? swap.from : this.names.column();
    taken.add(lc(to));
    return { k: 'rename-column', from: c.name, to };
  }

  /** IF [NOT] EXISTS on what is (not) there: a clause the server skips. */
  private noopClause(t: SourceTable): AlterClause {
    const c = this.rng.pick(t.columns);
    return this.rng.chance(0.5)
      ? { k: 'drop', name: `gone_${this.rng.int(0, 99)}`, ifExists: true }
      : { k: 'add', col: { name: c.name, type: c.type, notNull: false }, ifNotExists: true };
  }

  /** DROP PRIMARY KEY, ADD PRIMARY KEY (...), or both (re-keying on other columns). */
  private pkClauses(t: SourceTable, taken: Set<string>): AlterClause[] {
    const candidates = t.columns.filter(
      (c) => !taken.has(lc(c.name)) && ['int', 'char', 'decimal', 'date', 'datetime'].includes(c.type.f),
    );
    const out: AlterClause[] = [];
    if (t.key.length > 0) out.push({ k: 'drop-pk' });
    if (candidates.length > 0 && (t.key.length === 0 || this.rng.chance(0.5))) {
      const cols = this.rng.shuffle(candidates).slice(0, this.rng.chance(0.3) ? 2 : 1);
      for (const c of cols) taken.add(lc(c.name));
      out.push({ k: 'add-pk', columns: cols.map((c) => c.name) });
    }
    return out;
  }
}

/** A SQL literal for a canonical cell of a key-like column. */
export function cellLiteral(t: TypeSpec, v: string): string {
  switch (t.f) {
    case 'int':
    case 'decimal':
    case 'year':
      return v;
    default:
      return quoteString(v);
  }
}
