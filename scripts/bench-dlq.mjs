#!/usr/bin/env node
/**
 * The DLQ benchmark (bench/dlq.ts): DLQ replay throughput against fauxqs beside a plain
 * receive-and-delete loop, and the time bisect takes to isolate a poison record in one batch of
 * 10,000 beside the same batch without poison and without bisect. Provisions and builds first.
 *
 * Usage: node scripts/bench-dlq.mjs [--messages N] [--records-per-message N] [--bisect-records N] [--json file]
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
    messages: { type: 'string' },
    'records-per-message': { type: 'string' },
    'bisect-records': { type: 'string' },
    json: { type: 'string' },
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

const options = {
  messages: whole('messages', 10, 1_000_000),
  recordsPerMessage: whole('records-per-message', 1, 1_000),
  bisectRecords: whole('bisect-records', 2, 10_000),
};

const provision = spawnSync(process.execPath, [path.join(root, 'scripts', 'provision.mjs')], {
  stdio: 'inherit',
});
if (provision.status !== 0) process.exit(provision.status ?? 1);

const require = createRequire(import.meta.url);
const { runDlqBench, formatDlqBench } = require('../dist-tools/bench/dlq.js');

runDlqBench(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)))
  .then((result) => {
    console.log(formatDlqBench(result));
    if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
