/**
 * Print the RAW DDL for a dialect, generated from the table definitions:
 *   npx tsx infra/cli/warehouseDdl.ts duckdb > sql/warehouse/duckdb.sql
 * (tests/unit/loader/ddl.test.ts fails when the committed files fall behind tables.ts).
 */
import { rawDdlFile } from '../../functions/loader/ddl';

const dialect = process.argv[2];
if (dialect !== 'duckdb' && dialect !== 'snowflake') {
  process.stderr.write('usage: tsx infra/cli/warehouseDdl.ts duckdb|snowflake\n');
  process.exit(2);
}
process.stdout.write(rawDdlFile(dialect));
