/**
 * dbt's column lists against tables.ts: the staging models expose every column of every table
 * (by its own name, or renamed by an explicit expression), and their yml documents exactly what
 * they expose. So a column added by hand (migration, tables.ts) fails here until the yml names it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { changeColumns, TABLE_NAMES, TABLES, type TableName } from '../../../functions/shared/tables';

const dbt = join(__dirname, '../../../dbt');
const read = (p: string) => readFileSync(join(dbt, p), 'utf8');

/** The body of a `{% macro name() %}` in macros/cdc.sql, as a list of column names. */
function macroColumns(name: string): string[] {
  const m = new RegExp(`macro ${name}\\(\\)\\s*-?%}([\\s\\S]*?){%-?\\s*endmacro`).exec(read('macros/cdc.sql'));
  if (!m) throw new Error(`macro ${name} not found in macros/cdc.sql`);
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const expandMacros = (sql: string) => sql.replace(/{{\s*(\w+)\(\)\s*}}/g, (_, macro: string) => macroColumns(macro).join(', '));

function expand(sqlList: string): string[] {
  return sqlList
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What a model's final select exposes: explicit `... as alias` items, plus `* exclude (...)` of its input. */
function exposed(sql: string, input: readonly string[]): { columns: string[]; expressions: string[] } {
  const select = expandMacros(sql.slice(sql.lastIndexOf('\nselect')));
  const exclude = /\*\s+exclude\s*\(([^)]*)\)/i.exec(select);
  const excluded = new Set(exclude ? expand(exclude[1]!) : []);
  const explicit = [...select.matchAll(/^\s*(.+?)\s+as\s+(\w+),?\s*$/gim)].map((m) => ({ expr: m[1]!, alias: m[2]! }));
  const passed = exclude ? input.filter((c) => !excluded.has(c)) : [];
  return { columns: [...explicit.map((e) => e.alias), ...passed], expressions: explicit.map((e) => e.expr) };
}

interface YmlModel {
  name: string;
  columns?: Array<{ name: string }>;
}
const models = (parse(read('models/staging/_staging.yml')) as { models: YmlModel[] }).models;
const ymlColumns = (name: string) => (models.find((m) => m.name === name)?.columns ?? []).map((c) => c.name).sort();

/** RAW's columns as the deduplicated_changes macro hands them to a change model. */
const rawChangeLog = (t: TableName) => [...changeColumns(t).map((c) => c.name), '_file', '_loaded_at', 'changed_at'];

describe.each(TABLE_NAMES)('dbt staging for %s against tables.ts', (table) => {
  const changes = exposed(read(`models/staging/stg_${table}_changes.sql`), rawChangeLog(table));

  it('the change model exposes every table column (by name, or through an expression that reads it)', () => {
    for (const col of TABLES[table].columns) {
      const byName = changes.columns.includes(col.name);
      const byExpression = changes.expressions.some((e) => new RegExp(`\\b${col.name}\\b`).test(e));
      expect({ column: col.name, exposed: byName || byExpression }).toEqual({ column: col.name, exposed: true });
    }
  });

  it("the change model's yml documents exactly the columns it exposes", () => {
    expect(ymlColumns(`stg_${table}_changes`)).toEqual([...changes.columns].sort());
  });

  it("the current-state model's yml documents exactly the columns it exposes", () => {
    const current = exposed(read(`models/staging/stg_${table}.sql`), changes.columns);
    expect(ymlColumns(`stg_${table}`)).toEqual([...current.columns].sort());
    for (const col of TABLES[table].columns.filter((c) => !TABLES[table].key.includes(c.name))) {
      expect(current.columns).toContain(col.name === 'id' ? col.name : (changes.columns.find((c) => c === col.name) ?? col.name));
    }
  });

  it('sources.yml names only columns RAW has', () => {
    const sources = parse(read('models/sources.yml')) as {
      sources: Array<{ tables: Array<{ name: string; columns?: Array<{ name: string }> }> }>;
    };
    const documented = sources.sources[0]!.tables.find((t) => t.name === table)?.columns?.map((c) => c.name) ?? [];
    const raw = new Set(rawChangeLog(table));
    expect(documented.filter((c) => !raw.has(c))).toEqual([]);
  });
});
