/**
 * The statements of a DuckDB warehouse session: many objects per transaction, each object's
 * columns matched by name from its own Parquet footer, RAW extended (ALTER TABLE ADD COLUMN)
 * for columns it has not seen yet, and the ledger rows in the same transaction as the rows.
 */
import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { ServiceError, errorMessage } from '../shared/errors';
import type { TableName } from '../shared/tables';
import { parseLakeKey } from '../shared/objectKeys';
import { LEDGER_TABLE, LOAD_ERRORS_TABLE, RAW_SCHEMA, rawTable, rawTableFromObject } from './ddl';
import { duckdbIdent as ident } from './identifiers';
import { duckdbColumnType, readLakeColumns, type LakeColumn } from './parquetColumns';
import { CorruptObjectError } from './errors';
import { type Log, type LoadResult, type ObjectToLoad, type WarehouseSession } from './port';
import { planColumns } from './rawColumns';
import { checkAgainstManifest, manifestOfRawRows, manifestSelectList, objectManifest } from './manifestCheck';
import { manifestText, type Manifest } from '../shared/manifest';
import { mapBounded } from '../shared/async';

/** SQL string literal (DuckDB cannot bind a prepared parameter as a table function's file path). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** DuckDB errors that come from the object's content rather than from the warehouse. */
export function isContentError(err: unknown): boolean {
  return /^(Invalid Input|Conversion|Constraint|Out of Range) Error|parquet|magic bytes/i.test(errorMessage(err));
}

/** Downloads run in parallel, a few at a time: MinIO answers each in a few ms. */
const DOWNLOADS_IN_PARALLEL = 8;

export type DuckdbStatements = Omit<WarehouseSession, 'close'>;

