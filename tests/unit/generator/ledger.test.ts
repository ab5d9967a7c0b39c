import { Ledger } from '../../../functions/generator/ledger';

function ledger(): Ledger {
  const l = new Ledger();
  l.open('a', 'USD', 10_000n);
  l.open('b', 'USD', 0n);
  l.open('e', 'EUR', 5_000n);
  return l;
}

describe('ledger rules', () => {
  it('a withdrawal with short funds FAILS and moves nothing', () => {
    const l = ledger();
    expect(l.withdraw('a', 10_001n)).toBe('FAILED');
    expect(l.balance('a')).toBe(10_000n);
    expect(l.withdraw('a', 10_000n)).toBe('COMPLETED');
    expect(l.balance('a')).toBe(0n);
  });

  it('a transfer moves the same cents out of one account and into the other', () => {
    const l = ledger();
    expect(l.transfer('a', 'b', 2_550n)).toBe('COMPLETED');
    expect([l.balance('a'), l.balance('b')]).toEqual([7_450n, 2_550n]);
    expect(l.transfer('b', 'a', 2_551n)).toBe('FAILED');
    expect([l.balance('a'), l.balance('b')]).toEqual([7_450n, 2_550n]);
  });

  it('refuses transfers across currencies, non-positive amounts and closing with money inside', () => {
    const l = ledger();
    expect(() => l.transfer('a', 'e', 1n)).toThrow(/currencies/);
    expect(() => l.deposit('a', 0n)).toThrow(/positive/);
    expect(() => l.close('a')).toThrow(/non-zero/);
  });

  it('a closed account takes no further transactions', () => {
    const l = ledger();
    l.close('b');
    expect(l.isOpen('b')).toBe(false);
    expect(() => l.deposit('b', 100n)).toThrow(/not open/);
    expect(() => l.transfer('a', 'b', 100n)).toThrow(/not open/);
  });
});
