/**
 * Re-drive the warehouse loader over the lake (safe to run twice: already-loaded objects are skipped).
 *
 *   npm run backfill -- --prefix accounts/date=2024-05-01/
 *   npm run backfill -- --from 2024-05-01 --to 2024-05-03 [--table accounts] [--batch-size 50]
 *
 * Exits 1 when any object failed to load (each is printed with its key and reason), 2 on bad flags.
 */
import { parseArgs } from 'node:util';
import { loadSettings } from '../stack/settings';
import { errorMessage, UsageError } from '../../../functions/shared/errors';
import { getLogger } from '../../../functions/shared/logger';
import { TABLE_NAMES, type TableName } from '../../../functions/shared/tables';
import { backfill, formatReport } from '../../../functions/loader/backfill';
import { objectStoreFromConfig, warehouseFromConfig } from '../../../functions/loader/fromConfig';
import { prefixesForDates } from '../../../functions/shared/objectKeys';

export interface BackfillArgs {
  prefixes: string[];
  batchSize: number;
}

export { UsageError };

const USAGE = 'usage: backfill --prefix <p> [--prefix <p>...] | --from YYYY-MM-DD --to YYYY-MM-DD [--table t] [--batch-size n]';

export function parseBackfillArgs(argv: string[]): BackfillArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        prefix: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        table: { type: 'string', multiple: true },
        'batch-size': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${errorMessage(err)}\n${USAGE}`);
  }
  const batchSize = Number(values['batch-size'] ?? 50);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer\n${USAGE}`);
  const tables = (values.table ?? []).map((t) => {
    const found = TABLE_NAMES.find((n) => n === t);
    if (!found) throw new UsageError(`--table ${t}: expected one of ${TABLE_NAMES.join(', ')}`);
    return found;
  });
  if (values.prefix?.length) {
    if (values.from || values.to || tables.length)
      throw new UsageError(`--prefix cannot be combined with --from/--to/--table\n${USAGE}`);
    return { prefixes: values.prefix, batchSize };
  }
  if (!values.from || !values.to) throw new UsageError(`give --prefix, or both --from and --to\n${USAGE}`);
  try {
    return {
      prefixes: prefixesForDates(values.from, values.to, tables.length ? (tables as TableName[]) : TABLE_NAMES),
      batchSize,
    };
  } catch (err) {
    throw new UsageError(`${errorMessage(err)}\n${USAGE}`);
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE.replace('usage: backfill', 'usage: npm run backfill --'));
    return 0;
  }
  let args: BackfillArgs;
  try {
    args = parseBackfillArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return 2;
  }
  const cfg = loadSettings();
  const log = getLogger('backfill');
  const report = await backfill(
    { bucket: cfg.MINIO_BUCKET, prefixes: args.prefixes, batchSize: args.batchSize },
    { warehouse: warehouseFromConfig(cfg, log), store: objectStoreFromConfig(cfg), log, dlqPrefix: cfg.DLQ_PREFIX },
  );
  process.stdout.write(`${formatReport(report)}\n`);
  return report.failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`backfill failed: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
