import { readFileSync } from 'node:fs';
import { storeBatch } from '../functions/writer';
import { validateKafkaEvent } from '../handlers/kafkaEvent';
import { buildEvents } from './writerHotPath.bench';
async function main() {
  const fx = JSON.parse(readFileSync('/work/wt-28/bench/fixtures/debezium-envelopes.json', 'utf8'));
  const events = buildEvents(fx, Number(process.argv[2] ?? 40_000), Number(process.argv[3] ?? 1000), true);
  const sink = { put: async () => undefined } as never;
  const ms: number[] = [];
  for (const e of events) {
    const t = performance.now();
    const v = validateKafkaEvent(e);
    if (!v.success) throw new Error(v.problems.join(';'));
    await storeBatch(Object.values(v.data.records).flat(), { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    ms.push(Math.round(performance.now() - t));
  }
  console.log(ms.join(' '));
}
void main();
