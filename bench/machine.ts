/** The machine a benchmark ran on, recorded beside every result. */
import os from 'node:os';

export interface Machine {
  platform: string;
  release: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** Load averages (1, 5, 15 min), rounded: a busy machine makes figures noisy. */
export const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
