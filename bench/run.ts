/**
 * npm run bench [-- --only replay,generator,writer,loader,cloudLoader,pipeline]
 *
 * Runs the stage benches and the end-to-end pipeline bench, each writing its own
 * bench/results/<name>.json, then combines the latest result of every bench (this run's, or the
 * one recorded before for benches not run now) into bench/results/latest.json with the machine's
 * details, and rewrites the table of bench/results/README.md (the project README's "Numbers" summarises it).
 * The machine is shared (other sessions run tests on the same CPUs): load average is recorded at
 * the start and end so noisy numbers can be recognised as such.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { argsOrUsage } from '../infra/local/cli/util/usage';
import { runGeneratorBench } from './generator.bench';
import { runLoaderBench } from './loader.bench';
import { runCloudLoaderBench } from './cloudLoader.bench';
import { runPipelineBench } from './pipeline.bench';
import type { PipelineBenchResult } from './pipeline/types';
import { runReplayBench } from './replay.bench';
import { loadavg, machineInfo } from './machine';
import { loadSettings } from '../infra/local/stack/settings';
import { runWriterBench } from './writer.bench';
import { BENCHES, fmt, cloudLoaderNote, markdownTable, secs, writeBenchReadme, type BenchName, type Latest } from './latest';

const RESULTS = join(__dirname, 'results');
function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: join(__dirname, '..'), encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const pipelineFile = (inlineSchemas: boolean) => `pipeline-${inlineSchemas ? 'inline' : 'schemaless'}.json`;

function readResult<T>(name: BenchName): T | undefined {
  const file = join(RESULTS, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

const USAGE = `usage: npm run bench [-- --only ${BENCHES.join(',')}] [--params batchSize=500,maximumBatchingWindow=1]
  Runs the benches (all by default) on the running stack, writes bench/results/<name>.json,
  latest.json and README.md. --params: serverless params for the pipeline bench.`;

function parseBenchArgs() {
  return parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      // serverless params for the pipeline bench, e.g. batchSize=500,maximumBatchingWindow=1 (default: serverless.yml's)
      params: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

async function main(): Promise<number> {
  const values = argsOrUsage('[bench]', USAGE, parseBenchArgs);
  const only = (values.only ?? []).flatMap((o) => o.split(',')).filter(Boolean);
  const unknown = only.filter((o) => !(BENCHES as readonly string[]).includes(o));
  if (unknown.length) {
    console.error(`[bench] unknown bench ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
    return 2;
  }
  const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b));
  const start = loadavg();
  console.log(`[bench] running ${selected.join(', ')} (load average ${start.join(' ')}; ${os.cpus().length} CPUs)`);
  const failures: string[] = [];
  for (const name of selected) {
    const t0 = Date.now();
    console.log(`[bench] ${name}...`);
    try {
      if (name === 'generator') {
        const r = await runGeneratorBench();
        console.log(
          `[bench] generator: ${fmt(r.defaultScale.transactionsPerSec)} transactions/s (default shape), ${fmt(r.largeIterations.transactionsPerSec)}/s (large iterations)`,
        );
      } else if (name === 'writer') {
        const r = await runWriterBench();
        console.log(
          `[bench] writer: ${fmt(r.hyparquetWriter.rowsPerSec)} rows/s vs parquetjs-lite ${fmt(r.parquetjsLite.rowsPerSec)} rows/s: ${r.ratio}x`,
        );
      } else if (name === 'loader') {
        const r = await runLoaderBench();
        // The loader bench returns its result; the others write their own file.
        mkdirSync(RESULTS, { recursive: true });
        writeFileSync(join(RESULTS, 'loader.json'), `${JSON.stringify(r, null, 2)}\n`);
        console.log(`[bench] loader: ${fmt(r.load.rowsPerSec)} rows/s`);
      } else if (name === 'cloudLoader') {
        const r = await runCloudLoaderBench();
        console.log(
          `[bench] cloud loader: ${r.objectsPerS} objects/s (${fmt(r.rowsPerS)} rows/s), ${r.ratio}x the writer's ${r.writerObjectsPerS}/s; sweep ${r.sweepSeconds} s`,
        );
      } else if (name === 'replay') {
        const r = await runReplayBench();
        for (const f of r.formats) {
          console.log(
            `[bench] replay (${f.inlineSchemas ? 'inline schemas' : 'schema-less'}): capture ${fmt(f.capture.recordsPerSec)} records/s; ` +
              `replay ${fmt(f.replay.recordsPerSec)} records/s (${f.ratioToCapture}x capture)`,
          );
        }
      } else {
        const params = values.params
          ? Object.fromEntries(values.params.split(',').map((kv) => kv.split('=') as [string, string]))
          : undefined;
        // Both value formats: the configured one, then the other (what inline schemas cost end to end).
        const configured = loadSettings().DEBEZIUM_INLINE_SCHEMAS === 'true';
        for (const inlineSchemas of [configured, !configured]) {
          // The page check runs with the configured format (the one `npm start` shows).
          const r = await runPipelineBench({
            params,
            inlineSchemas,
            out: join(RESULTS, pipelineFile(inlineSchemas)),
            ...(inlineSchemas === configured ? { pageCheckRate: 5000 } : {}),
          });
          console.log(
            `[bench] pipeline (${inlineSchemas ? 'inline schemas' : 'schema-less'}): max sustained ${fmt(r.headline.maxSustainedChangesPerSec)} changes/s; ` +
              `1,000/s p50 ${secs(r.headline.at1000?.p50Ms)} p99 ${secs(r.headline.at1000?.p99Ms)}` +
              (r.headline.ratioToCapture !== null ? ` (${Math.round(r.headline.ratioToCapture * 100)}% of capture)` : '') +
              (r.headline.cold
                ? `; cold at ${fmt(r.headline.cold.rate)}/s steady after ${secs(r.headline.cold.timeToSteadyMs ?? undefined)}`
                : '') +
              (r.overload ? `; overload drained in ${secs(r.overload.drainMs)}` : ''),
          );
        }
      }
      console.log(`[bench] ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    } catch (err) {
      // One failing bench must not hide the others' figures; the exit code says it failed.
      failures.push(name);
      console.error(`[bench] ${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  const latest: Latest = {
    kind: 'latest',
    measuredAt: new Date().toISOString(),
    machine: {
      ...machineInfo(),
      gitCommit: git(['rev-parse', 'HEAD']),
      gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    },
    loadavg: { start, end: loadavg() },
    ranNow: selected.filter((s) => !failures.includes(s)),
  };
  for (const b of BENCHES) {
    if (b === 'pipeline') continue;
    const r = readResult<never>(b);
    if (r) (latest as unknown as Record<string, unknown>)[b] = r;
  }
  const configured = loadSettings().DEBEZIUM_INLINE_SCHEMAS === 'true';
  latest.pipeline = [configured, !configured].flatMap((inline) => {
    const file = join(RESULTS, pipelineFile(inline));
    return existsSync(file) ? [JSON.parse(readFileSync(file, 'utf8')) as PipelineBenchResult] : [];
  });
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(latest, null, 2)}\n`);
  const table = markdownTable(latest);
  writeBenchReadme(join(RESULTS, 'README.md'), latest.cloudLoader ? `${table}\n\n${cloudLoaderNote(latest.cloudLoader)}` : table);
  console.log(`\n${table}\n`);
  console.log(
    `[bench] results in ${join('bench', 'results')}/ (latest.json, README.md)${failures.length ? `; FAILED: ${failures.join(', ')}` : ''}`,
  );
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[bench] unexpected error:', err);
    process.exit(1);
  },
);
