#!/usr/bin/env node
/**
 * The DLQ benchmark (bench/dlq.ts): DLQ replay throughput against fauxqs beside a plain
 * receive-and-delete loop, and the time bisect takes to isolate a poison record in one batch of
 * 10,000 beside the same batch without poison and without bisect. Needs the build
 * (`npm run bench:dlq` provisions and builds first).
 *
 * Usage: node scripts/bench-dlq.mjs [--messages N] [--repeats N] [--reput-messages N] [--records-per-message N] [--bisect-records N] [--json file]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    repeats: { type: 'string' },
    'reput-messages': { type: 'string' },
    'records-per-message': { type: 'string' },
    'bisect-records': { type: 'string' },
    json: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
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
  repeats: whole('repeats', 1, 100),
  reputMessages: whole('reput-messages', 0, 1_000_000),
  recordsPerMessage: whole('records-per-message', 1, 1_000),
  bisectRecords: whole('bisect-records', 2, 10_000),
  cpuProfileDir: values['cpu-prof-dir'],
};

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
