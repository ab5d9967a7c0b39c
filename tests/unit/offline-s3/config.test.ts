import type { FunctionLike } from '../../../infra/local/lib/serverless';
import { serviceWith } from '../../fixtures/serverless';
import { readOptions, readS3Specs } from '../../../infra/local/offline-s3/config';

// loadObject as serverless.yml declares it, resolved.
const loadObject: FunctionLike = {
  timeout: 300,
  events: [{ s3: { bucket: 'banking-data', event: 's3:ObjectCreated:*', existing: true, rules: [{ suffix: '.parquet' }] } }],
};

describe('readS3Specs', () => {
  it("reads loadObject's s3 event with its deployed name, timeout and filters", () => {
    const specs = readS3Specs(serviceWith({ generate: { events: [{ schedule: 'rate(1 minute)' }] }, loadObject }));
    expect(specs).toEqual([
      {
        functionKey: 'loadObject',
        functionName: 'banking-cdc-dev-loadObject',
        timeoutSeconds: 300,
        bucket: 'banking-data',
        event: 's3:ObjectCreated:*',
        filters: { suffix: '.parquet' },
        configurationId: 'banking-cdc-dev-loadObject',
      },
    ]);
  });

  it('accepts the short form and prefix + suffix rules', () => {
    const specs = readS3Specs(
      serviceWith({
        a: { events: [{ s3: 'photos' }] },
        b: { name: 'custom-name', events: [{ s3: { bucket: 'x', rules: [{ prefix: 'in/' }, { suffix: '.jpg' }] } }] },
      }),
    );
    expect(specs.map((s) => [s.functionName, s.bucket, s.event, s.filters])).toEqual([
      ['banking-cdc-dev-a', 'photos', 's3:ObjectCreated:*', {}],
      ['custom-name', 'x', 's3:ObjectCreated:*', { prefix: 'in/', suffix: '.jpg' }],
    ]);
  });

  it('skips, with a warning, events polling cannot see', () => {
    const warnings: string[] = [];
    const specs = readS3Specs(serviceWith({ f: { events: [{ s3: { bucket: 'x', event: 's3:ObjectRemoved:*' } }] } }), {
      warn: (m) => warnings.push(m),
    });
    expect(specs).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/s3:ObjectRemoved:\* on x is not emulated locally/)]);
  });

  it('refuses what it cannot honour', () => {
    expect(() => readS3Specs(serviceWith({ f: { events: [{ s3: { bucket: { Ref: 'B' } } }] } }))).toThrow(
      /bucket must be a bucket name/,
    );
    expect(() =>
      readS3Specs(serviceWith({ f: { events: [{ s3: { bucket: 'x', rules: [{ prefix: 'a' }, { prefix: 'b' }] } }] } })),
    ).toThrow(/prefix appears twice/);
    expect(() => readS3Specs(serviceWith({ f: { events: [{ s3: { bucket: 'x', rules: [{ name: 'a' }] } }] } }))).toThrow(
      /unsupported rule/,
    );
  });
});

describe('readOptions', () => {
  it('has defaults and reads custom.offlineS3', () => {
    expect(readOptions(serviceWith({}), {})).toEqual({
      enabled: true,
      pollIntervalMs: 1000,
      batchSize: 100,
      sweepBatchSize: 100,
      maxInFlight: 1,
      fullListIntervalMs: 300_000,
      notifications: true,
      notifiedPollIntervalMs: 5000,
    });
    expect(
      readOptions(serviceWith({}, { offlineS3: { pollIntervalMs: '250', maxInFlight: 2, batchSize: 1 } }), {}),
    ).toMatchObject({
      pollIntervalMs: 250,
      maxInFlight: 2,
      batchSize: 1,
    });
  });

  it('can be switched off, and refuses bad numbers', () => {
    expect(readOptions(serviceWith({}, { offlineS3: { enabled: false } }), {}).enabled).toBe(false);
    expect(readOptions(serviceWith({}), { OFFLINE_S3: 'off' }).enabled).toBe(false);
    expect(readOptions(serviceWith({}), { OFFLINE_S3_NOTIFICATIONS: 'off' }).notifications).toBe(false);
    expect(readOptions(serviceWith({}, { offlineS3: { notifications: false } }), {}).notifications).toBe(false);
    expect(() => readOptions(serviceWith({}, { offlineS3: { maxInFlight: 0 } }), {})).toThrow(
      /maxInFlight must be an integer >= 1/,
    );
    expect(() => readOptions(serviceWith({}, { offlineS3: { pollIntervalMs: 'soon' } }), {})).toThrow(
      /pollIntervalMs must be a number/,
    );
  });
});
