/**
 * Seeded randomness for one iteration: a small PRNG (sfc32) for every numeric choice and a
 * private faker instance for names, both derived from (seed, iteration) so iteration i of a run
 * with seed S produces the same plan wherever and whenever it runs.
 */
import { Faker, base, en } from '@faker-js/faker';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Pick by weight; weights need not sum to 1. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
  /** Standard normal (Box-Muller). */
  normal(): number;
  readonly faker: Faker;
}

// One faker per process: it is reseeded before every plan, and plans are built synchronously.
const faker = new Faker({ locale: [en, base] });

/** splitmix32: spreads a 32-bit input over the whole state space, so seeds 1 and 2 diverge at once. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function createRandom(seed: number, iteration: number): Random {
  let a = splitmix32(seed | 0);
  let b = splitmix32(a ^ (iteration | 0));
  let c = splitmix32(b ^ 0x5bd1e995);
  let d = 1;
  const uint32 = (): number => {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) uint32(); // warm-up: the first outputs of sfc32 are weakly mixed
  const next = (): number => uint32() / 4294967296;

  faker.seed(uint32());

  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (choices) => {
      const total = choices.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [value, w] of choices) {
        r -= w;
        if (r < 0) return value;
      }
      return choices[choices.length - 1]![0];
    },
    normal: () => {
      const u1 = 1 - next(); // (0, 1]: log(0) would be -Infinity
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    faker,
  };
  return random;
}
