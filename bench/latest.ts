/**
 * bench/results/latest.json: the latest result of every bench, and the table of bench/results/README.md
 * (the project README's "Numbers" summarises it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { GeneratorBenchResult } from './generator.bench';
import type { LoaderBenchResult } from './loader.bench';
import type { CloudLoaderBenchResult } from './cloudLoader.bench';
import type { PipelineBenchResult } from './pipeline/types';
import type { ReplayBenchResult } from './replay.bench';
import type { WriterBenchResult } from './writer.bench';

// replay first: its capture burst needs the source quiet, and the others leave it so.
export const BENCHES = ['replay', 'generator', 'writer', 'loader', 'cloudLoader', 'pipeline'] as const;
export type BenchName = (typeof BENCHES)[number];

export interface Latest {
  kind: 'latest';
  measuredAt: string;
  machine: {
    platform: string;
    release: string;
    arch: string;
    cpuModel: string;
    cpus: number;
    memGiB: number;
    node: string;
    gitCommit: string;
    gitDirty: boolean;
  };
  loadavg: { start: number[]; end: number[] };
  /** Which benches this invocation ran; the others are carried over from their last recorded result. */
  ranNow: BenchName[];
  replay?: ReplayBenchResult;
  generator?: GeneratorBenchResult;
  writer?: WriterBenchResult;
  loader?: LoaderBenchResult;
  /** The AWS loader's path (SQS batches, Snowflake adapter) against fakesnow with injected latency. */
  cloudLoader?: CloudLoaderBenchResult;
  /** One run per Debezium value format, the configured one first. */
  pipeline?: PipelineBenchResult[];
}

export const fmt = (n: number | undefined) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
export const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/** How the cloud loader's figures were measured, below the table. */
export function cloudLoaderNote(c: CloudLoaderBenchResult): string {
  const w = c.writer;
  return [
    '**Cloud loader, how measured.** ' +
      (w
        ? `The writer's object rate is measured, not estimated: the pipeline bench counts the objects the real writer (sls offline, serverless.yml's batching) stored in the run's own bucket during each step (LastModified inside the step's window); the cloud loader bench takes the highest sustained step that counted them (${w.source}, ${w.measuredAt.slice(0, 10)}: ${fmt(w.objects)} objects in ${w.windowSeconds} s at ${fmt(w.achievedChangesPerSec)} changes/s = ${c.writerObjectsPerS} objects/s; every pipeline step counts them now, so \`npm run bench -- --only pipeline\` refreshes it, as does a short run: \`npx tsx bench/pipeline.bench.ts --rates 5000,10000 --format schemaless --no-cold --overload-seconds 0 --capture 0 --page-check 0 --out bench/results/pipeline-writer-objects.json\`). `
        : `The writer's object rate (${c.writerObjectsPerS}/s) was an estimate in this result. `) +
      `Throughput: one batch of 1,000 objects through handlers/sqsS3.ts and the Snowflake adapter against fakesnow with ${c.statementLatencyMs} ms a statement and ${c.copyFileLatencyMs} ms a COPY'd file injected. The verdict (ratio ${c.ratio}x) uses the latency model: wall clock less the time fakesnow itself worked (one Python process on DuckDB reading each file, standing for Snowflake's work, which the injected latency models); wall clock with it: ${c.capacity.wallObjectsPerS} objects/s, ${c.wallRatio ?? 'n/a'}x. ` +
      `Sweep: ${fmt(c.sweep.ledgered)} ledgered + 1,000 missing over 9 prefixes, listing pages of 1,000 at 20 ms; ${c.sweepSeconds} s is wall clock (fakesnow included) on a cold container, every key compared with the ledger` +
      (c.sweep.next
        ? `; the next run, with the first run's watermarks and 1,000 new missing: ${c.sweep.next.wallSeconds} s wall clock, ${fmt(c.sweep.next.compared)} keys compared.`
        : '.'),
  ].join('\n');
}

