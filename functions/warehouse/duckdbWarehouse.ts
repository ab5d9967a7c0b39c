/**
 * DuckDB adapter: the local warehouse, one file (WAREHOUSE_PATH). Each session opens the file
 * (waiting out other writers), applies the idempotent RAW DDL, and closes it at the end of the
 * batch so dbt and other loaders can take their turn.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { ServiceError, errorMessage } from '../shared/errors';
import { changeColumns } from '../shared/tables';
import { duckdbDescribedType, LEDGER_TABLE, LOAD_ERRORS_TABLE, RAW_SCHEMA, rawDdlStatements } from './ddl';
import { withLockRetry, type LockRetryOptions } from './lockRetry';
import { acquireWriterMutex } from './writerMutex';
import { CorruptObjectError, type Log, type LoadResult, type ObjectToLoad, type Warehouse, type WarehouseSession } from './port';

export interface DuckdbWarehouseOptions {
  path: string;
  log: Log;
  lock: LockRetryOptions;
}

/** SQL string literal (DuckDB cannot bind a prepared parameter as a table function's file path). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Differences between a Parquet file's columns (as DuckDB DESCRIBEs them) and the lake contract. */
export function parquetSchemaProblems(
  table: Parameters<typeof changeColumns>[0],
  described: ReadonlyArray<{ name: string; type: string }>,
): string[] {
  const expected = changeColumns(table);
  const actual = new Map(described.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const col of expected) {
    const want = duckdbDescribedType(col);
    const got = actual.get(col.name);
    if (got === undefined) problems.push(`missing column ${col.name} (${want})`);
    else if (got !== want) problems.push(`column ${col.name} is ${got}, expected ${want}`);
  }
  const known = new Set(expected.map((c) => c.name));
  for (const c of described) if (!known.has(c.name)) problems.push(`unexpected column ${c.name} (${c.type})`);
  return problems;
}

/** DuckDB errors that come from the object's content rather than from the warehouse. */
function isContentError(err: unknown): boolean {
  return /^(Invalid Input|Conversion|Constraint|Out of Range) Error|parquet|magic bytes/i.test(errorMessage(err));
}

export function duckdbWarehouse(opts: DuckdbWarehouseOptions): Warehouse {
  return {
    name: 'duckdb',
    async open() {
      mkdirSync(dirname(opts.path), { recursive: true });
      // Threads of one process first take turns among themselves (see writerMutex.ts), then the
      // process waits for DuckDB's own lock, held by other processes (dbt, readers).
      const release = await acquireWriterMutex(`${opts.path}.writer-lock`, opts.log, { timeoutMs: opts.lock.timeoutMs }).catch(
        (err: unknown) => {
          throw new ServiceError('warehouse', errorMessage(err), { cause: err });
        },
      );
      const instance = await withLockRetry(opts.path, () => DuckDBInstance.create(opts.path), opts.log, opts.lock).catch(
        (err: unknown) => {
          release();
          if (err instanceof ServiceError) throw err;
          throw new ServiceError('warehouse', `cannot open DuckDB file ${opts.path}: ${errorMessage(err)}`, { cause: err });
        },
      );
      let conn: DuckDBConnection | undefined;
      try {
        conn = await instance.connect();
        for (const stmt of rawDdlStatements('duckdb')) await conn.run(stmt);
      } catch (err) {
        conn?.closeSync();
        instance.closeSync();
        release();
        throw new ServiceError('warehouse', `cannot prepare DuckDB file ${opts.path}: ${errorMessage(err)}`, { cause: err });
      }
      return duckdbSession(instance, conn, opts.log, release);
    },
  };
}

function duckdbSession(instance: DuckDBInstance, conn: DuckDBConnection, log: Log, release: () => void): WarehouseSession {
  const ledger = `${RAW_SCHEMA}.${LEDGER_TABLE}`;

  async function describe(object: ObjectToLoad, file: string): Promise<Array<{ name: string; type: string }>> {
    try {
      const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
      return r.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
    } catch (err) {
      throw new CorruptObjectError(object.key, `not a readable Parquet file: ${errorMessage(err)}`, { cause: err });
    }
  }

  return {
    async loadedKeys(keys) {
      if (keys.length === 0) return new Set();
      const r = await conn.runAndReadAll(`SELECT object_key FROM ${ledger} WHERE list_contains($keys, object_key)`, {
        keys: listValue([...keys]),
      });
      return new Set(r.getRowObjectsJson().map((row) => String(row.object_key)));
    },

    async load(object): Promise<LoadResult> {
      const file = await object.localFile();
      // Check the schema first: an implicit cast would hide a contract break (money as DOUBLE).
      const problems = parquetSchemaProblems(object.table, await describe(object, file));
      if (problems.length) throw new CorruptObjectError(object.key, problems.join('; '));

      const columns = changeColumns(object.table).map((c) => c.name);
      await conn.run('BEGIN TRANSACTION');
      try {
        const seen = await conn.runAndReadAll(`SELECT 1 FROM ${ledger} WHERE object_key = $key`, { key: object.key });
        if (seen.currentRowCount > 0) {
          await conn.run('ROLLBACK');
          return { status: 'already-loaded' };
        }
        const inserted = await conn.run(
          `INSERT INTO ${RAW_SCHEMA}.${object.table} (${columns.join(', ')}, _file, _loaded_at)
           SELECT ${columns.join(', ')}, $key, now() FROM read_parquet(${sqlString(file)})`,
          { key: object.key },
        );
        const rows = Number(inserted.rowsChanged);
        await conn.run(
          `INSERT INTO ${ledger} (object_key, table_name, etag, row_count, loaded_at) VALUES ($key, $table, $etag, $rows, now())`,
          {
            key: object.key,
            table: object.table,
            etag: object.etag,
            rows,
          },
        );
        await conn.run('COMMIT');
        return { status: 'loaded', rows };
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        if (isContentError(err)) throw new CorruptObjectError(object.key, errorMessage(err), { cause: err });
        throw new ServiceError('warehouse', `loading ${object.key} into DuckDB failed: ${errorMessage(err)}`, { cause: err });
      }
    },

    async recordFailure(key, etag, reason) {
      await conn.run(
        `INSERT INTO ${RAW_SCHEMA}.${LOAD_ERRORS_TABLE} (object_key, etag, reason, failed_at) VALUES ($key, $etag, $reason, now())`,
        {
          key,
          etag,
          reason,
        },
      );
    },

    async close() {
      try {
        conn.closeSync();
        instance.closeSync();
      } finally {
        release();
      }
      log.debug('warehouse file released');
    },
  };
}
