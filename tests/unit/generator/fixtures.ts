import type { GeneratorState } from '../../../functions/generator/state';

/** A locked pool as readState returns it: mostly USD, a few EUR/GBP, some empty, some prospects. */
export function sampleState(): GeneratorState {
  const currencies = ['USD', 'USD', 'USD', 'EUR', 'USD', 'GBP', 'USD', 'USD', 'EUR', 'USD'];
  return {
    accounts: Array.from({ length: 30 }, (_, i) => ({
      id: 100 + i,
      customerId: 10 + Math.floor(i / 2),
      currency: currencies[i % currencies.length]!,
      balanceCents: i % 7 === 0 ? 0n : BigInt(i) * 12_345n,
    })),
    customers: Array.from({ length: 20 }, (_, i) => ({
      id: 10 + i,
      firstName: `First${i}`,
      lastName: `Last${i}`,
      email: `first.last${i}.${10 + i}@example.com`,
      hasAccounts: i < 15,
    })),
  };
}
