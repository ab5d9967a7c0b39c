/**
 * Snowflake adapter. Talks to Snowflake through a tiny SqlConnection (one statement at a time),
 * implemented over snowflake-sdk in snowflakeConnection.ts and by a fake in the unit tests.
 */
import { ServiceError, errorMessage } from '../shared/errors';
import { CorruptObjectError, type Log, type LoadResult, type ObjectToLoad, type Warehouse, type WarehouseSession } from './port';
import { evolveSchema } from './snowflakeSchema';
import { ObjectMissingError } from './objectStore';
import {
  copyStatement,
  ledgerInsert,
  ledgerLookup,
  loadErrorInsert,
  putStatement,
  rowsLoaded,
  snowflakeDdl,
  validateTarget,
  type SnowflakeTarget,
} from './snowflakeSql';

export type SqlBind = string | number | null;

export interface SqlConnection {
  execute(sql: string, binds?: readonly SqlBind[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Snowflake user errors about a file's content (parse errors, values that do not fit a column)
 * have codes 100xxx; anything else (auth, network, compilation, warehouse suspended) is the
 * warehouse refusing, and the event is retried.
 */
export function isSnowflakeContentError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? /^100\d{3}$/.test(String(code)) : false;
}

export function snowflakeWarehouse(opts: {
  target: SnowflakeTarget;
  connect: () => Promise<SqlConnection>;
  log: Log;
}): Warehouse {
  const target = validateTarget(opts.target);
  // One connection per container, kept across invocations: connecting and the DDL cost a few
  // round trips each; after a failure the session may still finish with it, and the next session
  // reconnects.
  let kept: SqlConnection | undefined;
  let suspect = false;
  const drop = async () => {
    const c = kept;
    kept = undefined;
    await c?.close().catch(() => undefined);
  };
  return {
    name: 'snowflake',
    async open() {
      if (kept && suspect) await drop();
      suspect = false;
      if (!kept) {
        let conn: SqlConnection;
        try {
          conn = await opts.connect();
        } catch (err) {
          throw new ServiceError('warehouse', `cannot connect to Snowflake: ${errorMessage(err)}`, { cause: err });
        }
        try {
          for (const stmt of snowflakeDdl(target)) await conn.execute(stmt);
        } catch (err) {
          await conn.close().catch(() => undefined);
          throw new ServiceError('warehouse', `cannot prepare Snowflake RAW schema: ${errorMessage(err)}`, { cause: err });
        }
        kept = conn;
      }
      const session = snowflakeSession(kept, target, opts.log);
      const onError = async (err: unknown) => {
        if (!(err instanceof CorruptObjectError)) suspect = true;
        throw err;
      };
      return {
        loadedKeys: (keys) => session.loadedKeys(keys).catch(onError),
        loadAll: (objects) => session.loadAll(objects).catch(onError),
        recordFailure: (key, etag, reason) => session.recordFailure(key, etag, reason).catch(onError),
        close: async () => undefined,
      };
    },
    release: drop,
  };
}

function snowflakeSession(conn: SqlConnection, target: SnowflakeTarget, log: Log): Omit<WarehouseSession, 'close'> {
  return {
    async loadedKeys(keys) {
      const found = new Set<string>();
      // Chunked: Snowflake caps bind variables per statement.
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const rows = await conn.execute(ledgerLookup(target, chunk.length), chunk);
        for (const r of rows) found.add(String(r.OBJECT_KEY ?? r.object_key));
      }
      return found;
    },

    async loadAll(objects): Promise<LoadResult[]> {
      // Objects already in the ledger are neither staged nor read (the transaction checks again).
      const already = await this.loadedKeys(objects.map((o) => o.key));
      const todo = objects.filter((o) => !already.has(o.key));
      if (todo.length === 0) return objects.map(() => ({ status: 'already-loaded' }));
      if (!target.stage) {
        for (const object of todo) {
          const local = await object.localFile().catch((err: unknown) => {
            if (err instanceof ObjectMissingError) throw err;
            throw new ServiceError('s3', `cannot download ${object.key} to stage it: ${errorMessage(err)}`, { cause: err });
          });
          try {
            await conn.execute(putStatement(target, object.table, object.key, local));
          } catch (err) {
            throw new ServiceError('warehouse', `PUT of ${object.key} to the table stage failed: ${errorMessage(err)}`, {
              cause: err,
            });
          }
        }
      }
      await evolveSchema(conn, target, todo, log);
      await conn.execute('BEGIN');
      let current: (typeof objects)[number] | undefined;
      try {
        const results: LoadResult[] = [];
        for (const object of objects) {
          current = object;
          results.push(already.has(object.key) ? { status: 'already-loaded' } : await loadOne(conn, target, object, log));
        }
        await conn.execute('COMMIT');
        return results;
      } catch (err) {
        await conn.execute('ROLLBACK').catch(() => undefined);
        if (err instanceof CorruptObjectError) throw err;
        const key = current?.key ?? '(none)';
        if (isSnowflakeContentError(err)) throw new CorruptObjectError(key, errorMessage(err), { cause: err });
        throw new ServiceError('warehouse', `loading ${key} into Snowflake failed: ${errorMessage(err)}`, { cause: err });
      }
    },

    async recordFailure(key, etag, reason) {
      await conn.execute(loadErrorInsert(target), [key, etag, reason]);
    },
  };
}

async function loadOne(conn: SqlConnection, target: SnowflakeTarget, object: ObjectToLoad, log: Log): Promise<LoadResult> {
  const seen = await conn.execute(ledgerLookup(target, 1), [object.key]);
  if (seen.length > 0) return { status: 'already-loaded' };
  const { rows, loadedFiles } = rowsLoaded(await conn.execute(copyStatement(target, object.table, object.key)));
  // The ledger row is written even when COPY skipped the file (its load history says it is
  // in already), so later deliveries stop at the ledger.
  await conn.execute(ledgerInsert(target), [object.key, object.table, object.etag, rows]);
  if (loadedFiles === 0) {
    log.warn('Snowflake load history already had this file; ledger row added', { key: object.key });
    return { status: 'already-loaded' };
  }
  return { status: 'loaded', rows };
}
