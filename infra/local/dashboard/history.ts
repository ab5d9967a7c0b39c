/**
 * The last minutes of samples, for the charts and the rates: one sample per collector tick,
 * oldest dropped past `keepMs`. Rates are differences of cumulative counts over ~10 s; a count
 * that went down (statistics reset, topic recreated) gives no rate rather than a negative one.
 */
const RATE_WINDOW_MS = 10_000;

export type Sample = Record<string, number | null>;

export class History {
  private readonly times: number[] = [];
  private readonly samples: Sample[] = [];

  constructor(private readonly keepMs = 10 * 60_000) {}

  add(t: number, sample: Sample): void {
    this.times.push(t);
    this.samples.push(sample);
    while (this.times.length && this.times[0]! < t - this.keepMs) {
      this.times.shift();
      this.samples.shift();
    }
  }

  /** Per second over about `overMs`, from the newest sample back. */
  rate(name: string, overMs = RATE_WINDOW_MS): number | null {
    const n = this.times.length;
    if (n < 2) return null;
    const tEnd = this.times[n - 1]!;
    let i = n - 2;
    while (i > 0 && tEnd - this.times[i]! < overMs) i--;
    return rateBetween(this.samples[i]![name], this.samples[n - 1]![name], tEnd - this.times[i]!);
  }

  /** Columns for the charts: times (s since epoch, as uPlot wants) and each series' rate per second. */
  columns(rates: readonly string[], levels: readonly string[]): { t: number[]; series: Record<string, (number | null)[]> } {
    const series: Record<string, (number | null)[]> = {};
    // Each point a rate over the ~10 s before it: sources refresh on their own cadences, and a
    // tick-to-tick difference would show a slow source as zeros and spikes.
    const back: number[] = [];
    for (let i = 0, j = 0; i < this.times.length; i++) {
      while (j < i && this.times[i]! - this.times[j + 1]! >= RATE_WINDOW_MS) j++;
      back.push(j);
    }
    for (const name of rates) {
      series[name] = this.samples.map((s, i) =>
        back[i] === i ? null : rateBetween(this.samples[back[i]!]![name], s[name], this.times[i]! - this.times[back[i]!]!),
      );
    }
    for (const name of levels) series[name] = this.samples.map((s) => s[name] ?? null);
    return { t: this.times.map((t) => t / 1000), series };
  }
}

function rateBetween(a: number | null | undefined, b: number | null | undefined, ms: number): number | null {
  if (a === null || a === undefined || b === null || b === undefined || ms <= 0 || b < a) return null;
  return ((b - a) * 1000) / ms;
}