/** The README's "Numbers" table, from latest.json. */
export function markdownTable(l: Latest): string {
  const rows: string[][] = [];
  if (l.generator) {
    rows.push([
      'generator (Postgres commits)',
      `${fmt(l.generator.defaultScale.transactionsPerSec)} transactions/s at the default shape; ${fmt(l.generator.largeIterations.transactionsPerSec)}/s in 2,000-transaction iterations`,
      l.generator.measuredAt.slice(0, 10),
    ]);
  }
  if (l.writer) {
    rows.push([
      'writer (decode + Parquet + PUT)',
      `${fmt(l.writer.hyparquetWriter.rowsPerSec)} rows/s with hyparquet-writer vs ${fmt(l.writer.parquetjsLite.rowsPerSec)} rows/s with parquetjs-lite: **${l.writer.ratio}x**`,
      l.writer.measuredAt.slice(0, 10),
    ]);
  }
  if (l.cloudLoader) {
    const c = l.cloudLoader;
    rows.push([
      'cloud loader (SQS batches -> Snowflake adapter, fakesnow + injected latency)',
      `${c.objectsPerS} objects/s, ${fmt(c.rowsPerS)} rows/s in a 1,000-object batch at ${c.statementLatencyMs} ms a statement (fakesnow's own work taken out; wall clock ${c.capacity.wallObjectsPerS}/s): **${c.ratio}x** (wall clock ${c.wallRatio ?? 'n/a'}x) the writer's ${c.writerObjectsPerS} objects/s` +
        (c.writer
          ? `, measured: ${fmt(c.writer.objects)} objects the writer stored in the pipeline bench's ${fmt(c.writer.targetChangesPerSec)} changes/s step (${fmt(c.writer.achievedChangesPerSec)} achieved, ${c.writer.windowSeconds} s, ${c.writer.inlineSchemas ? 'inline schemas' : 'schema-less'})`
          : '') +
        `; sweep found and loaded ${fmt(c.sweep.found)} missing among ${fmt(c.sweep.ledgered)} ledgered in ${c.sweepSeconds} s wall clock` +
        (c.sweep.next ? ` (cold, every key compared); the next run, with its watermarks: ${c.sweep.next.wallSeconds} s` : ''),
      c.at.slice(0, 10),
    ]);
  }
  if (l.loader) {
    rows.push([
      'loader (Parquet -> DuckDB RAW)',
      `${fmt(l.loader.load.rowsPerSec)} rows/s (${l.loader.objects} objects x ${fmt(l.loader.rowsPerObject)} rows, ${l.loader.load.msPerObject} ms/object) vs ${fmt(l.loader.perObject.rowsPerSec)} rows/s loading one object per invocation and transaction, as before: **${l.loader.ratio}x**`,
      l.loader.at.slice(0, 10),
    ]);
  }
  if (l.replay) {
    for (const f of l.replay.formats) {
      const fmtName = f.inlineSchemas ? 'values with inline schemas' : 'schema-less values';
      rows.push([
        `Debezium's capture rate, ${fmtName} (the ceiling)`,
        `${fmt(f.capture.recordsPerSec)} records/s (${fmt(f.capture.changes)} changes committed while the connector was paused; ${fmt(f.valueBytes)} bytes a value)`,
        l.replay.measuredAt.slice(0, 10),
      ]);
      rows.push([
        `catch-up replay through \`sls offline\` (writer), ${fmtName}`,
        `**${fmt(f.replay.recordsPerSec)} records/s** over ${fmt(f.replay.records)} records, cold start included: ${f.ratioToCapture}x the capture rate, ${f.ratioToOriginal}x the original's 1,629/s` +
          (f.replayApi
            ? `; through serverless-offline's Lambda API instead (the simplest alternative): ${fmt(f.replayApi.recordsPerSec)} records/s, so in-thread is **${(f.replay.recordsPerSec / f.replayApi.recordsPerSec).toFixed(2)}x**`
            : ''),
        l.replay.measuredAt.slice(0, 10),
      ]);
    }
  }
  for (const p of l.pipeline ?? []) {
    const values = p.inlineSchemas ? 'inline schemas' : 'schema-less values';
    if (p.capture) {
      rows.push([
        `Debezium's capture rate in the pipeline run, ${values}`,
        `${fmt(p.capture.recordsPerSec)} records/s (${fmt(p.capture.changes)} changes committed while the connector was paused)`,
        p.measuredAt.slice(0, 10),
      ]);
    }
    for (const st of p.steps) {
      rows.push([
        `pipeline at ${fmt(st.targetChangesPerSec)} changes/s, ${values}`,
        `commit -> RAW p50 **${secs(st.latencyMs.p50)}**, p99 **${secs(st.latencyMs.p99)}**` +
          (st.middleThirdMs
            ? ` (by thirds ${secs(st.firstThirdMs.p99)} / ${secs(st.middleThirdMs.p99)} / ${secs(st.lastThirdMs.p99)})`
            : '') +
          `, ${fmt(st.achievedChangesPerSec)} changes/s achieved` +
          (st.load?.depositChanges ? ' (deposits committed by Postgres)' : ' (the generator)') +
          `: ${st.verdict}`,
        p.measuredAt.slice(0, 10),
      ]);
    }
    rows.push([
      `pipeline, highest sustained rate, ${values}`,
      p.headline.maxSustainedChangesPerSec
        ? `**${fmt(p.headline.maxSustainedChangesPerSec)} changes/s** with p99 <= 5 s in every third and no growing lag${p.headline.firstUnsustained ? ` (not sustained at the ${fmt(p.headline.firstUnsustained)}/s step)` : ' (the highest step run)'}` +
          (p.headline.ratioToCapture !== null && p.headline.ratioToCapture !== undefined
            ? `: **${Math.round(p.headline.ratioToCapture * 100)}%** of the capture rate measured in the same run`
            : '')
        : 'below the first step',
      p.measuredAt.slice(0, 10),
    ]);
    if (p.cold) {
      const c = p.cold;
      rows.push([
        `cold start straight into ${fmt(c.targetChangesPerSec)} changes/s, ${values}`,
        `sls offline restarted (ready in ${secs(c.restartMs)}), then the load at once: p99 <= 5 s in every 5 s window from **${c.timeToSteadyMs === null || c.timeToSteadyMs === undefined ? 'never' : secs(c.timeToSteadyMs)}** after the first change; ` +
          `p50 ${secs(c.latencyMs.p50)}, p99 ${secs(c.latencyMs.p99)} (by thirds ${secs(c.firstThirdMs.p99)} / ${secs(c.middleThirdMs?.p99)} / ${secs(c.lastThirdMs.p99)}), ${fmt(c.achievedChangesPerSec)} changes/s: ${c.verdict}` +
          (c.warmAgain
            ? `; the same step right after, warm: p50 ${secs(c.warmAgain.latencyMs.p50)}, p99 ${secs(c.warmAgain.latencyMs.p99)}, ${fmt(c.warmAgain.achievedChangesPerSec)} changes/s: ${c.warmAgain.verdict}`
            : ''),
        p.measuredAt.slice(0, 10),
      ]);
    }
    if (p.pageCheck) {
      const c = p.pageCheck;
      rows.push([
        `the pipeline page beside the pipeline at ${fmt(c.targetChangesPerSec)} changes/s, ${values}`,
        `with the page polled every 1.5 s: p50 **${secs(c.withPage.latencyMs.p50)}**, p99 **${secs(c.withPage.latencyMs.p99)}**, ${fmt(c.withPage.achievedChangesPerSec)} changes/s (${c.withPage.verdict}); ` +
          `without (the ramp's step): p50 ${secs(c.without.latencyMs.p50)}, p99 ${secs(c.without.latencyMs.p99)}, ${fmt(c.without.achievedChangesPerSec)} changes/s; ${c.polls} polls, slowest ${c.slowestPollMs} ms`,
        p.measuredAt.slice(0, 10),
      ]);
    }
    if (p.overload) {
      const o = p.overload;
      rows.push([
        `overload: ${o.seconds} s at ${fmt(o.targetChangesPerSec)} changes/s (twice the sustained step), ${values}`,
        `${fmt(o.achievedChangesPerSec)} changes/s achieved${o.load ? ' (deposits committed by Postgres)' : ''}; drained **${secs(o.drainMs)}** after it ended${o.drainedWithin120s ? '' : ' (over 120 s)'}`,
        p.measuredAt.slice(0, 10),
      ]);
    }
  }
  const m = l.machine;
  return [
    '| what | figure | measured |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memGiB} GiB, ${m.platform} ${m.release}, Node ${m.node}; commit ${m.gitCommit.slice(0, 10)}${m.gitDirty ? ' (+ local changes)' : ''}. ` +
      `Shared machine (load average ${l.loadavg.start.join('/')} at start, ${l.loadavg.end.join('/')} at end): figures are noisy. ` +
      'Source: bench/results/latest.json (`npm run bench`).',
  ].join('\n');
}

/** Puts the table between the markers of bench/results/README.md, keeping the text around it (a new file: the table alone). */
export function writeBenchReadme(file: string, table: string): void {
  const marked = /(<!-- bench-table -->\n)[\s\S]*?(\n<!-- \/bench-table -->)/;
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const text = marked.test(before)
    ? before.replace(marked, (_m, open: string, close: string) => `${open}${table}${close}`)
    : `# Benchmark results\n\n<!-- bench-table -->\n${table}\n<!-- /bench-table -->\n`;
  writeFileSync(file, text);
}
