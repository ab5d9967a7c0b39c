/** The live pipeline page: a status collector and the HTTP server that shows it. */
import { Collector, type CollectorOptions } from './collector';
import { startDashboardServer } from './server';

export interface Dashboard {
  url: string;
  collector: Collector;
  stop(): Promise<void>;
}

export async function startDashboard(o: CollectorOptions & { port: number }): Promise<Dashboard> {
  const collector = new Collector(o);
  const server = await startDashboardServer(o.port, () => collector.status());
  collector.start();
  return {
    url: server.url,
    collector,
    stop: async () => {
      await server.close();
      await collector.stop();
    },
  };
}

export { progressLine } from './progress';
export type { Status } from './types';
