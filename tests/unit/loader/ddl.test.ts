import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { changeColumns, TABLE_NAMES } from '../../../functions/shared/tables';
import { duckdbType, rawDdlFile, rawDdlStatements, snowflakeType } from '../../../functions/loader/ddl';

const root = join(__dirname, '../../..');

describe('RAW DDL', () => {
  it.each(['duckdb', 'snowflake'] as const)('committed sql/warehouse/%s.sql is what tables.ts generates', (dialect) => {
    const committed = readFileSync(join(root, 'sql/warehouse', `${dialect}.sql`), 'utf8');
    expect(committed).toBe(rawDdlFile(dialect));
  });

  it('DuckDB creates every table with exactly the change columns plus _file and _loaded_at, typed per tables.ts', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      for (const s of rawDdlStatements('duckdb')) await conn.run(s);
      // Idempotent: a second run changes nothing and does not fail.
      for (const s of rawDdlStatements('duckdb')) await conn.run(s);
      for (const table of TABLE_NAMES) {
        const r = await conn.runAndReadAll(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = '${table}' ORDER BY ordinal_position`,
        );
        const actual = r.getRowObjectsJson().map((c) => [c.column_name, c.data_type]);
        const expected = [
          ...changeColumns(table).map((c) => [c.name, duckdbType(c).replace('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE')]),
          ['_file', 'VARCHAR'],
          ['_loaded_at', 'TIMESTAMP WITH TIME ZONE'],
        ];
        expect(actual).toEqual(expected);
      }
      const ledger = await conn.runAndReadAll(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = '_loads' ORDER BY ordinal_position`,
      );
      expect(ledger.getRowObjectsJson().map((c) => c.column_name)).toEqual([
        'object_key',
        'table_name',
        'etag',
        'row_count',
        'loaded_at',
        'manifest',
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  it('maps money to exact decimals in both dialects, never a float', () => {
    const balance = changeColumns('accounts').find((c) => c.name === 'balance')!;
    expect(duckdbType(balance)).toBe('DECIMAL(18,2)');
    expect(snowflakeType(balance)).toBe('NUMBER(18,2)');
    for (const d of ['duckdb', 'snowflake'] as const) expect(rawDdlFile(d)).not.toMatch(/DOUBLE|FLOAT|REAL/i);
  });

  it('Snowflake DDL uses Snowflake types and keeps the ledger key unique', () => {
    const sql = rawDdlStatements('snowflake', 'BANKING_DB.RAW').join('\n');
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS BANKING_DB.RAW;');
    // Quoted in upper case: the same columns unquoted SQL (and dbt) names (functions/loader/identifiers.ts).
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS BANKING_DB\.RAW\."TRANSACTIONS" \(\n  "ID" NUMBER\(38,0\) NOT NULL,/);
    expect(sql).toContain('"CREATED_AT" TIMESTAMP_TZ(6)');
    expect(sql).toContain('"CURRENCY" VARCHAR(3)');
    expect(sql).toContain('"OBJECT_KEY" VARCHAR(1024) PRIMARY KEY');
  });
});
