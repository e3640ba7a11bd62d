/**
 * The built-in example handler, used by the demo and the integration tests: appends every record
 * to a JSON Lines file, and reports records whose data matches a "poison" pattern as failures so
 * the retry and DLQ paths can be exercised end to end.
 *
 * Load it as `--handler dist/examples/jsonl-sink.js` (export `handler`), or build one in code with
 * {@link createJsonlSinkHandler}.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BatchHandler } from '../handler/contract';

/** Where to write, and which records to refuse. */
export interface JsonlSinkOptions {
  /** File to append to; its directory is created when missing. */
  file: string;
  /** Records whose data (as UTF-8) matches are not written and are reported in `batchItemFailures`. */
  poisonPattern?: RegExp;
}

/** One line of the sink file. */
export interface JsonlSinkLine {
  key: string;
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  /** The record data decoded as UTF-8. */
  data: string;
  /** Approximate arrival time, ISO-8601. */
  arrival: string;
}

/**
 * A handler that appends the batch's good records with one `appendFile` (all lines at once), then
 * reports the poison records by idempotency key. Records after a poison record are written too:
 * the retry from the lowest failed record writes them again, so readers de-duplicate by `key`.
 */
export function createJsonlSinkHandler(options: JsonlSinkOptions): BatchHandler {
  const { file } = options;
  // A global or sticky RegExp keeps state between test() calls; a copy without those flags does not.
  const poison = options.poisonPattern
    ? new RegExp(options.poisonPattern.source, options.poisonPattern.flags.replace(/[gy]/g, ''))
    : undefined;
  const decoder = new TextDecoder();
  return async (records) => {
    const lines: string[] = [];
    const failed: string[] = [];
    for (const r of records) {
      const data = decoder.decode(r.data);
      if (poison?.test(data)) {
        failed.push(r.idempotencyKey);
        continue;
      }
      const line: JsonlSinkLine = {
        key: r.idempotencyKey,
        shardId: r.shardId,
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        ...(r.subSequenceNumber === undefined ? {} : { subSequenceNumber: r.subSequenceNumber }),
        data,
        arrival: r.approximateArrivalTimestamp.toISOString(),
      };
      lines.push(`${JSON.stringify(line)}\n`);
    }
    if (lines.length > 0) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.appendFile(file, lines.join(''));
    }
    return failed.length > 0
      ? { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }
      : undefined;
  };
}

/**
 * The sink configured from the environment when the module loads: `KSP_SINK_FILE` (default
 * `<cwd>/.data/sink.jsonl`) and `KSP_SINK_POISON` (a RegExp source, optional). A handler module is
 * user code, outside the library's "read the environment only at the process edge" rule; this is
 * what a user's own handler would do.
 */
export const handler: BatchHandler = createJsonlSinkHandler({
  file: process.env.KSP_SINK_FILE || path.join(process.cwd(), '.data', 'sink.jsonl'),
  ...(process.env.KSP_SINK_POISON ? { poisonPattern: new RegExp(process.env.KSP_SINK_POISON) } : {}),
});
