/**
 * The status collector: each source (Postgres, Kafka, the lake, the warehouse, the services,
 * Airflow, the reconciliation) read on its own cadence by a loop of its own, so one slow or
 * failing source keeps its last figures while the rest go on; a sample of the figures every tick
 * goes into the history for the charts. Reads are small aggregate queries; the expensive ones
 * back off with their cost (periodic.ts) and the warehouse is only read when free (warehouse.ts).
 */
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Client } from 'pg';
import type { S3Client } from '@aws-sdk/client-s3';
import { kafkaBrokers, type Settings } from '../stack/settings';
import { createS3Client } from '../../../functions/shared/s3';
import type { Totals } from '../../../functions/reconcile';
import { createS3Lister } from '../lib/s3List';
import type { StackContext } from '../stack/service';
import { lastDbtRun } from './airflow';
import { fallbackGroups, resolveGroups, type GroupTopics } from './consumerGroups';
import { readHealth } from './health';
import { History } from './history';
import { readKafka, type KafkaFigures } from './kafka';
import { LakeReader, type LakeFigures } from './lake';
import { periodic, stoppableSleep, type Periodic } from './periodic';
import { readPostgres, type PostgresFigures } from './postgres';
import { lastE2eReport, lastVerification, ReconcileDeferred, reconcileTotals, sourceSnapshot } from './reconcile';
import { buildStatus, sampleOf } from './status';
import type { Reconciliation, ServiceHealth, Status } from './types';
import { readWarehouse, whenFree, type WarehouseFigures } from './warehouse';
import { postgresClient } from '../../../functions/shared/postgres';

/** How far back the latency chart goes. */
const LATENCY_WINDOW_MS = 10 * 60_000;

export interface CollectorOptions {
  cfg: Settings;
  ctx: StackContext;
  warehousePath: string;
  /** The serverless params sls offline runs with (e.g. consumerGroupId), to find the same consumer groups. */
  params?: Record<string, string>;
  /** Environment sls offline runs with (its ports). */
  env?: NodeJS.ProcessEnv;
  /** Where `npm run e2e` records its last report. */
  e2eReportFile?: string;
  /** History sample interval. */
  tickMs?: number;
  /** Shortest pause between reads of the fast sources. */
  everyMs?: number;
}

/** What the sources last read; the status is built from this on each request. */
export interface Figures {
  groups: GroupTopics[];
  groupsResolved: boolean;
  postgres?: PostgresFigures;
  sourceRows?: number;
  kafka?: KafkaFigures;
  lake?: LakeFigures;
  warehouse?: WarehouseFigures;
  /** Every object in the ledger (key -> rows), kept incrementally from new ledger rows. */
  loaded: Map<string, number>;
  /** How long the last warehouse read held the file. */
  warehouseHeldMs?: number;
  reconciliation?: Reconciliation;
  /** Why the last turn of the reconciliation did not read the warehouse. */
  reconciliationDeferred?: { at: number; why: string };
  services: ServiceHealth[];
  dbtRun?: string;
}

export class Collector {
  readonly history = new History();
  readonly figures: Figures;
  private stopping = false;
  private loops: Periodic[] = [];
  private readonly admin: Admin;
  private readonly s3: S3Client;
  private pg?: Client;
  private loadedSince = 0;

  constructor(private readonly o: CollectorOptions) {
    this.figures = { groups: fallbackGroups(o.cfg, o.params), groupsResolved: false, loaded: new Map(), services: [] };
    const kafka = new Kafka({ clientId: 'dashboard', brokers: kafkaBrokers(o.cfg), logLevel: logLevel.NOTHING });
    this.admin = kafka.admin();
    this.s3 = createS3Client(o.cfg);
  }

  start(): void {
    const stopped = () => this.stopping;
    const sleep = stoppableSleep(stopped);
    const every = this.o.everyMs ?? 2000;
    const loop = (name: string, everyMs: number, read: () => Promise<number | void>, costFactor?: number, retryMs?: number) =>
      this.loops.push(periodic({ name, everyMs, costFactor, retryMs, stopped, sleep }, read));
    const f = this.figures;
    const lake = new LakeReader(this.s3, createS3Lister(this.s3, 10_000), this.o.cfg.MINIO_BUCKET, this.o.cfg.DLQ_PREFIX);
    const env = { ...process.env, ...this.o.env };
    resolveGroups(this.o.ctx.root, this.o.params ?? {}, env).then(
      (g) => {
        if (g.length) f.groups = g;
        f.groupsResolved = true;
      },
      () => undefined, // keep the fallback groups
    );
    void this.admin.connect().catch(() => undefined);

    loop('postgres', every, async () => void (f.postgres = await readPostgres(await this.client())));
    loop('postgres rows', 10_000, async () => void (f.sourceRows = await this.countSourceRows()), 20);
    loop('kafka', every, async () => void (f.kafka = await readKafka(this.admin, f.groups)));
    loop('lake', every, async () => void (f.lake = await lake.read()));
    // Spaced by how long the file was held: at most ~4% of the loaders' time goes to the page.
    loop('warehouse', every, () => this.readWarehouseNow(), 25);
    loop('reconcile', 30_000, () => this.reconcileNow(), 50, 5000);
    loop('services', 10_000, async () => void (f.services = await readHealth(this.o.ctx, this.lambdaPort())));
    loop('airflow', 10_000, async () => {
      f.dbtRun = (await lastDbtRun(this.o.cfg).catch(() => undefined)) ?? 'Airflow not answering';
    });
    loop('history', this.o.tickMs ?? 2000, async () => this.history.add(Date.now(), sampleOf(this.status(false))), 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops.map((l) => l.done));
    await Promise.allSettled([this.admin.disconnect(), this.pg?.end()]);
    this.s3.destroy(); // its keep-alive sockets would hold the process open
  }

