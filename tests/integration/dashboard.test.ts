/**
 * The pipeline page in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) opens it while the generator and the functions run (a bounded e2e run under
 * sls offline on ports of its own), and the numbers and the charts must move; a poison record must
 * show up as a dead letter with its reason; the warehouse must still reconcile exactly afterwards
 * (the page's reads did not break the pipeline). The screenshot and /api/status are saved to
 * .stack/artifacts/dashboard.png and dashboard-status.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { kafkaBrokers } from '../../infra/local/stack/settings';
import { newRunId, runE2e } from '../../infra/local/cli/e2e-run';
import { startDashboard, type Dashboard, type Status } from '../../infra/local/dashboard';
import { makeContext } from '../../infra/local/stack/context';
import { CHROMIUM_ARGS, ensureChromium } from '../../infra/local/stack/services/chromium';

jest.setTimeout(15 * 60_000);

const log = (m: string) => console.log(`[dashboard test] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PageView {
  counts: Record<string, string>;
  ratesPoints: number;
  ratesLast: number;
  latencyPoints: number;
  canvas: string;
  dlq: string;
  verdict: string;
}

// A string, so it runs as written in the page (the test's own TypeScript has no DOM types).
const READ_PAGE = `(() => {
  const counts = {};
  for (const el of document.querySelectorAll('[id^="count-"]')) counts[el.id.slice(6)] = el.textContent;
  const d = (id) => document.getElementById(id).dataset;
  return {
    counts,
    ratesPoints: Number(d('chart-rates').points || 0),
    ratesLast: Number(d('chart-rates').last || 0),
    latencyPoints: Number(d('chart-latency').points || 0),
    canvas: document.querySelector('#chart-rates canvas').toDataURL(),
    dlq: document.getElementById('dlq').textContent,
    verdict: (document.getElementById('reconciliation-verdict') || {}).textContent || '',
  };
})()`;

const num = (s: string | undefined) => (s && /\d/.test(s) ? Number(s.replace(/,/g, '')) : NaN);

/** Poll until cond holds (the deadline only keeps a broken page from hanging the test). */
async function until<T>(what: string, read: () => Promise<T>, cond: (v: T) => boolean, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!cond(v) && Date.now() < deadline) {
    await sleep(1000);
    v = await read();
  }
  if (!cond(v)) log(`gave up waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
  return v;
}

test('the page shows the running pipeline and its numbers and charts move', async () => {
  const chromiumPath = await ensureChromium(log);
  const runId = newRunId();
  const ctx = makeContext({ quiet: true });
  const artifacts = join(ctx.stackDir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const screenshot = join(artifacts, 'dashboard.png');
  rmSync(screenshot, { force: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  let dashboard: Dashboard | undefined;
  let browser: BrowserContext | undefined;
  let first: PageView | undefined;
  let later: PageView | undefined;
  let api: Status | undefined;
  const groupId = `e2e-${runId}`; // the prefix runE2e passes as consumerGroupId

  try {
    const report = await runE2e({
      iterations: 90,
      seed: 14,
      intervalMs: 1000,
      catchUpTimeoutMs: 300_000,
      skipDbt: true,
      runId,
      log: (m) => log(`e2e: ${m}`),
      duringRun: async ({ cfg, warehousePath }) => {
        dashboard = await startDashboard({
          cfg,
          ctx: makeContext({ cfg, quiet: true }),
          port: 0,
          warehousePath,
          params: { consumerGroupId: groupId, generateSchedule: 'false' },
        });
        log(`page at ${dashboard.url}`);
        browser = await chromium.launchPersistentContext(userDataDir, {
          executablePath: chromiumPath,
          headless: true,
          args: CHROMIUM_ARGS,
          viewport: { width: 1500, height: 1100 },
        });
        const page: Page = browser.pages()[0] ?? (await browser.newPage());
        await page.goto(dashboard.url);
        const view = () => page.evaluate(READ_PAGE) as Promise<PageView>;
        first = await until('first figures', view, (v) => ['generated', 'captured'].every((k) => num(v.counts[k]) > 0));

        const kafka = new Kafka({ clientId: 'dashboard-test', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({
          topic: `${cfg.KAFKA_TOPIC_PREFIX}.public.transactions`,
          messages: [{ key: '{"id": 987654300}', value: '{"op": "c", "after": {"id": 987654300' }],
        });
        await producer.disconnect();

        later = await until(
          'the numbers, the charts and the dead letter',
          view,
          (v) =>
            ['generated', 'captured', 'written', 'loaded'].every(
              (k) => num(v.counts[k]) > num(first!.counts[k]) || (isNaN(num(first!.counts[k])) && num(v.counts[k]) > 0),
            ) &&
            v.ratesLast > first!.ratesLast &&
            v.latencyPoints >= 3 &&
            /not JSON/.test(v.dlq),
        );
        // For the screenshot only (not asserted): a reconciliation has run and the charts have a minute of history.
        await until('a reconciliation and a minute of charts', view, (v) => v.verdict !== '' && v.ratesPoints >= 30, 120_000);
        await page.screenshot({ path: screenshot, fullPage: true });
        api = (await (await fetch(`${dashboard.url}/api/status`)).json()) as Status;
        writeFileSync(join(artifacts, 'dashboard-status.json'), JSON.stringify(api, null, 2));
      },
    });

    expect(first).toBeDefined();
    expect(later).toBeDefined();
    const a = first!;
    const b = later!;
    log(`first ${JSON.stringify(a.counts)}, later ${JSON.stringify(b.counts)}`);
    for (const k of ['generated', 'captured', 'written', 'loaded']) {
      expect([k, num(b.counts[k]) > (num(a.counts[k]) || 0)]).toEqual([k, true]);
    }
    expect(b.ratesPoints).toBeGreaterThan(a.ratesPoints);
    expect(b.ratesLast).toBeGreaterThan(a.ratesLast);
    expect(b.canvas).not.toEqual(a.canvas);
    expect(b.latencyPoints).toBeGreaterThanOrEqual(3);
    expect(b.dlq).toMatch(/transactions/);

    // /api/status carries the same figures.
    expect(api).toBeDefined();
    // The groups serverless.yml gives the writer (one per topic), as the local event source reads them.
    expect(api!.lag.groups.sort()).toEqual(['accounts', 'customers', 'transactions'].map((t) => `${groupId}-${t}`));
    expect(api!.lag.partitions.length).toBeGreaterThanOrEqual(3);
    expect(api!.deadLetters.count).toBeGreaterThanOrEqual(1);
    expect(api!.latency.buckets.length).toBeGreaterThanOrEqual(3);
    expect(api!.services.find((s) => s.name === 'postgres')?.healthy).toBe(true);
    expect(api!.services.find((s) => s.name === 'functions')?.healthy).toBe(true);
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);

    // The page's reads did not stall or break the pipeline: the warehouse caught up exactly.
    expect(report.match).toBe(true);
  } finally {
    await browser?.close().catch(() => undefined);
    await dashboard?.stop().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(join(ctx.stackDir, 'e2e', runId), { recursive: true, force: true });
  }
});
