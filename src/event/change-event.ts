import type { Column, TableId, TableSchema } from './table-schema.js';
import type { ColumnType, Value } from './column-type.js';

/** A row image: one value per column of the table schema in force, in column order. */
export type Row = readonly (Value | undefined)[];

export type RowOp = 'insert' | 'update' | 'delete';

/** Where an event came from, for lineage, metadata columns and error messages. */
export interface EventMeta {
  /** Commit time at the source (binlog event timestamp), epoch milliseconds; 0 during snapshot. */
  readonly tsMs: number;
  /** True for rows read by the snapshot phase (Debezium's op "r"). */
  readonly snapshot?: boolean;
  /** Human-readable source location, e.g. "mysql-bin.000003:4711". */
  readonly location?: string;
}

export interface DataChangeEvent {
  readonly kind: 'data';
  readonly tableId: TableId;
  readonly op: RowOp;
  /** Present for update and delete. */
  readonly before: Row | null;
  /** Present for insert and update. */
  readonly after: Row | null;
  readonly meta: EventMeta;
}

export type AddColumnPosition =
  | { readonly kind: 'last' }
  | { readonly kind: 'first' }
  | { readonly kind: 'after'; readonly column: string }
  | { readonly kind: 'before'; readonly column: string };

/** One column of an add-column change. */
export interface AddedColumn {
  readonly column: Column;
  readonly position: AddColumnPosition;
  /**
   * The value that the rows already in the table hold in the new column (the server fills them
   * when the column is added; no row events say so), in the Value form of the column type;
   * absent means NULL.
   */
  readonly existingValue?: Value;
  /**
   * Set when the source cannot know what the existing rows hold (AUTO_INCREMENT, a generated column,
   * an expression default): why. A sink that holds rows of the table cannot add the column exactly.
   */
  readonly existingUnknown?: string;
}

/**
 * A change of one table's schema, as a source saw it (Flink CDC's SchemaChangeEvent family, plus
 * what exact replication needs: primary-key changes, column order, table renames).
 */
export type SchemaChange =
  | { readonly type: 'create-table'; readonly schema: TableSchema }
  | { readonly type: 'add-column'; readonly columns: readonly AddedColumn[] }
  | { readonly type: 'drop-column'; readonly columns: readonly string[] }
  | {
      readonly type: 'rename-column';
      readonly renames: readonly { readonly from: string; readonly to: string }[];
    }
  | {
      readonly type: 'alter-column-type';
      readonly changes: readonly {
        readonly column: string;
        readonly type: ColumnType;
        readonly nullable: boolean;
        /**
         * Set when the source converted the existing values in a way a sink cannot redo from its
         * copy (rounding, padding, reformatting): why. A sink holding rows cannot apply it exactly.
         */
        readonly existingUnknown?: string;
      }[];
    }
  /** The new order of all columns (MODIFY/CHANGE … FIRST|AFTER); names and types unchanged. */
  | { readonly type: 'reorder-columns'; readonly columns: readonly string[] }
  /** The new primary key, in key order (empty: the table has none any more). */
  | { readonly type: 'alter-primary-key'; readonly primaryKeys: readonly string[] }
  /** The table is known as `to` from now on, with its rows. */
  | { readonly type: 'rename-table'; readonly to: TableId }
  | { readonly type: 'drop-table' }
  | { readonly type: 'truncate-table' };

export type SchemaChangeType = SchemaChange['type'];

export interface SchemaChangeEvent {
  readonly kind: 'schema';
  readonly tableId: TableId;
  readonly change: SchemaChange;
  /** The DDL text that caused it, when there was one. */
  readonly ddl?: string;
  readonly meta: EventMeta;
}

export type ChangeEvent = DataChangeEvent | SchemaChangeEvent;
