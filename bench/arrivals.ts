/**
 * What the workers section's handler (bench/arrivals-handler.ts) saw, read back from its files:
 * one line per record handed to a handler, `<n> <t> <handledAt> <shardId> <partitionKey>`
 * (n and t as the timed producer wrote them, handledAt epoch ms). Pure arithmetic over the lines
 * (failover per shard, lost / redelivered / per-key order) and a reader that tails the files.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Arrival {
  /** The timed producer's record index (unique per record put). */
  n: number;
  /** Put time, epoch ms. */
  t: number;
  /** When a handler was handed it, epoch ms. */
  handledAt: number;
  shardId: string;
  key: string;
  /** The file it was read from (one per worker process, named by pid); not in the line. */
  worker?: string;
}

export function arrivalLine(a: Arrival): string {
  return `${a.n} ${a.t} ${a.handledAt} ${a.shardId} ${a.key}\n`;
}

/** Parses complete lines; a torn or foreign line is skipped. */
export function parseArrivals(text: string): Arrival[] {
  const out: Arrival[] = [];
  for (const line of text.split('\n')) {
    const [n, t, handledAt, shardId, key, extra] = line.split(' ');
    if (extra !== undefined || !shardId || !key) continue;
    const a = { n: Number(n), t: Number(t), handledAt: Number(handledAt), shardId, key };
    if (Number.isInteger(a.n) && Number.isFinite(a.t) && Number.isFinite(a.handledAt)) out.push(a);
  }
  return out;
}

/**
 * Per shard, how long after `sinceMs` its handler was first handed a record put after `sinceMs`
 * (ms); shards without one are missing from the map.
 */
export function consumedAfter(arrivals: Iterable<Arrival>, sinceMs: number): Map<string, number> {
  const first = new Map<string, number>();
  for (const a of arrivals) {
    if (a.t <= sinceMs) continue;
    const ms = a.handledAt - sinceMs;
    const prev = first.get(a.shardId);
    if (prev === undefined || ms < prev) first.set(a.shardId, ms);
  }
  return first;
}

export interface DeliverySummary {
  produced: number;
  /** Records put that no handler was handed. */
  lost: number;
  /** Deliveries beyond the first, of records put. */
  redelivered: number;
  /** Of those, records first handed to the worker `summarizeDeliveries` was told of (a killed one). */
  redeliveredFromWorker: number;
  /** First deliveries whose n is not above the key's previous first delivery (handled order). */
  orderViolations: number;
  /** A few of them, `key: n after m`. */
  examples: string[];
  /** Put → first handed to a handler, ms (p50, p99, max): whether the workers kept up. */
  lagMs: { p50: number; p99: number; max: number };
}

/**
 * Lost, redelivered and per-key order of `produced` records (indexes 0…produced-1). Order is judged
 * on first deliveries in the order handlers were handed them (handledAt; within one file, its line
 * order, which `arrivals` must keep: a stable sort keeps it).
 */
export function summarizeDeliveries(
  arrivals: readonly Arrival[],
  produced: number,
  /** Count the redeliveries of records first handed to this worker apart. */
  worker?: string,
): DeliverySummary {
  const seen = new Uint32Array(produced);
  const firstOnWorker = new Uint8Array(produced);
  const sorted = [...arrivals].sort((x, y) => x.handledAt - y.handledAt);
  const last = new Map<string, number>();
  const lags: number[] = [];
  let orderViolations = 0;
  const examples: string[] = [];
  for (const a of sorted) {
    if (a.n < 0 || a.n >= produced) continue;
    seen[a.n] = (seen[a.n] ?? 0) + 1;
    if (seen[a.n] !== 1) continue;
    if (worker !== undefined && a.worker === worker) firstOnWorker[a.n] = 1;
    lags.push(a.handledAt - a.t);
    const previous = last.get(a.key) ?? -1;
    if (a.n <= previous) {
      orderViolations++;
      if (examples.length < 5) examples.push(`${a.key}: ${a.n} after ${previous}`);
    }
    last.set(a.key, Math.max(previous, a.n));
  }
  let lost = 0;
  let redelivered = 0;
  let redeliveredFromWorker = 0;
  seen.forEach((count, n) => {
    if (count === 0) lost++;
    else redelivered += count - 1;
    if (count > 1 && firstOnWorker[n] === 1) redeliveredFromWorker += count - 1;
  });
  lags.sort((x, y) => x - y);
  const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(lags.length * q))] ?? 0;
  const lagMs = { p50: at(0.5), p99: at(0.99), max: lags[lags.length - 1] ?? 0 };
  return { produced, lost, redelivered, redeliveredFromWorker, orderViolations, examples, lagMs };
}

/** Tails every `*.txt` file of a directory (one per worker process), keeping the lines read so far. */
export class ArrivalLog {
  readonly arrivals: Arrival[] = [];
  private readonly read = new Map<string, number>();

  constructor(readonly dir: string) {}

  /** Reads what the handlers appended since the last call (complete lines only). */
  poll(): void {
    if (!existsSync(this.dir)) return;
    for (const name of readdirSync(this.dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      const file = path.join(this.dir, name);
      // Only what was appended since the last call: the bench process also hosts kinesalite.
      const from = this.read.get(file) ?? 0;
      const size = statSync(file).size;
      if (size <= from) continue;
      const text = Buffer.alloc(size - from);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, text, 0, text.length, from);
      } finally {
        closeSync(fd);
      }
      const end = text.lastIndexOf(0x0a) + 1;
      if (end === 0) continue;
      const worker = path.basename(name, '.txt');
      for (const a of parseArrivals(text.subarray(0, end).toString('utf8')))
        this.arrivals.push({ ...a, worker });
      this.read.set(file, from + end);
    }
  }
}
