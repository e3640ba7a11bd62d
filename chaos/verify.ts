/**
 * The chaos verifier: from what the producer wrote, what the handler saw (the sink, in delivery
 * order) and what reached the DLQ, counts lost records, per-key order violations and duplicates
 * with their cause. Pure: unit-tested in test/unit/chaos-verify.test.ts.
 */

/** A record the producer wrote (acknowledged by Kinesis): key and its per-key number. */
export interface WrittenRecord {
  k: string;
  n: number;
  /** A poison record: the handler always fails it, so it must end in the DLQ. */
  poison?: boolean;
}

/** One line of the chaos sink: a delivery of a record to the handler. */
export interface Delivery {
  k: string;
  n: number;
  pid: number;
  attempt: number;
  at: number;
}

export type DuplicateCause = 'worker restart' | 'handler retry' | 'activity retried';

export interface ChaosVerdict {
  written: number;
  handled: number;
  deadLettered: number;
  /** Written, but neither handled nor dead-lettered. */
  lost: number;
  /** A few lost records as `key#n`, for the report. */
  lostSample: string[];
  /** A record delivered for the first time after a later record of the same key. */
  orderViolations: number;
  orderSample: string[];
  /** Deliveries beyond the first, by cause. */
  duplicates: number;
  duplicateCauses: Partial<Record<DuplicateCause, number>>;
  /** DLQ entries beyond the first for the same record. */
  dlqDuplicates: number;
  /** Good records that went to the DLQ (none expected: only poison records should). */
  unexpectedDeadLetters: number;
}

const id = (r: { k: string; n: number }): string => `${r.k}#${r.n}`;

function causeOf(first: Delivery, again: Delivery): DuplicateCause {
  if (again.pid !== first.pid) return 'worker restart';
  if (again.attempt > first.attempt) return 'handler retry';
  return 'activity retried';
}

export function verify(
  written: readonly WrittenRecord[],
  deliveries: readonly Delivery[],
  deadLettered: readonly { k: string; n: number }[],
): ChaosVerdict {
  const firstDelivery = new Map<string, Delivery>();
  const highest = new Map<string, number>();
  const verdict: ChaosVerdict = {
    written: written.length,
    handled: 0,
    deadLettered: 0,
    lost: 0,
    lostSample: [],
    orderViolations: 0,
    orderSample: [],
    duplicates: 0,
    duplicateCauses: {},
    dlqDuplicates: 0,
    unexpectedDeadLetters: 0,
  };
  for (const d of deliveries) {
    const first = firstDelivery.get(id(d));
    if (first) {
      verdict.duplicates++;
      const cause = causeOf(first, d);
      verdict.duplicateCauses[cause] = (verdict.duplicateCauses[cause] ?? 0) + 1;
      continue;
    }
    firstDelivery.set(id(d), d);
    const top = highest.get(d.k);
    if (top !== undefined && d.n < top) {
      verdict.orderViolations++;
      if (verdict.orderSample.length < 5) verdict.orderSample.push(`${id(d)} after ${d.k}#${top}`);
    }
    if (top === undefined || d.n > top) highest.set(d.k, d.n);
  }
  verdict.handled = firstDelivery.size;

  const poison = new Set(written.filter((w) => w.poison).map(id));
  const dead = new Set<string>();
  for (const r of deadLettered) {
    if (dead.has(id(r))) verdict.dlqDuplicates++;
    else if (!poison.has(id(r))) verdict.unexpectedDeadLetters++;
    dead.add(id(r));
  }
  verdict.deadLettered = dead.size;

  for (const w of written) {
    if (firstDelivery.has(id(w)) || dead.has(id(w))) continue;
    verdict.lost++;
    if (verdict.lostSample.length < 5) verdict.lostSample.push(id(w));
  }
  return verdict;
}
