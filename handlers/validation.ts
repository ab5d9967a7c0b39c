/** The outcome of checking an event: the event, or each problem as `path: what is wrong`. */
import type { z } from 'zod';

export type Validation<T> = { success: true; data: T } | { success: false; problems: string[] };

/** zod's verdict as a Validation; `as` names which kind of event the problems are about. */
export function validateWith<T>(schema: z.ZodType<T>, raw: unknown, as?: string): Validation<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { success: true, data: parsed.data };
  const suffix = as ? ` (as ${as})` : '';
  return {
    success: false,
    problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}${suffix}`),
  };
}
