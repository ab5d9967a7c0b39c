/**
 * S3 notification key filters, as serverless.yml writes them (`rules: [{ prefix }, { suffix }]`)
 * and as S3 applies them: a key matches when it starts with the prefix and ends with the suffix.
 */
export interface S3Filters {
  prefix?: string;
  suffix?: string;
}

export function matchesFilters(key: string, f: S3Filters): boolean {
  return (f.prefix === undefined || key.startsWith(f.prefix)) && (f.suffix === undefined || key.endsWith(f.suffix));
}

export function describeFilters(f: S3Filters): string {
  const parts = [
    f.prefix !== undefined ? `prefix ${JSON.stringify(f.prefix)}` : '',
    f.suffix !== undefined ? `suffix ${JSON.stringify(f.suffix)}` : '',
  ];
  const text = parts.filter(Boolean).join(', ');
  return text === '' ? 'every key' : text;
}
