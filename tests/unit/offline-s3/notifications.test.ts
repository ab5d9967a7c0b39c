/**
 * The lines of MinIO's notification stream, recorded from the pinned MinIO
 * (tests/fixtures/minio/listen-notification-stream.txt: whitespace keep-alive, then one JSON
 * document per line): keys arrive unescaped, ETags bare, and other lines give nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectsOfLine } from '../../../infra/local/offline-s3/notifications';

const recorded = readFileSync(join(__dirname, '../../fixtures/minio/listen-notification-stream.txt'), 'utf8');

describe('objectsOfLine', () => {
  it('reads key, size, ETag and time from each recorded event, keys exactly as stored', () => {
    const objects = recorded.split('\n').flatMap(objectsOfLine);
    expect(objects.map((o) => o.key)).toEqual([
      'probe/customers/date=2026-12-03/customers+0+906-1811.parquet',
      'probe/in/b c+d é.parquet',
      'probe/f1.parquet',
    ]);
    for (const o of objects) {
      expect(o.size).toBe(4);
      expect(o.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(o.lastModified.toISOString()).toMatch(/^2026-12-03T/);
    }
  });

  it('gives nothing for keep-alive whitespace or events other than ObjectCreated, and throws on a broken line', () => {
    expect(objectsOfLine('   ')).toEqual([]);
    expect(objectsOfLine('{"Records":null}')).toEqual([]);
    expect(objectsOfLine('{"Records":[{"eventName":"s3:ObjectRemoved:Delete","s3":{"object":{"key":"a.parquet"}}}]}')).toEqual(
      [],
    );
    expect(() => objectsOfLine('{"Records":[')).toThrow();
  });
});
