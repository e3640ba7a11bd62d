#!/usr/bin/env node
/**
 * The per-key lanes benchmark (bench/lanes.ts): records/s with a 20 ms handler at parallelization
 * 1, 4 and 10, and a filter dropping 90% beside none. Provisions and builds first.
 *
 * Usage: node scripts/bench-lanes.mjs [--records N] [--handler-ms N] [--json file] [--no-provision]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    'handler-ms': { type: 'string' },
    json: { type: 'string' },
    'no-provision': { type: 'boolean' },
  },
});

function whole(name, min, max) {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: use a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

const options = { records: whole('records', 100, 1_000_000), handlerMs: whole('handler-ms', 0, 10_000) };

if (!values['no-provision']) {
  const provision = spawnSync(process.execPath, [path.join(root, 'scripts', 'provision.mjs')], {
    stdio: 'inherit',
  });
  if (provision.status !== 0) process.exit(provision.status ?? 1);
}

const require = createRequire(import.meta.url);
const { runLanesBench, formatLanesBench } = require('../dist-tools/bench/lanes.js');

runLanesBench(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)))
  .then((result) => {
    console.log(formatLanesBench(result));
    if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
