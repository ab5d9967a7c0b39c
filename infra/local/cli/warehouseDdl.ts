/**
 * Print the RAW DDL for a dialect, generated from the table definitions:
 *   npx tsx infra/local/cli/warehouseDdl.ts duckdb > sql/warehouse/duckdb.sql
 * (tests/unit/loader/ddl.test.ts fails when the committed files fall behind tables.ts).
 */
import { rawDdlFile } from '../../../functions/loader/ddl';

const USAGE = 'usage: npx tsx infra/local/cli/warehouseDdl.ts duckdb|snowflake\n';
const dialect = process.argv[2];
if (dialect === '--help' || dialect === '-h') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (dialect !== 'duckdb' && dialect !== 'snowflake') {
  process.stderr.write(USAGE);
  process.exit(2);
}
process.stdout.write(rawDdlFile(dialect));
