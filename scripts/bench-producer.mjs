#!/usr/bin/env node
/**
 * The producer benchmark (bench/producer.ts): baselines and the producer, with and without KPL
 * aggregation, on kinesalite in one run, then memory under backpressure. Needs the build:
 * `node scripts/provision.mjs` first (`npm run bench:producer` does both).
 *
 * Usage: node --expose-gc scripts/bench-producer.mjs [--records N] [--ratio-seconds S] [--ratio-repeats N] [--json file]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    'ratio-seconds': { type: 'string' },
    'ratio-repeats': { type: 'string' },
    json: { type: 'string' },
  },
});
const { runProducerBench, formatProducerBench } = require('../dist-tools/bench/producer.js');

const records = values.records === undefined ? undefined : Number(values.records);
if (records !== undefined && (!Number.isInteger(records) || records < 500)) {
  console.error('--records: use a whole number of at least 500');
  process.exit(2);
}

const whole = (name, min) => {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: use a whole number of at least ${min}`);
    process.exit(2);
  }
  return n;
};
const ratioSeconds = whole('ratio-seconds', 1);
const ratioRepeats = whole('ratio-repeats', 1);

runProducerBench({
  ...(records === undefined ? {} : { records }),
  ...(ratioSeconds === undefined ? {} : { ratioSeconds }),
  ...(ratioRepeats === undefined ? {} : { ratioRepeats }),
})
  .then((result) => {
    console.log(formatProducerBench(result));
    if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
