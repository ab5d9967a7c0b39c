/**
 * CAPTURED_TABLES: the one list of the Postgres tables (schema public) the pipeline carries. It
 * drives the connector's include list and the CDC topics (infra/local/stack/debezium), the writer's event
 * source mappings in serverless.yml (infra/aws/capturedTables.js) and so the local Kafka event
 * source, which reads them there. A table in it need not be declared in tables.ts: its columns
 * come from the inline schema. Adding a table: its migration (which adds it to the publication),
 * its name here, and optionally its dbt models.
 */
import { z } from 'zod';
import { ConfigError } from './errors';
import { CAPTURED_TABLE_NAME, TABLE_NAMES, type TableName } from './tables';

export const DEFAULT_CAPTURED_TABLES = TABLE_NAMES.join(',');

/** The list, in its order, without repeats; a bad name stops start-up naming the variable. */
export function parseCapturedTables(value: string | undefined): TableName[] {
  const raw = value === undefined || value.trim() === '' ? DEFAULT_CAPTURED_TABLES : value;
  const names = raw.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !CAPTURED_TABLE_NAME.test(n));
  if (bad.length > 0) {
    throw new ConfigError(
      `CAPTURED_TABLES: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a table name ` +
        '(comma-separated names of tables in schema public: letters, digits and _), e.g. customers,accounts,transactions',
      bad.map((b) => `CAPTURED_TABLES: invalid table name ${JSON.stringify(b)}`),
    );
  }
  return [...new Set(names)];
}

/** The variable, for a config shape (the loader's sweep reads it; the stack and serverless.yml too). */
export const capturedTablesVar = z
  .string()
  .default(DEFAULT_CAPTURED_TABLES)
  .superRefine((v, ctx) => {
    try {
      parseCapturedTables(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });
