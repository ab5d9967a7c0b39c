/** The pipeline bench's command line (see bench/pipeline.bench.ts's header) as its options. */
import { parseArgs } from 'node:util';
import type { PipelineBenchOptions } from './types';

export function pipelineBenchArgs(args: string[]): PipelineBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '30' },
      rates: { type: 'string', default: '1000,2000,4000,5000,6000,8000,10000,12000' },
      'overload-seconds': { type: 'string', default: '60' },
      // serverless params, e.g. batchSize=500,maximumBatchingWindow=1
      params: { type: 'string', default: '' },
      out: { type: 'string' },
      'with-dashboard': { type: 'boolean', default: false },
      // run the step at this rate again with the pipeline page polled (0: no check)
      'page-check': { type: 'string', default: '5000' },
      'generator-max': { type: 'string' },
      keep: { type: 'boolean', default: false },
      // inline | schemaless (default: the configured DEBEZIUM_INLINE_SCHEMAS)
      format: { type: 'string' },
      // the cold step's rate (default: the highest sustained step's)
      'cold-rate': { type: 'string' },
      'no-cold': { type: 'boolean', default: false },
      // stop at the last listed rate even when it holds
      'no-extend': { type: 'boolean', default: false },
      capture: { type: 'string', default: '100000' },
    },
  });
  return {
    stepSeconds: Number(values.seconds),
    rates: values.rates!.split(',').filter(Boolean).map(Number),
    overloadSeconds: Number(values['overload-seconds']),
    params: Object.fromEntries(
      values
        .params!.split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=') as [string, string]),
    ),
    out: values.out,
    withDashboard: values['with-dashboard'],
    pageCheckRate: Number(values['page-check']) || undefined,
    generatorMax: Number(values['generator-max']) || undefined,
    keep: values.keep,
    inlineSchemas: values.format === undefined ? undefined : values.format === 'inline',
    coldRate: values['no-cold'] ? 0 : values['cold-rate'] ? Number(values['cold-rate']) : undefined,
    captureChanges: Number(values.capture),
    extendRamp: !values['no-extend'],
  };
}
