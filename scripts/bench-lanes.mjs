#!/usr/bin/env node
/**
 * The per-key lanes benchmark (bench/lanes.ts): records/s with a 20 ms handler at parallelization
 * 1, 4 and 10, and a filter dropping 90% beside none. Provisions and builds first.
 *
 * Usage: node scripts/bench-lanes.mjs [--records N] [--handler-ms N] [--json file] [--no-provision]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench, wholeOption } from './bench-cli.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    'handler-ms': { type: 'string' },
    json: { type: 'string' },
    'no-provision': { type: 'boolean' },
  },
});

const options = {
  records: wholeOption(values, 'records', 100, 1_000_000),
  handlerMs: wholeOption(values, 'handler-ms', 0, 10_000),
};

if (!values['no-provision']) {
  const provision = spawnSync(process.execPath, [path.join(root, 'scripts', 'provision.mjs')], {
    stdio: 'inherit',
  });
  if (provision.status !== 0) process.exit(provision.status ?? 1);
}

runBench('lanes', 'runLanesBench', 'formatLanesBench', options, values.json);
