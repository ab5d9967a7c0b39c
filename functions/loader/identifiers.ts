/**
 * The one way each dialect quotes a name the loader writes into SQL: every table and column name
 * is quoted, so any Postgres identifier (a reserved word such as `order`, mixed case such as
 * `RiskTier`, spaces such as `risk score`) keeps its own name in RAW.
 *
 * - DuckDB keeps a quoted name's case as written: the lake's name, quoted.
 * - Snowflake folds unquoted names to upper case where Postgres folds them to lower case. A plain
 *   lower-case name (what Postgres makes of an unquoted one) is quoted in upper case, so `id` stays
 *   the column `ID` that unquoted SQL, dbt and existing tables name; any other name (it was quoted
 *   in Postgres too) is quoted as written: `"RiskTier"`, `"risk score"`. snowflakeLakeName maps a
 *   name Snowflake reports back to the lake's (a Postgres name spelt in upper case, such as `"ID"`,
 *   would come back lower case: such a column must not sit beside its lower-case twin).
 */
import type { Dialect } from './ddl';

const PLAIN_LOWER = /^[a-z_][a-z0-9_$]*$/;
const PLAIN_UPPER = /^[A-Z_][A-Z0-9_$]*$/;

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function duckdbIdent(name: string): string {
  return quoted(name);
}

/** The name Snowflake stores (and its information_schema reports) for a lake name. */
export function snowflakeStoredName(name: string): string {
  return PLAIN_LOWER.test(name) ? name.toUpperCase() : name;
}

export function snowflakeIdent(name: string): string {
  return quoted(snowflakeStoredName(name));
}

/** The lake's name of a column Snowflake's information_schema reports (the inverse of snowflakeIdent). */
export function snowflakeLakeName(stored: string): string {
  return PLAIN_UPPER.test(stored) ? stored.toLowerCase() : stored;
}

export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'duckdb' ? duckdbIdent(name) : snowflakeIdent(name);
}
