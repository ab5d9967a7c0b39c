/**
 * An append-only audit log of verifications, one JSON object per line, chained by hash: each entry
 * carries the previous entry's sha256 (`prev`) and its own (`hash`, over the entry without it), so
 * an auditor can re-check that no entry was changed, removed or reordered (`checkAuditLog`).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const GENESIS = '0'.repeat(64);

export type AuditEntry = Record<string, unknown> & { prev: string; hash: string };

/** Keys sorted at every level, so the hash does not depend on property order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function entryHash(entry: Record<string, unknown>): string {
  const { hash: _hash, ...rest } = entry;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function lines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** The last entry, or undefined for an empty or absent log. */
export function lastAuditEntry(file: string): AuditEntry | undefined {
  const all = lines(file);
  return all.length ? (JSON.parse(all[all.length - 1]!) as AuditEntry) : undefined;
}

/** Append a record, chained to the last entry; returns the entry written. */
export function appendAudit(file: string, record: Record<string, unknown>): AuditEntry {
  mkdirSync(dirname(file), { recursive: true });
  const prev = lastAuditEntry(file)?.hash ?? GENESIS;
  // JSON round trip first, so the hash is over exactly what is written (no undefined, no bigint).
  const body = JSON.parse(JSON.stringify({ ...record, prev })) as Record<string, unknown>;
  const entry = { ...body, hash: entryHash(body) } as AuditEntry;
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
  return entry;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** 1-based line of the first broken entry, and why. */
  broken?: { line: number; why: string };
}

export function checkAuditLog(file: string): ChainCheck {
  const all = lines(file);
  let prev = GENESIS;
  for (let i = 0; i < all.length; i++) {
    let e: AuditEntry;
    try {
      e = JSON.parse(all[i]!) as AuditEntry;
    } catch {
      return { ok: false, entries: all.length, broken: { line: i + 1, why: 'not JSON' } };
    }
    if (e.prev !== prev)
      return {
        ok: false,
        entries: all.length,
        broken: { line: i + 1, why: `prev ${e.prev} is not the previous entry's hash ${prev}` },
      };
    const h = entryHash(e);
    if (e.hash !== h)
      return { ok: false, entries: all.length, broken: { line: i + 1, why: `hash ${e.hash} does not match its content (${h})` } };
    prev = e.hash;
  }
  return { ok: true, entries: all.length };
}
