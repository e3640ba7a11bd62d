#!/usr/bin/env node
/**
 * The producer benchmark (bench/producer.ts): baselines and the producer, with and without KPL
 * aggregation, on kinesalite in one run, then memory under backpressure. Needs the build:
 * `node scripts/provision.mjs` first (`npm run bench:producer` does both).
 *
 * Usage: node scripts/bench-producer.mjs [--records N] [--json file]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { records: { type: 'string' }, json: { type: 'string' } } });
const { runProducerBench, formatProducerBench } = require('../dist-tools/bench/producer.js');

const records = values.records === undefined ? undefined : Number(values.records);
if (records !== undefined && (!Number.isInteger(records) || records < 500)) {
  console.error('--records: use a whole number of at least 500');
  process.exit(2);
}

runProducerBench(records === undefined ? {} : { records })
  .then((result) => {
    console.log(formatProducerBench(result));
    if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
