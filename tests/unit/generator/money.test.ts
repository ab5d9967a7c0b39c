import { formatCents, parseCents } from '../../../functions/generator/money';

describe('money in integer cents', () => {
  it('parses NUMERIC text exactly, including values a double cannot hold', () => {
    expect(parseCents('0.10')).toBe(10n);
    expect(parseCents('123.4')).toBe(12340n);
    expect(parseCents('42')).toBe(4200n);
    expect(parseCents('-0.05')).toBe(-5n);
    expect(parseCents('9999999999999999.99')).toBe(999999999999999999n);
  });

  it('formats with exactly two decimals', () => {
    expect(formatCents(0n)).toBe('0.00');
    expect(formatCents(5n)).toBe('0.05');
    expect(formatCents(12340n)).toBe('123.40');
    expect(formatCents(-105n)).toBe('-1.05');
    expect(formatCents(999999999999999999n)).toBe('9999999999999999.99');
  });

  it('round-trips', () => {
    for (const text of ['0.01', '1.99', '1000000.00', '-250.75']) expect(formatCents(parseCents(text))).toBe(text);
  });

  it('refuses rather than rounds a third decimal or junk', () => {
    expect(() => parseCents('1.005')).toThrow(RangeError);
    expect(() => parseCents('1e3')).toThrow(RangeError);
    expect(() => parseCents('')).toThrow(RangeError);
  });
});
