#!/usr/bin/env node
/**
 * Reshard benchmark (bench/reshard.ts) on the embedded stack:
 *   node scripts/provision.mjs && node scripts/bench-reshard.mjs [--backend kinesis-local|kinesalite|both]
 *     [--from 4] [--to 8] [--rate <records/s>] [--steady 10s] [--after 10s]
 * Prints, per backend, the time from the reshard becoming ACTIVE to the first record handled on a
 * new shard, and records/s and latency before, during and after the reshard, from one run.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const { runReshardBench, formatReshardBench } = require(path.join(root, 'dist-tools', 'bench', 'reshard.js'));
const { parseDuration } = require(path.join(root, 'dist-tools', 'src', 'config', 'duration.js'));
const { DefaultLogger, Runtime } = require('@temporalio/worker');

// The in-process worker's state changes are noise next to the numbers: warnings and errors only.
Runtime.install({ logger: new DefaultLogger('WARN') });

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    from: { type: 'string', default: '4' },
    to: { type: 'string', default: '8' },
    rate: { type: 'string' },
    steady: { type: 'string', default: '10s' },
    after: { type: 'string', default: '10s' },
  },
});
const backends = values.backend === 'both' ? ['kinesis-local', 'kinesalite'] : [values.backend];
for (const b of backends) {
  if (b !== 'kinesis-local' && b !== 'kinesalite') {
    console.error(`--backend ${b}: use kinesis-local, kinesalite or both`);
    process.exit(2);
  }
}

async function run() {
  const logDir = path.join(root, '.data', 'bench-reshard');
  mkdirSync(logDir, { recursive: true });
  for (const backend of backends) {
    const result = await runReshardBench({
      backend,
      fromShards: Number(values.from),
      toShards: Number(values.to),
      ...(values.rate ? { rate: Number(values.rate) } : {}),
      steadyMs: parseDuration(values.steady),
      afterMs: parseDuration(values.after),
      logDir: path.join(logDir, backend),
    });
    console.log(formatReshardBench(result));
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