  status(withHistory = true): Status {
    return buildStatus({
      figures: this.figures,
      history: this.history,
      withHistory,
      sources: this.loops.map((l) => ({ ...l.state })),
      cfg: this.o.cfg,
      warehousePath: this.o.warehousePath,
      lastE2e: lastE2eReport(this.o.e2eReportFile ?? join(this.o.ctx.stackDir, 'e2e', 'last-report.json')),
      lastVerify: lastVerification(join(this.o.ctx.stackDir, 'verify', 'audit.jsonl')),
    });
  }

  private lambdaPort(): number {
    return Number(this.o.env?.OFFLINE_LAMBDA_PORT ?? this.o.cfg.OFFLINE_LAMBDA_PORT);
  }

  /** One connection, opened again after a failure (Postgres restarted). */
  private async client(): Promise<Client> {
    if (this.pg) return this.pg;
    const c = await this.connect();
    c.on('error', () => {
      if (this.pg === c) this.pg = undefined;
    });
    this.pg = c;
    return c;
  }

  private async connect(): Promise<Client> {
    const c = postgresClient(this.o.cfg, { connectTimeoutMs: 3000, applicationName: 'dashboard' });
    await c.connect();
    return c;
  }

  private async countSourceRows(): Promise<number> {
    const r = await (
      await this.client()
    ).query<{ n: string }>(
      'SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM accounts) + (SELECT count(*) FROM transactions) AS n',
    );
    return Number(r.rows[0]!.n);
  }

  private async readWarehouseNow(): Promise<number> {
    const f = this.figures;
    // Latency buckets: the newest known one is read again (it may have grown), older ones are kept.
    const kept = (f.warehouse?.latency ?? []).filter((b) => b.t >= Date.now() - LATENCY_WINDOW_MS);
    const from = kept.length ? kept[kept.length - 1]!.t : Date.now() - LATENCY_WINDOW_MS;
    const { value, heldMs } = await whenFree(this.o.warehousePath, (db) => readWarehouse(db, this.loadedSince, from));
    value.latency = [...kept.filter((b) => b.t < from), ...value.latency];
    // A smaller ledger than we know of: the warehouse was recreated; start the set again.
    if (value.loads < f.loaded.size) {
      f.loaded.clear();
      this.loadedSince = 0;
      f.warehouse = undefined;
      return heldMs;
    }
    for (const l of value.newLoads) {
      f.loaded.set(l.key, l.rows);
      // Loads are serialised by the writer mutex, so their times only grow; a minute's margin anyway.
      this.loadedSince = Math.max(this.loadedSince, l.at - 60_000);
    }
    f.warehouse = value;
    f.warehouseHeldMs = heldMs;
    return heldMs;
  }

  private async reconcileNow(): Promise<number> {
    const started = Date.now();
    // While changes are on their way the totals differ anyway, and the warehouse side (current state
    // over every RAW row, seconds on a big file) would hold the file the loaders are waiting for.
    const before = this.status(false);
    const lag = before.lag.total ?? 0;
    if (lag > 0 || before.lake.waiting > 0) {
      const why = `changes in flight (Kafka lag ${lag}, ${before.lake.waiting} objects waiting): compared once the pipeline has caught up`;
      this.figures.reconciliationDeferred = { at: started, why };
      throw new ReconcileDeferred(why);
    }
    delete this.figures.reconciliationDeferred;
    // A connection of its own: its snapshot transaction must not wrap the other loops' queries.
    const pg = await this.connect();
    let source: Totals;
    try {
      source = await sourceSnapshot(pg);
    } finally {
      await pg.end().catch(() => undefined);
    }
    const s = this.status(false);
    const inFlight = (s.lag.total ?? 1) > 0 || s.lake.waiting > 0 || s.sources.some((x) => x.name === 'warehouse' && x.error);
    const { value, heldMs } = await whenFree(this.o.warehousePath, (db) => reconcileTotals(source, db, inFlight, started));
    this.figures.reconciliation = value;
    return heldMs;
  }
}
