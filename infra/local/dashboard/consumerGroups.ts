/**
 * Which consumer groups read which topics: the same answer the local Kafka event source gets
 * (infra/local/lib/kafkaEvents.ts readConsumerSpecs over the resolved serverless config), so the
 * lag shown follows serverless.yml, one group per topic or one for all. The config is resolved
 * once by `sls print` with the params sls offline was started with (a few seconds, in the
 * background); until then, and if that fails, the groups serverless.yml names today stand in:
 * `<KAFKA_GROUP or the consumerGroupId param>-<table>` (functions/shared/consumerGroups.ts).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { consumerGroupFor } from '../../../functions/shared/consumerGroups';
import { TABLE_NAMES, topicFor } from '../../../functions/shared/tables';
import type { Settings } from '../stack/settings';
import { readConsumerSpecs } from '../lib/kafkaEvents';
import type { FunctionLike, ServiceLike } from '../lib/serverless';

export interface GroupTopics {
  groupId: string;
  topics: string[];
}

export function fallbackGroups(
  cfg: Pick<Settings, 'KAFKA_GROUP' | 'KAFKA_TOPIC_PREFIX'>,
  params: Record<string, string> = {},
): GroupTopics[] {
  const prefix = params.consumerGroupId ?? cfg.KAFKA_GROUP;
  return TABLE_NAMES.map((t) => ({ groupId: consumerGroupFor(prefix, t), topics: [topicFor(t, cfg.KAFKA_TOPIC_PREFIX)] }));
}

/** A resolved config (`sls print --format json`) seen through the interface the plugins read. */
export function serviceFromPrinted(printed: Record<string, unknown>): ServiceLike {
  const functions = (printed.functions ?? {}) as Record<string, FunctionLike>;
  return {
    service: printed.service as ServiceLike['service'],
    provider: printed.provider as ServiceLike['provider'],
    custom: printed.custom as Record<string, unknown>,
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key) => functions[key]!,
  };
}

/** Groups and their topics from a resolved config, merged per group. */
export function groupsFromService(service: ServiceLike, env: NodeJS.ProcessEnv = process.env): GroupTopics[] {
  const byGroup = new Map<string, Set<string>>();
  for (const spec of readConsumerSpecs(service, { env })) {
    const topics = byGroup.get(spec.groupId) ?? new Set<string>();
    for (const t of spec.topics) topics.add(t.topic);
    byGroup.set(spec.groupId, topics);
  }
  return [...byGroup].map(([groupId, topics]) => ({ groupId, topics: [...topics] }));
}

const run = promisify(execFile);

export async function resolveGroups(
  root: string,
  params: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<GroupTopics[]> {
  const args = ['print', '--format', 'json', ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  const { stdout } = await run(join(root, 'node_modules', '.bin', 'sls'), args, {
    cwd: root,
    env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', NODE_NO_WARNINGS: '1' },
    timeout: 60_000,
    maxBuffer: 8 * 1024 * 1024,
  });
  return groupsFromService(serviceFromPrinted(JSON.parse(stdout) as Record<string, unknown>), env);
}
