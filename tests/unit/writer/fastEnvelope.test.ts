import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvelope } from '../../../functions/writer/decode/envelope';
import { fastEnvelope } from '../../../functions/writer/decode/fastEnvelope';
import { envelopeOf, loadRecording } from '../../fixtures/debezium';

const evolution = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'debezium', 'evolution.json'), 'utf8')) as {
  records: { value: string | null }[];
};
const recorded = [
  ...loadRecording().records,
  ...loadRecording().snapshotSamples,
  ...loadRecording('recording-schemaless.json').records,
  ...evolution.records,
].filter((r) => r.value !== null);

describe('fastEnvelope (reads only what the row needs)', () => {
  it.each(recorded.map((r, i) => [i, JSON.stringify(envelopeOf(r))]))(
    'agrees with a full parse on recorded envelope %i',
    (_i, text) => {
      const full = parseEnvelope(text);
      const fast = fastEnvelope(text)!;
      expect(fast).toBeDefined();
      const image = full.op === 'd' ? 'before' : 'after';
      expect({ ...fast, before: null, after: null }).toEqual({ ...full, before: null, after: null });
      expect(fast[image]).toEqual(full[image]);
    },
  );

  const base = JSON.stringify(envelopeOf(recorded.find((r) => envelopeOf(r).op === 'u')!));
  it.each([
    ['a field order it does not know', base.replace('{"before":', '{"op":"u","before":')],
    ['an LSN beyond 15 digits', base.replace(/"lsn":\d+/, '"lsn":1234567890123456')],
    ['a negative commit time', base.replace(/"source":\{(.*?)"ts_ms":\d+/, '"source":{$1"ts_ms":-5')],
    ['a truncated image', base.replace('},"after":{', ',"after":{')],
    ['an image that is not JSON', base.replace(/"after":\{"id":/, '"after":{"id":,')],
    ['a text cut short by one character', base.slice(0, -1)],
    ['a text cut short inside its last fields', base.slice(0, base.lastIndexOf(',"ts_ms":') + 3)],
    ['a text followed by a stray }', `${base}}`],
    ['a text followed by garbage', `${base}x`],
    ['a second envelope after the first', base + base],
  ])('leaves %s to the full parse', (_what, text) => {
    expect(fastEnvelope(text)).toBeUndefined();
  });
});
