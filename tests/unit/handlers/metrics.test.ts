/**
 * The functions' CloudWatch metrics (Powertools EMF) and serverless.yml's dashboard agree: every
 * metric the dashboard (infra/aws/dashboard.yml) charts in our namespace is one the handlers publish, and back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { metrics, METRICS_NAMESPACE, recordBatch, recordLoad } from '../../../handlers/metrics';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [k: string]: unknown;
}

const published: Emf[] = [];
beforeAll(() => {
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    published.push(metrics.serializeMetrics() as unknown as Emf);
    metrics.clearMetrics();
    return metrics;
  });
});
beforeEach(() => (published.length = 0));

test('writeBatch: records, rows, objects, dead letters and the age of its oldest record', () => {
  const result = {
    objects: [
      { key: 'a', table: 'accounts' as const, rows: 3, bytes: 10 },
      { key: 'b', table: 'customers' as const, rows: 2, bytes: 10 },
    ],
    deadLetters: [{ key: '_dlq/x', error: 'bad' }],
    tombstones: 1,
    rowsByTable: {},
  };
  recordBatch([{ timestamp: 1000 }, { timestamp: 4000 }, {}, { timestamp: 2000 }], result, 6000);
  const [emf] = published;
  expect(emf!._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
  expect(emf!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  expect(emf).toMatchObject({ service: 'banking-cdc', Records: 4, Rows: 5, Objects: 2, DeadLetters: 1, BatchLatency: 5000 });
});

test('loadObject: objects and rows loaded, skipped, failed', () => {
  recordLoad({ loaded: 2, rows: 700, alreadyLoaded: 1, failed: [{ key: 'k' }] });
  expect(published[0]).toMatchObject({ ObjectsLoaded: 2, RowsLoaded: 700, AlreadyLoaded: 1, LoadErrors: 1 });
});

test("the CloudWatch dashboard (serverless.yml's resources) charts exactly the metrics the handlers publish", () => {
  const root = join(__dirname, '../../..');
  expect(readFileSync(join(root, 'serverless.yml'), 'utf8')).toContain('${file(./infra/aws/dashboard.yml)}');
  const file = parse(readFileSync(join(root, 'infra/aws/dashboard.yml'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { DashboardBody: string } }>;
  };
  const dash = file.Resources.PipelineDashboard!;
  expect(dash.Type).toBe('AWS::CloudWatch::Dashboard');
  const body = JSON.parse(dash.Properties.DashboardBody) as {
    widgets: { properties: { metrics: (string | Record<string, string>)[][] } }[];
  };
  const charted = new Set<string>();
  for (const w of body.widgets) {
    let namespace = '';
    for (const m of w.properties.metrics) {
      if (m[0] !== '.' && m[0] !== '...') namespace = m[0] as string;
      if (namespace === METRICS_NAMESPACE && m[0] !== '...') charted.add(m[1] as string);
    }
  }
  recordBatch([{ timestamp: 1 }], { objects: [], deadLetters: [] }, 2);
  recordLoad({ loaded: 0, rows: 0, alreadyLoaded: 0, failed: [] });
  const names = published.flatMap((e) => e._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name));
  expect([...charted].sort()).toEqual([...new Set(names)].sort());
});
