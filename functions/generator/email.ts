/**
 * Generated customers' emails: `<local>.<customer id>@example.{com,net,org}`. The id makes every
 * email unique without a lookup (also across runs that reuse a seed), and the pattern marks the
 * rows the generator owns: it updates, closes and deletes only those, never rows that other
 * tools or tests wrote into the same database.
 */
import { EMAIL_DOMAINS } from './catalog';

export function composeEmail(local: string, customerId: number, domain: string): string {
  return `${local}.${customerId}@${domain}`;
}

/** Lower-case letters, digits, '.', '_' and '-' only; never empty. */
export function sanitizeLocalPart(text: string): string {
  const cleaned = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 64);
  return cleaned || 'customer';
}

/** SQL predicate (customers aliased `c`) true for rows this generator created. */
export const OWNED_CUSTOMER_SQL = `(c.email LIKE '%.' || c.id || '@example.%')`;

export function isGeneratedEmail(email: string, customerId: number): boolean {
  return EMAIL_DOMAINS.some((d) => email.endsWith(`.${customerId}@${d}`));
}
