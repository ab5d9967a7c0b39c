export interface HeartbeatOptions {
  /** Who is working, e.g. "minio" (prefixes every line). */
  name?: string;
  /** What it is doing, as a present participle: "building". */
  doing: string;
  /** Said once at the start after `doing`, e.g. "github.com/minio/minio@... with go install". */
  detail?: string;
  /** The end line's verb, e.g. "built"; default "done <doing>". */
  done?: string;
  log?: (msg: string) => void;
  /** Heartbeat period; default 10 s. */
  everyMs?: number;
}

export function withHeartbeat<T>(o: HeartbeatOptions, step: () => Promise<T>): Promise<T>;
export function formatElapsed(ms: number): string;
