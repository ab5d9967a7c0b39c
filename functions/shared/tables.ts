/**
 * The optional, stricter contract of the tables it declares: their columns, types and key.
 * Postgres DDL is checked against it, and the CDC decoder, the Parquet schema, the warehouse
 * DDL and the reconciliation derive from it. Any other captured table (CAPTURED_TABLES) flows
 * too, typed from the envelope's inline schema: `TableName` is any table name, `DeclaredTable`
 * one of those below.
 */
import { typeName } from './typeNames';

export type ColumnType =
  | 'int32' // SERIAL / INTEGER
  | 'int64' // BIGSERIAL / BIGINT
  | 'text' // VARCHAR(n)
  | 'char' // CHAR(n)
  | 'decimal' // NUMERIC(precision <= 38, scale): exact, never a float
  | 'timestamptz' // TIMESTAMPTZ: UTC, microsecond precision
  | 'boolean' // BOOLEAN
  | 'float' // REAL: IEEE single, bit-exact (NaN and infinities included)
  | 'double' // DOUBLE PRECISION: IEEE double, bit-exact
  | 'date' // DATE: days since 1970-01-01
  | 'time' // TIME: microseconds since midnight
  | 'timestamp' // TIMESTAMP without time zone: microseconds, no zone
  | 'bytes'; // BYTEA

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** VARCHAR / CHAR length. */
  readonly length?: number;
  /** NUMERIC precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
  /**
   * How Debezium writes the value when it is not the type's usual form: `millis` for a TIMESTAMP(0-3)
   * (io.debezium.time.Timestamp), `json` for a text column that holds an array as JSON text.
   */
  readonly source?: 'millis' | 'json';
}

/** The tables this file declares. */
export type DeclaredTable = 'customers' | 'accounts' | 'transactions';
/** Any captured table (a Postgres table of schema public): declared here or not. */
export type TableName = string;

export interface TableDef {
  readonly name: TableName;
  readonly key: readonly string[];
  readonly columns: readonly ColumnDef[];
}

export const MONEY = { type: 'decimal', precision: 18, scale: 2 } as const;

type ColumnSpec = ColumnType | (Omit<ColumnDef, 'name' | 'nullable'> & { readonly nullable?: boolean });
const text = (length: number) => ({ type: 'text', length }) as const;
const char = (length: number) => ({ type: 'char', length }) as const;
const nullable = (type: ColumnType) => ({ type, nullable: true }) as const;

/** A table keyed by `id`, its columns in order; NOT NULL unless nullable(). */
function table(name: DeclaredTable, columns: Readonly<Record<string, ColumnSpec>>): TableDef {
  const column = (col: string, spec: ColumnSpec): ColumnDef =>
    typeof spec === 'string'
      ? { name: col, type: spec, nullable: false }
      : { name: col, ...spec, nullable: spec.nullable ?? false };
  return { name, key: ['id'], columns: Object.entries(columns).map(([col, spec]) => column(col, spec)) };
}

export const TABLES: Readonly<Record<DeclaredTable, TableDef>> = {
  customers: table('customers', {
    id: 'int32',
    first_name: text(100),
    last_name: text(100),
    email: text(255),
    created_at: 'timestamptz',
  }),
  accounts: table('accounts', {
    id: 'int32',
    customer_id: 'int32',
    account_type: text(50),
    balance: MONEY,
    currency: char(3),
    status: text(20),
    created_at: 'timestamptz',
  }),
  transactions: table('transactions', {
    id: 'int64',
    account_id: 'int32',
    txn_type: text(50),
    amount: MONEY,
    related_account_id: nullable('int32'),
    status: text(20),
    created_at: 'timestamptz',
  }),
};

export const TABLE_NAMES = Object.keys(TABLES) as DeclaredTable[];

export function isDeclared(table: TableName): table is DeclaredTable {
  return Object.prototype.hasOwnProperty.call(TABLES, table);
}

const undeclared = new Map<TableName, TableDef>();

/**
 * A table's definition: tables.ts's for a declared table; for any other, one with no columns and
 * no declared key (its columns all come from the inline schema, as columns added at run time do).
 */
export function tableDef(table: TableName): TableDef {
  if (isDeclared(table)) return TABLES[table];
  let def = undeclared.get(table);
  if (!def) undeclared.set(table, (def = { name: table, key: [], columns: [] }));
  return def;
}

/**
 * A captured table's name as CAPTURED_TABLES, topics and lake keys spell it: a Postgres identifier
 * that needs no quoting in a topic or an object key (letters, digits, `_`; case kept).
 */
export const CAPTURED_TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  // The record-identity epoch (KAFKA_EPOCH): with topic, partition and offset it identifies a Kafka
  // record across recreated topics and clusters. Null in objects written before it existed (epoch 0).
  { name: '_kafka_epoch', type: 'int32', nullable: true },
  // Columns whose value Debezium could not send (an unchanged TOASTed value under REPLICA IDENTITY
  // DEFAULT), as a JSON array of names; they hold null here, and dbt staging carries the key's
  // previous value forward. Null when every value was sent.
  { name: '_unavailable_columns', type: 'text', nullable: true },
];

export const CDC_OPS = ['c', 'u', 'd', 'r'] as const;
export type CdcOp = (typeof CDC_OPS)[number];

/** Columns of a change row: the table's own, then the CDC metadata. */
export function changeColumns(table: TableName): readonly ColumnDef[] {
  return [...tableDef(table).columns, ...CDC_COLUMNS];
}

/** Debezium's topic for a table: `<prefix>.public.<table>`. */
export function topicFor(table: TableName, prefix = 'banking_server'): string {
  return `${prefix}.public.${table}`;
}

/** The table a Debezium topic (`<prefix>.public.<table>`) carries, or undefined when it is not such a topic. */
export function tableForTopic(topic: string): TableName | undefined {
  const parts = topic.split('.');
  const name = parts.pop();
  if (parts.length < 2 || parts.pop() !== 'public' || !name || !CAPTURED_TABLE_NAME.test(name)) return undefined;
  return name;
}

/** Postgres type for a column, as in sql/postgres (without defaults and constraints). */
export function postgresType(col: ColumnDef): string {
  return typeName('postgres', col.type, col);
}
