#!/usr/bin/env node
/**
 * The DLQ benchmark (bench/dlq.ts): DLQ replay throughput against fauxqs beside a plain
 * receive-and-delete loop, and the time bisect takes to isolate a poison record in one batch of
 * 10,000 beside the same batch without poison and without bisect. Needs the build
 * (`npm run bench:dlq` provisions and builds first).
 *
 * Usage: node scripts/bench-dlq.mjs [--messages N] [--repeats N] [--reput-messages N] [--records-per-message N] [--bisect-records N] [--warmup-messages N] [--direct] [--cpu-prof-dir dir] [--json file]
 *   --direct: also run the replay activity called directly, outside the Temporal worker, in each repeat
 *   KSP_BENCH_TRACE=1: print each gap over 50 ms between replayed batches and each empty receive, with its time
 */
import { parseArgs } from 'node:util';
import { runBench, wholeOption } from './bench-cli.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    repeats: { type: 'string' },
    'reput-messages': { type: 'string' },
    'records-per-message': { type: 'string' },
    'bisect-records': { type: 'string' },
    'warmup-messages': { type: 'string' },
    direct: { type: 'boolean' },
    json: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
  },
});
const whole = (name, min, max) => wholeOption(values, name, min, max);

const options = {
  messages: whole('messages', 10, 1_000_000),
  repeats: whole('repeats', 1, 100),
  reputMessages: whole('reput-messages', 0, 1_000_000),
  recordsPerMessage: whole('records-per-message', 1, 1_000),
  bisectRecords: whole('bisect-records', 2, 10_000),
  warmupMessages: whole('warmup-messages', 0, 1_000_000),
  direct: values.direct,
  cpuProfileDir: values['cpu-prof-dir'],
};

runBench('dlq', 'runDlqBench', 'formatDlqBench', options, values.json);
