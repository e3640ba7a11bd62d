/**
 * The chaos load: records `{k, n}` over a fixed set of keys (n counts per key from 0), written at a
 * steady rate through the project's own producer (per-key order, retries). A record counts as
 * written once the producer's put resolved: Kinesis acknowledged it. Every `poisonEvery`-th record
 * carries `p: 1`, which the chaos handler always fails.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createProducer } from '../src/producer';
import { sleep } from '../bench/wait';
import type { WrittenRecord } from './verify';

export interface LoadOptions {
  kinesis: KinesisClient;
  streamName: string;
  keys: number;
  recordsPerSecond: number;
  durationMs: number;
  /** Every N-th record is poison; 0 for none. */
  poisonEvery: number;
}

export interface LoadResult {
  written: WrittenRecord[];
  /** Puts that failed for good (the producer gave up): not written, so not expected downstream. */
  failed: number;
  firstFailure: string | null;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const producer = createProducer({ kinesis: options.kinesis, streamName: options.streamName });
  const counters = new Array<number>(options.keys).fill(0);
  const result: LoadResult = { written: [], failed: 0, firstFailure: null };
  const puts: Promise<void>[] = [];
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((options.recordsPerSecond * tickMs) / 1000));
  const started = Date.now();
  let total = 0;
  while (Date.now() - started < options.durationMs) {
    for (let i = 0; i < perTick; i++) {
      const key = total % options.keys;
      const n = counters[key] ?? 0;
      counters[key] = n + 1;
      total++;
      const poison = options.poisonEvery > 0 && total % options.poisonEvery === 0;
      const record: WrittenRecord = { k: `key-${key}`, n, ...(poison ? { poison: true } : {}) };
      const data = Buffer.from(JSON.stringify({ k: record.k, n, ...(poison ? { p: 1 } : {}) }));
      puts.push(
        producer.put({ partitionKey: record.k, data }).then(
          () => void result.written.push(record),
          (err: unknown) => {
            result.failed++;
            result.firstFailure ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          },
        ),
      );
    }
    await sleep(tickMs);
  }
  await Promise.all(puts);
  await producer.close();
  return result;
}
