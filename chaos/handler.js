/**
 * The chaos suite's handler, loaded by the worker processes (KSP_HANDLER): appends one JSON line
 * per delivered record to KSP_CHAOS_SINK — the record's key and per-key number, where it came
 * from, and who delivered it (worker pid, attempt, time) so the verifier can name the cause of a
 * duplicate. Records whose data has `"p":1` are poison: always reported failed, never written.
 * Plain CommonJS so the suite needs no build step for it.
 */
'use strict';
const fs = require('node:fs');

const sink = process.env.KSP_CHAOS_SINK;
if (!sink) throw new Error('KSP_CHAOS_SINK is not set: the chaos handler needs the file to append to');
const decoder = new TextDecoder();

exports.handler = async (records, context) => {
  const lines = [];
  const failed = [];
  for (const r of records) {
    const value = JSON.parse(decoder.decode(r.data));
    if (value.p === 1) {
      failed.push({ itemIdentifier: r.idempotencyKey });
      continue;
    }
    lines.push(
      JSON.stringify({
        k: value.k,
        n: value.n,
        shardId: r.shardId,
        seq: r.sequenceNumber,
        pid: process.pid,
        attempt: context.attempt,
        at: Date.now(),
      }),
    );
  }
  if (lines.length > 0) fs.appendFileSync(sink, `${lines.join('\n')}\n`);
  return { batchItemFailures: failed };
};
