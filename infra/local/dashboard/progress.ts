/** The one-line terminal progress of `npm start`, from the same figures the page shows. */
import type { Status } from './types';

const n = (x: number | null | undefined) => (x === null || x === undefined ? '?' : x.toLocaleString('en-US'));

export function progressLine(s: Status): string {
  const ts = new Date(s.now).toISOString().slice(11, 19);
  const fact = s.dbt.models.fact_transactions;
  const modelled = [fact !== undefined ? `fact_transactions ${n(fact)}` : 'no dbt models yet', s.dbt.lastRun ?? '']
    .filter(Boolean)
    .join(', ');
  const wh = s.sources.find((x) => x.name === 'warehouse');
  const lag =
    s.latency.p50 !== null
      ? `p50 ${(s.latency.p50 / 1000).toFixed(1)}s, p99 ${((s.latency.p99 ?? 0) / 1000).toFixed(1)}s`
      : wh?.error
        ? wh.error
        : 'no loads in the last minutes';
  return (
    `${ts}  source rows ${n(s.sourceRows)} | captured ${n(s.stages.captured.count)} | written ${n(s.stages.written.count)} | ` +
    `loaded ${n(s.stages.loaded.count)} | kafka lag ${n(s.lag.total)} | waiting ${n(s.lake.waiting)} | modelled: ${modelled} | commit->RAW ${lag}`
  );
}
