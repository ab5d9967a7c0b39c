/**
 * The manifest (functions/shared/manifest.ts) of an object's columns as the writer holds them:
 * physical values, decimals as unscaled bigints, so the sums are exact without parsing text.
 */
import type { Physical } from '../decode/columnValues';
import { buildManifest, moneyColumns, type KeyValue, type Manifest } from '../../shared/manifest';
import { tableDef, type ColumnDef, type TableName } from '../../shared/tables';

export function objectManifest(table: TableName, defs: readonly ColumnDef[], data: readonly Physical[][]): Manifest {
  const at = (name: string): Physical[] => {
    const i = defs.findIndex((d) => d.name === name);
    if (i < 0) throw new Error(`object of ${table} lacks column ${name}`);
    return data[i]!;
  };
  return buildManifest(table, {
    key: tableDef(table).key.map((k) => at(k) as KeyValue[]),
    lsn: at('_lsn') as bigint[],
    op: at('_op') as string[],
    topic: at('_kafka_topic') as string[],
    partition: at('_kafka_partition') as number[],
    offset: at('_kafka_offset') as bigint[],
    money: Object.fromEntries(moneyColumns(table).map((c) => [c.name, at(c.name) as Array<bigint | null>])),
  });
}
