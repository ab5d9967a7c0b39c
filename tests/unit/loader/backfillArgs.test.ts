import { parseBackfillArgs, UsageError } from '../../../infra/local/cli/backfill';

describe('backfill flags', () => {
  it('takes one or more prefixes as given', () => {
    expect(parseBackfillArgs(['--prefix', 'accounts/date=2024-05-01/', '--prefix', 'customers/'])).toEqual({
      prefixes: ['accounts/date=2024-05-01/', 'customers/'],
      batchSize: 50,
    });
  });

  it('turns a date range (and optional tables) into per-table, per-day prefixes', () => {
    expect(
      parseBackfillArgs(['--from', '2024-05-01', '--to', '2024-05-02', '--table', 'accounts', '--batch-size', '10']),
    ).toEqual({
      prefixes: ['accounts/date=2024-05-01/', 'accounts/date=2024-05-02/'],
      batchSize: 10,
    });
  });

  it.each([
    [[], /give --prefix, or both --from and --to/],
    [['--from', '2024-05-01'], /both --from and --to/],
    [['--prefix', 'a/', '--table', 'accounts'], /cannot be combined/],
    [
      ['--from', '2024-05-01', '--to', '2024-05-01', '--table', 'ledger'],
      /--table ledger: expected one of customers, accounts, transactions/,
    ],
    [['--from', '2024-05-01', '--to', '2024-05-01', '--batch-size', '0'], /--batch-size must be a positive integer/],
    [['--since', 'x'], /Unknown option '--since'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseBackfillArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseBackfillArgs(argv as string[])).toThrow(message);
  });
});
