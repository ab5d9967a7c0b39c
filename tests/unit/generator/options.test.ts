import { parseCliArgs, parseDuration, parseGeneratorOptions, UsageError } from '../../../functions/generator/options';
import { iterationsFor } from '../../../handlers/generate';

const opts = (argv: string[]) => {
  const r = parseCliArgs(argv);
  if (r.help) throw new Error('unexpected help');
  return r.options;
};

describe('generator options', () => {
  it('defaults match the original: 10 customers, 20 accounts, 50 transactions every 2 s in USD, until stopped', () => {
    const o = opts([]);
    expect(o.iterations).toBeUndefined();
    expect(o.seed).toBeUndefined();
    expect(o).toMatchObject({
      intervalMs: 2000,
      scale: { customers: 10, accounts: 20, transactions: 50 },
      currency: 'USD',
      shares: { prospects: 0.1, customerUpdates: 0.3, accountCloses: 0.2, customerDeletes: 0.2 },
    });
  });

  it('parses every flag', () => {
    expect(opts(['--once'])).toMatchObject({ iterations: 1 });
    expect(
      opts([
        '--iterations',
        '5',
        '--interval',
        '500ms',
        '--seed=-7',
        '--scale',
        '3,6,100',
        '--currency',
        'eur',
        '--updates',
        '1',
        '--closes',
        '0',
        '--deletes',
        '0.5',
      ]),
    ).toMatchObject({
      iterations: 5,
      intervalMs: 500,
      seed: -7,
      scale: { customers: 3, accounts: 6, transactions: 100 },
      currency: 'EUR',
      shares: { customerUpdates: 1, accountCloses: 0, customerDeletes: 0.5, prospects: 0.1 },
    });
  });

  it('reads durations in ms, s (the default unit) and m', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(() => parseDuration('soon')).toThrow(UsageError);
  });

  it.each([
    [['--bogus'], /bogus/],
    [['--once', '--iterations', '2'], /exclude/],
    [['--iterations', '0'], /iterations/],
    [['--iterations', 'two'], /integer/],
    [['--scale', '10,20'], /customers,accounts,transactions/],
    [['--scale', '0,5,10'], /accounts need customers/],
    [['--interval', 'fast'], /duration/],
    [['--updates', '1.5'], /between 0 and 1/],
    [['--currency', 'dollars'], /ISO 4217/],
    [['positional'], /positional/i],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  it('--help asks for the usage', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['-h'])).toEqual({ help: true });
  });

  it('programmatic options are validated the same way', () => {
    expect(() => parseGeneratorOptions({ intervalMs: -1 })).toThrow(UsageError);
    expect(parseGeneratorOptions({ iterations: 3 }).iterations).toBe(3);
  });
});

describe('iterations per handler invocation', () => {
  it('a schedule runs until the deadline, anything else once, an explicit count wins', () => {
    expect(iterationsFor({ 'detail-type': 'Scheduled Event', source: 'aws.events' })).toBeUndefined();
    expect(iterationsFor({})).toBe(1);
    expect(iterationsFor({ 'detail-type': 'Scheduled Event', iterations: 4 })).toBe(4);
    expect(iterationsFor({ iterations: 2 })).toBe(2);
  });
});
