/**
 * dbt's column lists against tables.ts: the staging models (the RAW change rows, renamed and cast)
 * expose every column of every table (by its own name, or renamed by an explicit expression), the
 * intermediate current-state models and the SCD2 dims expose what their macros make of them, and
 * each model's yml (beside it: models/<layer>/<model>.yml) documents exactly what it exposes. So a
 * column added by hand (migration, tables.ts) fails here until the ymls name it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { changeColumns, TABLE_NAMES, TABLES, type DeclaredTable } from '../../../functions/shared/tables';

const dbt = join(__dirname, '../../../dbt');
const read = (p: string) => readFileSync(join(dbt, p), 'utf8');
const LAYERS = ['staging', 'intermediate', 'marts'] as const;

/** The body of `{% macro name(...) %}` in macros/<file>. */
function macroBody(file: string, name: string): string {
  const m = new RegExp(`macro ${name}\\([^)]*\\)\\s*-?%}([\\s\\S]*?){%-?\\s*endmacro`).exec(read(`macros/${file}`));
  if (!m) throw new Error(`macro ${name} not found in macros/${file}`);
  return m[1]!;
}

const expand = (sqlList: string): string[] =>
  sqlList
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A column-list macro of macros/cdc.sql (`{% macro name() %}a, b{% endmacro %}`). */
const macroColumns = (name: string): string[] => expand(macroBody('cdc.sql', name));

const expandMacros = (sql: string) => sql.replace(/{{\s*(\w+)\(\)\s*}}/g, (_, macro: string) => macroColumns(macro).join(', '));

/** What a final select exposes: explicit `... as alias` items, plus `* exclude (...)` of its input. */
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
const ymlModels = (layer: string, model: string): YmlModel[] =>
  (parse(read(`models/${layer}/${model}.yml`)) as { models: YmlModel[] }).models;
const ymlColumns = (layer: string, model: string) =>
  (ymlModels(layer, model).find((m) => m.name === model)?.columns ?? []).map((c) => c.name).sort();

/** The string argument `name='...'` of a macro call in a model. */
function argument(sql: string, name: string): string {
  const m = new RegExp(`\\b${name}\\s*=\\s*'(\\w+)'`).exec(sql);
  if (!m) throw new Error(`no ${name}= argument in ${sql}`);
  return m[1]!;
}

/** RAW's columns as the deduplicated_changes macro hands them to a staging model. */
const rawChangeLog = (t: DeclaredTable) => [...changeColumns(t).map((c) => c.name), '_file', '_loaded_at', 'changed_at'];

/** The key a staging model renames `id` to: customers -> customer_id. */
const keyOf = (t: DeclaredTable) => `${t.replace(/s$/, '')}_id`;

describe('dbt project layout', () => {
  it.each(LAYERS)('every model in models/%s has a yml beside it that describes it, and nothing else', (layer) => {
    const files = readdirSync(join(dbt, 'models', layer));
    const sql = files.filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
    const yml = files.filter((f) => f.endsWith('.yml')).map((f) => f.slice(0, -4));
    expect(sql.length).toBeGreaterThan(0);
    expect(yml.sort()).toEqual([...sql].sort());
    for (const model of sql) expect(ymlModels(layer, model).map((m) => m.name)).toEqual([model]);
  });

  it('staging has one model per RAW table, named after it', () => {
    const sql = readdirSync(join(dbt, 'models/staging')).filter((f) => f.endsWith('.sql'));
    expect(sql.sort()).toEqual(TABLE_NAMES.map((t) => `stg_${t}.sql`).sort());
  });
});

describe.each(TABLE_NAMES)('dbt models of %s against tables.ts', (table) => {
  const staging = exposed(read(`models/staging/stg_${table}.sql`), rawChangeLog(table));

  it('the staging model reads only its RAW table and exposes every table column (by name, or through an expression that reads it)', () => {
    const sql = read(`models/staging/stg_${table}.sql`);
    expect([...sql.matchAll(/deduplicated_changes\('(\w+)'\)/g)].map((m) => m[1])).toEqual([table]);
    expect(sql).not.toMatch(/\bref\(/);
    for (const col of TABLES[table].columns) {
      const byName = staging.columns.includes(col.name);
      const byExpression = staging.expressions.some((e) => new RegExp(`\\b${col.name}\\b`).test(e));
      expect({ column: col.name, exposed: byName || byExpression }).toEqual({ column: col.name, exposed: true });
    }
    expect(staging.columns).toContain(keyOf(table));
  });

  it("the staging model's yml documents exactly the columns it exposes", () => {
    expect(ymlColumns('staging', `stg_${table}`)).toEqual([...staging.columns].sort());
  });

  it('the current-state model is current_state over the staging model, and its yml documents exactly the columns it exposes', () => {
    const model = `int_${table}_current`;
    const sql = read(`models/intermediate/${model}.sql`);
    expect(sql).toMatch(new RegExp(`current_state\\(ref\\('stg_${table}'\\), key='${keyOf(table)}'\\)`));
    const current = exposed(macroBody('current_state.sql', 'current_state'), staging.columns);
    expect(ymlColumns('intermediate', model)).toEqual([...current.columns].sort());
    for (const col of TABLES[table].columns.filter((c) => !TABLES[table].key.includes(c.name))) {
      expect(current.columns).toContain(col.name);
    }
    expect(current.columns).toContain(keyOf(table));
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

describe.each(['customers', 'accounts'] as const)('dim_%s (SCD2) against tables.ts', (table) => {
  const model = `dim_${table}`;
  const sql = read(`models/marts/${model}.sql`);
  const columns = [.../columns\s*=\s*\[([^\]]*)\]/.exec(sql)![1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!);

  it('is scd2_dimension over the staging model, with every table column but the key', () => {
    expect(sql).toMatch(new RegExp(`scd2_dimension\\(\\s*ref\\('stg_${table}'\\)`));
    expect(argument(sql, 'key')).toBe(keyOf(table));
    const staging = exposed(read(`models/staging/stg_${table}.sql`), rawChangeLog(table)).columns;
    for (const c of columns) expect(staging).toContain(c);
    expect([...columns].sort()).toEqual(
      TABLES[table].columns
        .map((c) => c.name)
        .filter((c) => !TABLES[table].key.includes(c))
        .sort(),
    );
  });

  it('its yml documents exactly the columns it exposes', () => {
    const validity = exposed(macroBody('scd2.sql', 'scd2_dimension'), []).columns;
    expect(validity).toEqual([
      'valid_from',
      'valid_to',
      'is_current',
      'is_deleted',
      'change_op',
      'change_lsn',
      'change_tx_id',
      'change_loaded_at',
      'valid_to_lsn',
      'valid_to_tx_id',
    ]);
    const all = [argument(sql, 'version_key'), argument(sql, 'key'), ...columns, ...validity];
    expect(ymlColumns('marts', model)).toEqual(all.sort());
  });
});
