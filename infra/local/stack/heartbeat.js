'use strict';
// Plain CommonJS with no dependencies, so infra/bootstrap.js can use it before `npm ci` has run;
// the TypeScript side imports it through heartbeat.d.ts.

/** "40 s", "3 min 05 s": elapsed time as a person reads it. */
function formatElapsed(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Run a long step, saying what it does first and that it is still doing it every `everyMs`
 * (10 s), e.g. "minio: building ... (first run only, about 3 min)" then "minio: still building (40 s)"
 * and at the end "minio: built in 3 min 12 s". A step that fails says so with its elapsed time.
 */
async function withHeartbeat(o, step) {
  const log = o.log || ((m) => console.log(m));
  const everyMs = o.everyMs || 10_000;
  const prefix = o.name ? `${o.name}: ` : '';
  const started = Date.now();
  log(`${prefix}${o.doing}${o.detail ? ` ${o.detail}` : ''}...`);
  const timer = setInterval(() => log(`${prefix}still ${o.doing} (${formatElapsed(Date.now() - started)})`), everyMs);
  try {
    const result = await step();
    log(`${prefix}${o.done || `done ${o.doing}`} in ${formatElapsed(Date.now() - started)}`);
    return result;
  } catch (err) {
    log(`${prefix}${o.doing} failed after ${formatElapsed(Date.now() - started)}`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

module.exports = { withHeartbeat, formatElapsed };
