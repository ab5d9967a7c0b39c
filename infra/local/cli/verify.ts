/**
 * npm run verify -- [--warehouse PATH] [--group PREFIX] [--audit-log FILE] [--timeout 300s] [--require-marts] [--check-log]
 *
 * Postgres against the warehouse's RAW at one watermark while the pipeline runs (infra/local/cli/verify-run.ts);
 * every result appended to a hash-chained audit log. --check-log re-verifies that chain instead.
 * Exit 0: match (or an intact chain); 1: a difference (or a broken chain); 2: it could not run.
 */
import { parseArgs } from 'node:util';
import { isAbsolute, resolve } from 'node:path';
import { loadSettings } from '../stack/settings';
import { makeContext } from '../stack/context';
import { parseDuration } from '../../../functions/generator/options';
import { checkAuditLog } from '../../../functions/reconcile/auditLog';
import { defaultAuditLog, runVerify, type VerifyReport } from './verify-run';
import type { MartsVerification } from '../../../functions/reconcile/marts';
import { warehouseFile } from './util/warehouse';

const USAGE = `usage: npm run verify -- [options]

Compares Postgres with the warehouse's RAW layer at one LSN watermark, without pausing the pipeline:
a REPEATABLE READ snapshot of Postgres and its WAL position, a wait until RAW holds every change up to
it, then every current row and column compared exactly, each ledgered object's row count and manifest
(rows per op, LSN and offset ranges, money sums, key hash) checked against RAW, and RAW's Kafka records
checked for doubles. Then the dbt marts (dims as SCD2 versions, fact, ledger, customer_360) against RAW at the LSN
W' their build had loaded up to (W' <= W; W' = W when the build came after RAW held W): every row and
column, exactly. The result is appended to a hash-chained audit log.

options:
  --warehouse PATH    DuckDB warehouse (default: the one npm start loads, WAREHOUSE_PATH or <STACK_DIR>/warehouse/banking.duckdb)
  --group PREFIX      the writer's consumer-group prefix (default: KAFKA_GROUP)
  --audit-log FILE    audit log (default: <STACK_DIR>/verify/audit.jsonl)
  --timeout DURATION  how long to wait for RAW to reach the watermark (default 300s)
  --require-marts     fail when the dbt marts are not built yet (default: say so, compare RAW only)
  --check-log         re-verify the audit log's hash chain and exit
  --json              print the whole result as JSON
  -h, --help          this text

exit 0: match (or an intact chain); 1: a difference (or a broken chain); 2: could not run.`;

export function describe(r: VerifyReport): string {
  const rows = Object.entries(r.tables)
    .map(([t, d]) => `${t} ${d.rows} (missing ${d.missing}, extra ${d.extra}, different ${d.different})`)
    .join('; ');
  const head = `${r.rawOk ? 'MATCH' : 'MISMATCH'} at LSN ${r.watermark.lsn} (waited ${(r.waitedMs / 1000).toFixed(1)}s): ${rows}; ${r.objectsChecked} objects, ${r.objectMismatches.length} with a wrong row count; manifests ${r.manifestsVerified} verified, ${r.manifestMismatches.length} differing, ${r.manifestsUnverified} objects without one; doubled ${r.doubled}; drift ${r.driftCents} cents`;
  const lines = [head];
  if (r.first) {
    const o = r.first.origin;
    lines.push(
      `first difference: table ${r.first.table}, key ${r.first.key}, column ${r.first.column}` +
        (o ? `, from object ${o.object} (${o.topic}[${o.partition}]@${o.offset}, LSN ${o.lsn}, op ${o.op})` : ''),
      `  source:    ${r.first.source}`,
      `  warehouse: ${r.first.warehouse}`,
    );
  }
  for (const m of r.objectMismatches.slice(0, 5))
    lines.push(`object ${m.object} (${m.table}): ledger ${m.ledgerRows} rows, RAW ${m.rawRows}`);
  for (const m of r.manifestMismatches.slice(0, 5))
    lines.push(
      `object ${m.object} (${m.table}) differs from its manifest: ${m.difference}` +
        (m.column
          ? `; first: key ${m.key}, column ${m.column} (offset ${m.offset}): object ${m.lake ?? ''}, RAW ${m.warehouse ?? ''}`
          : ''),
    );
  lines.push(...describeMarts(r.marts));
  lines.push(`audit log ${r.audit.file} (entry ${r.audit.hash.slice(0, 12)})`);
  return lines.join('\n');
}

/** The marts' lines: each compared at its cut W' (the part of the snapshot its build had loaded). */
export function describeMarts(m: MartsVerification): string[] {
  if (!m.built) return ['marts: not built yet (no dbt build on this warehouse): only RAW was compared'];
  const cuts = Object.entries(m.cuts)
    .map(([t, c]) => `${t} at ${c.lsn}`)
    .join(', ');
  const each = Object.entries(m.marts)
    .map(
      ([name, d]) =>
        `${name} ${d.rows} (missing ${d.missing}, extra ${d.extra}, different ${d.different}${d.afterCut ? `, ${d.afterCut} changed after the cut` : ''})`,
    )
    .join('; ');
  const lines = [
    `marts ${m.ok ? 'MATCH' : 'MISMATCH'} with RAW at the LSN their build had loaded up to (${cuts}; RAW there is Postgres's snapshot up to that LSN): ${each}`,
  ];
  if (m.notBuilt.length) lines.push(`marts not built yet: ${m.notBuilt.join(', ')}`);
  if (m.stale.length)
    lines.push(`marts built before the marts they read (a build stopped midway), not compared: ${m.stale.join(', ')}`);
  if (m.oldLayout.length)
    lines.push(`marts built before they carried their change LSNs (run dbt build --full-refresh): ${m.oldLayout.join(', ')}`);
  if (m.first) {
    const o = m.first.origin;
    lines.push(
      `first mart difference: ${m.first.mart}, key ${m.first.key}, column ${m.first.column}` +
        (o ? `, RAW's change from object ${o.object} (${o.topic}[${o.partition}]@${o.offset}, LSN ${o.lsn}, op ${o.op})` : ''),
      `  RAW:  ${m.first.expected}`,
      `  mart: ${m.first.actual}`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      warehouse: { type: 'string' },
      group: { type: 'string' },
      'audit-log': { type: 'string' },
      timeout: { type: 'string', default: '300s' },
      'check-log': { type: 'boolean', default: false },
      'require-marts': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cfg = loadSettings();
  const ctx = makeContext({ quiet: true });
  const auditLog = values['audit-log'] ? resolve(values['audit-log']) : defaultAuditLog(ctx.stackDir);
  if (values['check-log']) {
    const c = checkAuditLog(auditLog);
    console.log(
      c.ok
        ? `audit log ${auditLog}: ${c.entries} entries, chain intact`
        : `audit log ${auditLog}: BROKEN at line ${c.broken!.line}: ${c.broken!.why}`,
    );
    return c.ok ? 0 : 1;
  }
  const warehousePath = values.warehouse
    ? isAbsolute(values.warehouse)
      ? values.warehouse
      : resolve(values.warehouse)
    : warehouseFile(ctx, cfg);
  const report = await runVerify({
    cfg,
    warehousePath,
    group: values.group ?? cfg.KAFKA_GROUP,
    auditLog,
    timeoutMs: parseDuration(values.timeout!),
    requireMarts: values['require-marts'],
    log: (m) => console.error(`[verify] ${m}`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : describe(report));
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[verify] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
