/**
 * Options shared by the CLI and the scheduled handler, validated with zod. Defaults match the
 * original generator: 10 customers, 20 accounts (2 each), 50 transactions every 2 seconds, USD.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../shared/errors';

const share = z.number().min(0).max(1);
const count = z.number().int().min(0).max(100_000);

export const generatorOptionsSchema = z
  .object({
    /** Iterations to run; undefined runs until stopped (or until the handler's deadline). */
    iterations: z.number().int().positive().optional(),
    /** Time between iteration starts. */
    intervalMs: z.number().int().min(0).default(2000),
    /** Same seed + same starting database => same rows. Random (and logged) when absent. */
    seed: z.number().int().optional(),
    scale: z
      .object({ customers: count, accounts: count, transactions: count })
      .default({ customers: 10, accounts: 20, transactions: 50 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD'),
    shares: z
      .object({
        /** Of new customers, the share who sign up but open no account (they are what deletes erase). */
        prospects: share.default(0.1),
        /** Of iterations, the share that also update a few customers' email or name. */
        customerUpdates: share.default(0.3),
        /** Of iterations, the share that also close an account or two. */
        accountCloses: share.default(0.2),
        /** Of iterations, the share that also delete a few prospects. */
        customerDeletes: share.default(0.2),
      })
      .default({ prospects: 0.1, customerUpdates: 0.3, accountCloses: 0.2, customerDeletes: 0.2 }),
    /** How many recent accounts / customers one iteration reads, locks and acts on. */
    poolSize: z.number().int().min(1).max(100_000).default(200),
    /** Also fill nullable columns the tables gained after tables.ts (found in the catalog each iteration). */
    fillExtraColumns: z.boolean().default(false),
  })
  .refine((o) => o.scale.accounts === 0 || o.scale.customers > 0, {
    message: 'accounts need customers: scale customers must be > 0 when accounts > 0',
    path: ['scale'],
  });

export type GeneratorOptions = z.output<typeof generatorOptionsSchema>;
export type GeneratorOptionsInput = z.input<typeof generatorOptionsSchema>;

export { UsageError };

export function parseGeneratorOptions(input: GeneratorOptionsInput): GeneratorOptions {
  const parsed = generatorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** '2s' | '500ms' | '1m' | '2' (seconds) -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad duration ${JSON.stringify(text)}: use e.g. 500ms, 2s, 1m`);
  const value = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

/** 'customers,accounts,transactions' per iteration, e.g. '10,20,50'. */
export function parseScale(text: string): GeneratorOptions['scale'] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new UsageError(`bad --scale ${JSON.stringify(text)}: use customers,accounts,transactions e.g. 10,20,50`);
  }
  const [customers, accounts, transactions] = parts.map(Number) as [number, number, number];
  return { customers, accounts, transactions };
}

function parseInteger(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${flag} needs an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseShare(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new UsageError(`--${flag} needs a share between 0 and 1, got ${JSON.stringify(text)}`);
  }
  return v;
}

export const USAGE = `Usage: npm run generate -- [options]

Writes realistic, always-consistent banking activity to Postgres (POSTGRES_* variables).

  --once                 run one iteration and exit (same as --iterations 1)
  --iterations K         run K iterations and exit (default: until Ctrl-C)
  --interval 2s          time between iteration starts: 500ms, 2s, 1m (default 2s)
  --seed N               deterministic run: same seed and same starting data => same rows
  --scale C,A,T          per iteration: new customers, new accounts, transactions (default 10,20,50)
  --currency USD         main currency; a minority of accounts hold EUR, GBP or CAD (default USD)
  --updates 0.3          share of iterations that update customers (email, name)
  --closes 0.2           share of iterations that close accounts
  --deletes 0.2          share of iterations that delete customers who never opened an account
  --fill-new-columns     also write nullable columns added to the tables after functions/shared/tables.ts
  -h, --help             show this help

Ctrl-C stops after the current iteration.`;

export type CliResult = { help: true } | { help: false; options: GeneratorOptions };

export function parseCliArgs(argv: readonly string[]): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        once: { type: 'boolean' },
        iterations: { type: 'string' },
        interval: { type: 'string' },
        seed: { type: 'string' },
        scale: { type: 'string' },
        currency: { type: 'string' },
        updates: { type: 'string' },
        closes: { type: 'string' },
        deletes: { type: 'string' },
        'fill-new-columns': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { help: true };
  if (values.once && values.iterations !== undefined) throw new UsageError('--once and --iterations exclude each other');

  const input: GeneratorOptionsInput = {};
  if (values.once) input.iterations = 1;
  if (values.iterations !== undefined) input.iterations = parseInteger('iterations', values.iterations);
  if (values.interval !== undefined) input.intervalMs = parseDuration(values.interval);
  if (values.seed !== undefined) input.seed = parseInteger('seed', values.seed);
  if (values.scale !== undefined) input.scale = parseScale(values.scale);
  if (values.currency !== undefined) input.currency = values.currency.toUpperCase();
  if (values['fill-new-columns']) input.fillExtraColumns = true;
  const shares: NonNullable<GeneratorOptionsInput['shares']> = {};
  if (values.updates !== undefined) shares.customerUpdates = parseShare('updates', values.updates);
  if (values.closes !== undefined) shares.accountCloses = parseShare('closes', values.closes);
  if (values.deletes !== undefined) shares.customerDeletes = parseShare('deletes', values.deletes);
  if (Object.keys(shares).length) input.shares = shares;
  return { help: false, options: parseGeneratorOptions(input) };
}
