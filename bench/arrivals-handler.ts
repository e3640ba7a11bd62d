/**
 * The workers section's handler (`KSP_HANDLER=dist-tools/bench/arrivals-handler.js` in each worker
 * process): appends one line per record it is handed to `<KSP_BENCH_ARRIVALS_DIR>/<pid>.txt`, a
 * file per process so a SIGKILLed worker leaves at most a torn last line of its own. The bench
 * reads the files back (bench/arrivals.ts): which shards consumed records written after a kill,
 * and whether anything was lost, redelivered or out of order per key.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BatchHandler } from '../src/handler/contract';
import { arrivalLine } from './arrivals';
import { parseTimedRecord } from './timed-producer';

const dir = process.env.KSP_BENCH_ARRIVALS_DIR;
if (!dir)
  throw new Error('KSP_BENCH_ARRIVALS_DIR is not set: the directory the workers section reads arrivals from');
const file = path.join(dir, `${process.pid}.txt`);

export const handler: BatchHandler = async (records) => {
  const handledAt = Date.now();
  let out = '';
  for (const r of records) {
    const timed = parseTimedRecord(r.data);
    if (timed)
      out += arrivalLine({ n: timed.n, t: timed.t, handledAt, shardId: r.shardId, key: r.partitionKey });
  }
  if (out !== '') await fs.appendFile(file, out);
  return undefined;
};
