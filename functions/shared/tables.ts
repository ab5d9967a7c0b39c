/**
 * The one description of each captured table: its columns, their types and its key.
 * Postgres DDL is checked against it, and the CDC decoder, the Parquet schema, the
 * warehouse DDL and the reconciliation all derive from it.
 */

export type ColumnType =
  | 'int32' // SERIAL / INTEGER
  | 'int64' // BIGSERIAL / BIGINT
  | 'text' // VARCHAR(n)
  | 'char' // CHAR(n)
  | 'decimal' // NUMERIC(precision, scale): exact, never a float
  | 'timestamptz'; // TIMESTAMPTZ: UTC, microsecond precision

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** VARCHAR / CHAR length. */
  readonly length?: number;
  /** NUMERIC precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
}

export type TableName = 'customers' | 'accounts' | 'transactions';

export interface TableDef {
  readonly name: TableName;
  readonly key: readonly string[];
  readonly columns: readonly ColumnDef[];
}

export const MONEY = { type: 'decimal', precision: 18, scale: 2 } as const;

export const TABLES: Readonly<Record<TableName, TableDef>> = {
  customers: {
    name: 'customers',
    key: ['id'],
    columns: [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'first_name', type: 'text', length: 100, nullable: false },
      { name: 'last_name', type: 'text', length: 100, nullable: false },
      { name: 'email', type: 'text', length: 255, nullable: false },
      { name: 'created_at', type: 'timestamptz', nullable: false },
    ],
  },
  accounts: {
    name: 'accounts',
    key: ['id'],
    columns: [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'customer_id', type: 'int32', nullable: false },
      { name: 'account_type', type: 'text', length: 50, nullable: false },
      { name: 'balance', ...MONEY, nullable: false },
      { name: 'currency', type: 'char', length: 3, nullable: false },
      { name: 'status', type: 'text', length: 20, nullable: false },
      { name: 'created_at', type: 'timestamptz', nullable: false },
    ],
  },
  transactions: {
    name: 'transactions',
    key: ['id'],
    columns: [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'account_id', type: 'int32', nullable: false },
      { name: 'txn_type', type: 'text', length: 50, nullable: false },
      { name: 'amount', ...MONEY, nullable: false },
      { name: 'related_account_id', type: 'int32', nullable: true },
      { name: 'status', type: 'text', length: 20, nullable: false },
      { name: 'created_at', type: 'timestamptz', nullable: false },
    ],
  },
};

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/**
 * Change-data-capture metadata carried by every change row, after the table's own columns.
 * `_op`: c (insert), u (update), d (delete, row holds the before image), r (snapshot read).
 */
export const CDC_COLUMNS: readonly ColumnDef[] = [
  { name: '_op', type: 'char', length: 1, nullable: false },
  { name: '_lsn', type: 'int64', nullable: false },
  { name: '_source_ts_ms', type: 'int64', nullable: false },
  { name: '_tx_id', type: 'int64', nullable: true },
  { name: '_kafka_topic', type: 'text', length: 255, nullable: false },
  { name: '_kafka_partition', type: 'int32', nullable: false },
  { name: '_kafka_offset', type: 'int64', nullable: false },
];

export const CDC_OPS = ['c', 'u', 'd', 'r'] as const;
export type CdcOp = (typeof CDC_OPS)[number];

/** Columns of a change row: the table's own, then the CDC metadata. */
export function changeColumns(table: TableName): readonly ColumnDef[] {
  return [...TABLES[table].columns, ...CDC_COLUMNS];
}

/** Debezium's topic for a table: `<prefix>.public.<table>`. */
export function topicFor(table: TableName, prefix = 'banking_server'): string {
  return `${prefix}.public.${table}`;
}

/** The table a Debezium topic carries, or undefined when the topic is not ours. */
export function tableForTopic(topic: string): TableName | undefined {
  const name = topic.split('.').pop();
  return TABLE_NAMES.find((t) => t === name);
}

/** Postgres type for a column, as in sql/postgres (without defaults and constraints). */
export function postgresType(col: ColumnDef): string {
  switch (col.type) {
    case 'int32':
      return 'integer';
    case 'int64':
      return 'bigint';
    case 'text':
      return `character varying(${col.length})`;
    case 'char':
      return `character(${col.length})`;
    case 'decimal':
      return `numeric(${col.precision},${col.scale})`;
    case 'timestamptz':
      return 'timestamp with time zone';
  }
}
