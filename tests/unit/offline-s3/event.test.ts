import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { s3EventSchema } from '../../../handlers/events';
import { decodeLakeEventKey } from '../../../functions/shared/objectKeys';
import {
  buildS3Event,
  decodeFormEncodedKey,
  encodeEventKey,
  sequencerFor,
  stripETagQuotes,
} from '../../../infra/local/offline-s3/event';

const object = (key: string, ms = Date.UTC(2026, 10, 24, 4, 5, 18, 783)) => ({
  key,
  size: 2032,
  eTag: '33faadbf5b29a357b2c145de007c49db',
  lastModified: new Date(ms),
});
const meta = { bucket: 'banking-data', region: 'eu-west-1', configurationId: 'banking-cdc-dev-loadObject' };

describe('S3 event key encoding (as AWS: form-URL-encoded, / kept)', () => {
  it.each([
    [
      'transactions/date=2026-11-24/transactions+0+25387-25391.parquet',
      'transactions/date%3D2026-11-24/transactions%2B0%2B25387-25391.parquet',
    ],
    ['a dir/red flower.jpg', 'a+dir/red+flower.jpg'],
    ['données/été 2026/ß.parquet', 'donn%C3%A9es/%C3%A9t%C3%A9+2026/%C3%9F.parquet'],
    ['x/100%+real?.txt', 'x/100%25%2Breal%3F.txt'],
  ])('%s -> %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeFormEncodedKey(encoded)).toBe(key);
  });

  it("round-trips lake keys through the loader's decodeLakeEventKey (its `+` arrives as %2B)", () => {
    const key = 'accounts/date=2026-01-02/accounts+3+10-20.parquet';
    expect(decodeLakeEventKey(encodeEventKey(key))).toBe(key);
  });
});

describe('buildS3Event', () => {
  const event = buildS3Event(meta, [object('accounts/date=2026-01-02/accounts+3+10-20.parquet'), object('b c.parquet', 0)]);

  it('has one record per object with the fields AWS documents', () => {
    expect(event.Records).toHaveLength(2);
    const r = event.Records[0]!;
    expect(r).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-24T04:05:18.783Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'banking-cdc-dev-loadObject',
        bucket: { name: 'banking-data', arn: 'arn:aws:s3:::banking-data' },
        object: {
          key: 'accounts/date%3D2026-01-02/accounts%2B3%2B10-20.parquet',
          size: 2032,
          eTag: '33faadbf5b29a357b2c145de007c49db',
        },
      },
    });
    expect(event.Records[1]!.s3.object.key).toBe('b+c.parquet');
  });

  it("passes Powertools' S3Schema (AWS's shape) and our handler's schema", () => {
    expect(S3Schema.safeParse(event).success).toBe(true);
    expect(s3EventSchema.safeParse(event).success).toBe(true);
  });

  it('orders sequencers of one key by time, as strings', () => {
    const earlier = sequencerFor(object('k', 1_000));
    const later = sequencerFor(object('k', 1_700_000_000_000));
    expect(earlier < later).toBe(true);
    expect(earlier).toMatch(/^[0-9A-F]{16}$/);
  });

  it('strips the quotes ListObjectsV2 puts around ETags', () => {
    expect(stripETagQuotes('"abc-2"')).toBe('abc-2');
    expect(stripETagQuotes('abc')).toBe('abc');
  });
});
