/**
 * The writer's dead letters (s3://<bucket>/<DLQ_PREFIX>/<topic>/<partition>-<offset>.json).
 *
 *   npm run dlq -- list   [--topic T] [--since 2026-11-24T00:00:00Z | 2h | 3d]   counts by reason
 *   npm run dlq -- replay [--topic T] [--since ...]     re-run them through the writer after a fix
 *
 * Replay stores each record that now decodes under a key from its own Kafka coordinates and moves
 * its dead letter to <DLQ_PREFIX>-replayed/, so running it twice doubles nothing. Exits 1 when any
 * record still fails (each printed with its reason), 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import {
  createS3Client,
  listDeadLetters,
  replayDeadLetters,
  s3DeadLetterStore,
  type DeadLetterFilter,
} from '../../../functions/writer';
import { loadSettings } from '../stack/settings';
import { errorMessage } from '../../../functions/shared/errors';

const USAGE = 'usage: npm run dlq -- list|replay [--topic T] [--since ISO-8601 | <n>m | <n>h | <n>d]';

export function parseSince(v: string, now = Date.now()): Date {
  const rel = /^(\d+)([mhd])$/.exec(v);
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`--since: expected an ISO-8601 instant or a duration like 2h, got ${v}`);
  return d;
}

export function parseDlqArgs(argv: string[]): { command: 'list' | 'replay'; filter: DeadLetterFilter } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { topic: { type: 'string' }, since: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const command = positionals[0];
  if ((command !== 'list' && command !== 'replay') || positionals.length !== 1) throw new Error(USAGE);
  return { command, filter: { topic: values.topic, since: values.since === undefined ? undefined : parseSince(values.since) } };
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let args;
  try {
    args = parseDlqArgs(process.argv.slice(2));
  } catch (err) {
    console.error(errorMessage(err));
    return 2;
  }
  const cfg = loadSettings();
  const store = s3DeadLetterStore(createS3Client(cfg), cfg.MINIO_BUCKET);
  if (args.command === 'list') {
    const groups = await listDeadLetters(store, cfg.DLQ_PREFIX, args.filter);
    const total = groups.reduce((n, g) => n + g.count, 0);
    console.log(`${total} dead letter(s) in s3://${cfg.MINIO_BUCKET}/${cfg.DLQ_PREFIX}/`);
    for (const g of groups) {
      console.log(`\n${g.count}  ${g.reason}\n   topics: ${g.topics.join(', ')}\n   e.g. ${g.keys.slice(0, 3).join(', ')}`);
    }
    return 0;
  }
  const report = await replayDeadLetters(store, {
    dlqPrefix: cfg.DLQ_PREFIX,
    topicPrefix: cfg.KAFKA_TOPIC_PREFIX,
    filter: args.filter,
  });
  for (const r of report.replayed) console.log(`replayed ${r.deadLetter} -> ${r.object}`);
  for (const f of report.stillFailing) console.log(`still failing ${f.deadLetter}: ${f.error}`);
  console.log(`${report.replayed.length} replayed, ${report.stillFailing.length} still failing`);
  return report.stillFailing.length ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(errorMessage(err));
      process.exit(1);
    },
  );
}
