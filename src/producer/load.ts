/**
 * A load generator over the producer: JSON records `{ key, n, at }` (per-key counter `n`, so a
 * reader can check per-key order), padded to a record size, over a number of partition keys, at a
 * steady rate or as fast as the shards take them, for a count or a duration. Used by `ksp produce`,
 * `ksp dev`'s demo load and the producer benchmark. Pacing waits on `producer.ready()`, so memory
 * stays within the producer's buffer bound whatever the rate.
 */
import { ErrorType } from '../errors';
import type { Producer, ProducerStats, PutResult } from './producer';

export interface LoadOptions {
  producer: Producer;
  /** Records per second; null: as fast as the producer takes them. */
  rate: number | null;
  /** Distinct partition keys (`key-0` …). */
  keys: number;
  /** Bytes of each record's data (JSON padded with spaces; never below the JSON itself). @default 0 */
  recordBytes?: number;
  /** Stop after this many records. */
  count?: number;
  /** Stop after this long. */
  durationMs?: number;
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` while running, and once at the end. */
  onProgress?: (progress: LoadProgress) => void;
  /** @default 1000 */
  progressIntervalMs?: number;
  /** Called for each record in the stream. */
  onWritten?: (result: PutResult, record: { key: string; n: number }) => void;
}

export interface LoadProgress {
  /** Puts made. */
  sent: number;
  /** Records in the stream. */
  written: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
  /** Share done, 0 to 1, when a count or duration bounds the run. */
  done: number | null;
  stats: ProducerStats;
}

export interface LoadSummary extends LoadProgress {
  recordsPerSecond: number;
  megabytesPerSecond: number;
  /** User records per PutRecords call. */
  recordsPerCall: number;
  /** The first rejection, if any. */
  firstError: unknown;
}

/** Errors that only mean "not in time" under load (recordTtl over while throttled); the run goes on. */
const TRANSIENT_TYPES = new Set<string>([ErrorType.AwsThrottled, ErrorType.AwsUnavailable]);

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function demoRecordData(key: string, n: number, recordBytes: number): string {
  const json = JSON.stringify({ key, n, at: new Date().toISOString() });
  return json.length >= recordBytes ? json : `${json}${' '.repeat(recordBytes - json.length)}`;
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const { producer, keys } = options;
  const recordBytes = options.recordBytes ?? 0;
  const counters = new Array<number>(keys).fill(0);
  const started = Date.now();
  let sent = 0;
  let written = 0;
  let failed = 0;
  let bytes = 0;
  let firstError: unknown;
  let fatal: unknown;
  const elapsed = () => Date.now() - started;
  const progress = (): LoadProgress => {
    const ms = elapsed();
    const byCount = options.count === undefined ? null : sent / options.count;
    const byTime = options.durationMs === undefined ? null : Math.min(1, ms / options.durationMs);
    const done = byCount === null ? byTime : byTime === null ? byCount : Math.max(byCount, byTime);
    return { sent, written, failed, bytes, elapsedMs: ms, done, stats: producer.stats() };
  };
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 1000)
    : undefined;
  const finished = () =>
    options.signal?.aborted === true ||
    fatal !== undefined ||
    (options.count !== undefined && sent >= options.count) ||
    (options.durationMs !== undefined && elapsed() >= options.durationMs);
  try {
    while (!finished()) {
      if (options.rate !== null) {
        const due = Math.floor((elapsed() / 1000) * options.rate) + 1;
        if (sent >= due) {
          await new Promise((r) =>
            setTimeout(r, Math.max(1, Math.ceil(((sent + 1) / options.rate! - elapsed() / 1000) * 1000))),
          );
          continue;
        }
      }
      await producer.ready();
      if (finished()) break;
      const k = sent % keys;
      const key = `key-${k}`;
      const n = counters[k] ?? 0;
      counters[k] = n + 1;
      const data = demoRecordData(key, n, recordBytes);
      sent++;
      producer.put({ partitionKey: key, data }).then(
        (result) => {
          written++;
          bytes += Buffer.byteLength(data) + key.length;
          options.onWritten?.(result, { key, n });
        },
        (err: unknown) => {
          failed++;
          firstError ??= err;
          if (!TRANSIENT_TYPES.has((err as { type?: string }).type ?? '')) fatal ??= err;
        },
      );
    }
    await producer.flush();
  } finally {
    if (timer) clearInterval(timer);
  }
  if (fatal !== undefined && written === 0) throw asError(fatal);
  const end = progress();
  options.onProgress?.(end);
  const seconds = Math.max(end.elapsedMs, 1) / 1000;
  return {
    ...end,
    recordsPerSecond: written / seconds,
    megabytesPerSecond: bytes / 1e6 / seconds,
    recordsPerCall: end.stats.putRecordsCalls > 0 ? end.stats.userRecordsPut / end.stats.putRecordsCalls : 0,
    firstError,
  };
}
