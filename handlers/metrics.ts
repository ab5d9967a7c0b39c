/**
 * CloudWatch metrics through Powertools Metrics (EMF: one structured log line per invocation that
 * CloudWatch turns into metrics, no API calls): namespace BankingCdc, dimension service. The same
 * figures the local pipeline page shows; serverless.yml's PipelineDashboard charts them.
 * Off under serverless-offline and `sls invoke local` (IS_OFFLINE / IS_LOCAL) unless
 * POWERTOOLS_METRICS_DISABLED says otherwise: there the page shows them and the lines would be noise.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

if (process.env.POWERTOOLS_METRICS_DISABLED === undefined && (process.env.IS_OFFLINE || process.env.IS_LOCAL)) {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
}

export const METRICS_NAMESPACE = 'BankingCdc';
// The `service` dimension: serverless.yml sets it per stage, so each stage's alarms see only its own.
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'banking-cdc',
});

/** writeBatch: records in, rows and objects out, dead letters, and how old the oldest record was when stored. */
export function recordBatch(
  records: readonly { timestamp?: number }[],
  result: { objects: readonly { rows: number }[]; deadLetters: readonly unknown[] },
  now = Date.now(),
): void {
  metrics.addMetric('Records', MetricUnit.Count, records.length);
  metrics.addMetric(
    'Rows',
    MetricUnit.Count,
    result.objects.reduce((n, o) => n + o.rows, 0),
  );
  metrics.addMetric('Objects', MetricUnit.Count, result.objects.length);
  metrics.addMetric('DeadLetters', MetricUnit.Count, result.deadLetters.length);
  // Kafka's timestamp is when Debezium appended the change: this is capture -> stored in S3.
  const oldest = Math.min(...records.map((r) => r.timestamp ?? Infinity));
  if (Number.isFinite(oldest)) metrics.addMetric('BatchLatency', MetricUnit.Milliseconds, Math.max(0, now - oldest));
  metrics.publishStoredMetrics();
}

/** loadObject: objects and rows loaded into RAW, objects skipped as loaded, load failures. */
export function recordLoad(r: { loaded: number; rows: number; alreadyLoaded: number; failed: readonly unknown[] }): void {
  metrics.addMetric('ObjectsLoaded', MetricUnit.Count, r.loaded);
  metrics.addMetric('RowsLoaded', MetricUnit.Count, r.rows);
  metrics.addMetric('AlreadyLoaded', MetricUnit.Count, r.alreadyLoaded);
  metrics.addMetric('LoadErrors', MetricUnit.Count, r.failed.length);
  metrics.publishStoredMetrics();
}
