import { ServiceError } from '../shared/errors';
import type { Log, ObjectToLoad } from './port';
import { copyResult, copyStatement, fileMatchesKey, type SnowflakeTarget } from './snowflakeSql';
import type { SqlConnection } from './snowflakeWarehouse';

/**
 * COPY the objects (one table); returns the rows each loaded. The ledger lacks every one of them,
 * so a file COPY skips ("already loaded" by Snowflake's load metadata: a load in a transaction
 * that was undone, or a re-drive past the 64-day metadata horizon) is COPYd again with FORCE; a
 * file still not loaded after that is the warehouse refusing, never an empty ledger row.
 */
export async function copyFiles(
  conn: SqlConnection,
  target: SnowflakeTarget,
  objects: readonly ObjectToLoad[],
  log: Log,
): Promise<Map<string, number>> {
  const table = objects[0]!.table;
  const loaded = new Map<string, number>();
  const collect = (result: Array<Record<string, unknown>>) => {
    const files = copyResult(result);
    for (const o of objects) {
      const f = files.find((x) => fileMatchesKey(x.file, o.key));
      if (f && (f.status === 'LOADED' || f.status === 'PARTIALLY_LOADED')) loaded.set(o.key, f.rows);
    }
  };
  collect(
    await conn.execute(
      copyStatement(
        target,
        table,
        objects.map((o) => o.key),
      ),
    ),
  );
  const skipped = objects.filter((o) => !loaded.has(o.key)).map((o) => o.key);
  if (skipped.length > 0) {
    log.warn("COPY skipped files the ledger lacks (Snowflake's load metadata had them); loading them again with FORCE", {
      table,
      files: skipped.length,
      first: skipped[0],
    });
    collect(await conn.execute(copyStatement(target, table, skipped, { force: true })));
    const still = objects.filter((o) => !loaded.has(o.key)).map((o) => o.key);
    if (still.length > 0) {
      throw new ServiceError('warehouse', `COPY did not load ${still.length} file(s) even with FORCE, first ${still[0]}`, {
        hint: "check that the stage holds the file (LIST @stage) and that the stage's URL is the lake bucket's root",
      });
    }
  }
  return loaded;
}