export function duckdbStatements(conn: DuckDBConnection, log: Log): DuckdbStatements {
  const ledger = `${RAW_SCHEMA}.${LEDGER_TABLE}`;
  /** RAW's columns per table (name -> information_schema data_type); dropped on rollback. */
  const rawColumnCache = new Map<TableName, Map<string, string>>();

  async function rawColumns(table: TableName): Promise<Map<string, string>> {
    let cols = rawColumnCache.get(table);
    if (!cols) {
      const r = await conn.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $schema AND table_name = $table`,
        { schema: RAW_SCHEMA, table },
      );
      cols = new Map(r.getRowObjectsJson().map((row) => [String(row.column_name), String(row.data_type)]));
      rawColumnCache.set(table, cols);
    }
    return cols;
  }

  async function loadedKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const r = await conn.runAndReadAll(`SELECT object_key FROM ${ledger} WHERE list_contains($keys, object_key)`, {
      keys: listValue([...keys]),
    });
    return new Set(r.getRowObjectsJson().map((row) => String(row.object_key)));
  }

  async function columnsOf(
    object: ObjectToLoad,
    file: string,
  ): Promise<{ columns: LakeColumn[]; rows: number; manifest: Manifest | null }> {
    let read: Awaited<ReturnType<typeof readLakeColumns>>;
    try {
      read = await readLakeColumns(file);
    } catch (err) {
      throw new CorruptObjectError(object.key, `not a readable Parquet file: ${errorMessage(err)}`, { cause: err });
    }
    if (read.problems.length) throw new CorruptObjectError(object.key, read.problems.join('; '));
    return { columns: read.columns, rows: read.rows, manifest: objectManifest(object.key, read.manifest) };
  }

  /**
   * What RAW holds for the object's Kafka records, whichever object inserted them (a record already
   * in RAW from an overlapping object is not inserted twice), checked against its manifest.
   */
  async function checkManifest(object: ObjectToLoad, file: string, manifest: Manifest): Promise<void> {
    // The manifest's own coordinates bound the look-up (zone maps); the file's offsets select the records.
    const [first, last] = manifest.offsets ?? ['0', '-1'];
    // The epoch is part of a record's identity (rows from before epochs hold NULL: epoch 0).
    const epoch = (await rawColumns(object.table)).has('_kafka_epoch')
      ? ` AND coalesce(_kafka_epoch, 0) = ${parseLakeKey(object.key).epoch ?? 0}`
      : '';
    const reader = await conn.runAndReadAll(
      `SELECT ${manifestSelectList('duckdb', object.table)} FROM ${rawTable('duckdb', object.table)}
        WHERE _kafka_partition = $partition AND _kafka_offset BETWEEN $first AND $last AND _kafka_topic = $topic${epoch}
          AND _kafka_offset IN (SELECT _kafka_offset FROM read_parquet(${sqlString(file)}))`,
      { partition: manifest.partition, first: BigInt(first), last: BigInt(last), topic: manifest.topic },
    );
    checkAgainstManifest(object.key, manifest, manifestOfRawRows(object.table, reader.getRows()));
  }

  /** One object's rows, inside the caller's transaction; RAW gains the object's new columns first. */
  async function insertObject(object: ObjectToLoad, file: string, columns: LakeColumn[]): Promise<number> {
    const table = object.table;
    const raw = await rawColumns(table);
    if (raw.size === 0) {
      // A table tables.ts does not declare: RAW's table comes from its first object (in this transaction).
      const typed = columns.map((c) => ({ name: c.name, type: duckdbColumnType(c.type) }));
      await conn.run(rawTableFromObject('duckdb', table, typed));
      for (const c of typed) raw.set(c.name, c.type);
      raw.set('_file', 'VARCHAR').set('_loaded_at', 'TIMESTAMP WITH TIME ZONE');
      log.info('created a RAW table from its first object', { table, columns: typed.length, from: object.key });
    }
    const plan = planColumns(table, columns, raw, duckdbColumnType);
    if ('problems' in plan) throw new CorruptObjectError(object.key, plan.problems.join('; '));
    for (const col of plan.add) {
      const type = duckdbColumnType(col.type);
      await conn.run(`ALTER TABLE ${rawTable('duckdb', table)} ADD COLUMN ${ident(col.name)} ${type}`);
      raw.set(col.name, type);
      log.info('added a column to RAW', { table, column: col.name, type, from: object.key });
    }
    for (const col of plan.widen) {
      const type = duckdbColumnType(col.type);
      await conn.run(`ALTER TABLE ${rawTable('duckdb', table)} ALTER COLUMN ${ident(col.name)} SET DATA TYPE ${type}`);
      raw.set(col.name, type);
      log.info('widened a RAW column', { table, column: col.name, type, from: object.key });
    }
    const names = plan.insert.map(ident).join(', ');
    // A Kafka record already in RAW is not inserted again: a batch the writer stored but could not
    // commit is consumed again after a crash, possibly cut at other offsets, into another object.
    // The key's partition and offset range bound the lookup (DuckDB's zone maps skip the rest). The
    // epoch is part of a record's identity: a recreated topic's offset 0 is not an older epoch's.
    // Rows and objects from before epochs hold NULL / carry no `_kafka_epoch`: epoch 0.
    const { partition, firstOffset, lastOffset } = parseLakeKey(object.key);
    const epochOf = (alias: string, has: boolean) => (has ? `coalesce(${alias}._kafka_epoch, 0)` : '0');
    const sameEpoch = `${epochOf('r', raw.has('_kafka_epoch'))} = ${epochOf('n', plan.insert.includes('_kafka_epoch'))}`;
    try {
      const inserted = await conn.run(
        `INSERT INTO ${rawTable('duckdb', table)} (${names}, _file, _loaded_at)
         SELECT ${plan.insert.map((c) => `n.${ident(c)}`).join(', ')}, $key, now() FROM read_parquet(${sqlString(file)}) AS n
          WHERE NOT EXISTS (
            SELECT 1 FROM ${rawTable('duckdb', table)} AS r
             WHERE r._kafka_partition = ${partition} AND r._kafka_offset BETWEEN ${firstOffset} AND ${lastOffset}
               AND r._kafka_partition = n._kafka_partition AND r._kafka_offset = n._kafka_offset
               AND r._kafka_topic = n._kafka_topic
               AND ${sameEpoch})`,
        { key: object.key },
      );
      return Number(inserted.rowsChanged);
    } catch (err) {
      if (isContentError(err)) throw new CorruptObjectError(object.key, errorMessage(err), { cause: err });
      throw err;
    }
  }

  return {
    loadedKeys,

    async loadAll(objects): Promise<LoadResult[]> {
      // Where a batch's time goes, in its log line: the pipeline bench reads them to find the slow stage.
      const t0 = performance.now();
      const files = await mapBounded(objects, DOWNLOADS_IN_PARALLEL, (o) => o.localFile());
      const t1 = performance.now();
      const columns = await Promise.all(objects.map((o, i) => columnsOf(o, files[i]!)));
      const t2 = performance.now();
      await conn.run('BEGIN TRANSACTION');
      try {
        const already = await loadedKeys(objects.map((o) => o.key));
        const results: LoadResult[] = [];
        const ledgerRows: string[] = [];
        for (const [i, object] of objects.entries()) {
          if (already.has(object.key)) {
            results.push({ status: 'already-loaded' });
            continue;
          }
          const rows = await insertObject(object, files[i]!, columns[i]!.columns);
          if (rows < columns[i]!.rows) {
            log.info('records already in RAW not loaded again', { key: object.key, skipped: columns[i]!.rows - rows, rows });
          }
          const manifest = columns[i]!.manifest;
          if (manifest) await checkManifest(object, files[i]!, manifest);
          else log.info('object has no manifest (written before manifests): loaded unverified', { key: object.key });
          const etag = object.etag === null ? 'NULL' : sqlString(object.etag);
          const text = manifest ? sqlString(manifestText(manifest)) : 'NULL';
          ledgerRows.push(`(${sqlString(object.key)}, ${sqlString(object.table)}, ${etag}, ${rows}, now(), ${text})`);
          results.push({ status: 'loaded', rows });
        }
        if (ledgerRows.length > 0) {
          await conn.run(
            `INSERT INTO ${ledger} (object_key, table_name, etag, row_count, loaded_at, manifest) VALUES ${ledgerRows.join(', ')}`,
          );
        }
        const t3 = performance.now();
        await conn.run('COMMIT');
        const ms = (a: number, b: number) => Math.round(b - a);
        log.info('batch loaded', {
          objects: objects.length,
          rows: results.reduce((n, r) => n + (r.status === 'loaded' ? r.rows : 0), 0),
          ms: { download: ms(t0, t1), footers: ms(t1, t2), insert: ms(t2, t3), commit: ms(t3, performance.now()) },
        });
        return results;
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        rawColumnCache.clear(); // an ALTER of this transaction is undone too
        if (err instanceof CorruptObjectError) throw err;
        const what = objects.length === 1 ? objects[0]!.key : `${objects.length} objects`;
        throw new ServiceError('warehouse', `loading ${what} into DuckDB failed: ${errorMessage(err)}`, { cause: err });
      }
    },

    async recordFailure(key, etag, reason) {
      await conn.run(
        `INSERT INTO ${RAW_SCHEMA}.${LOAD_ERRORS_TABLE} (object_key, etag, reason, failed_at) VALUES ($key, $etag, $reason, now())`,
        { key, etag, reason },
      );
    },
  };
}
