/**
 * Per-key lanes (option `parallelization`): a call's records split by partition key into lanes,
 * every record of a key in the same lane and in stream order, the lanes handed to the handler
 * concurrently. What comes back is one verdict per record, so the rest of the batch activity
 * decides retries, the DLQ and the checkpoint as if one call had answered.
 */
import type { HandlerError, HandlerVerdict } from '../../handler/run-handler';
import type { KinesisRecord } from '../../records';

export interface LanesVerdict {
  /** Per record handed (same index): did the handler confirm it? */
  confirmed: boolean[];
  /** The first failing lane's error (in the order of the lanes' first records); null when none failed. */
  error: HandlerError | null;
  /** Per record: never handed over, because an earlier call of its lane failed. */
  undelivered: boolean[];
}

/** The lane of a partition key among `lanes`: FNV-1a, so a key keeps its lane across calls and workers. */
export function laneOf(partitionKey: string, lanes: number): number {
  if (lanes <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}

/** Splits `records` into at most `lanes` non-empty lanes of indexes, each in stream order. */
export function splitLanes(records: readonly KinesisRecord[], lanes: number): number[][] {
  const byLane = new Map<number, number[]>();
  records.forEach((record, index) => {
    const lane = laneOf(record.partitionKey, lanes);
    const list = byLane.get(lane);
    if (list) list.push(index);
    else byLane.set(lane, [index]);
  });
  // Lanes in the order of their first record, so a single lane is the whole batch, as before.
  return [...byLane.values()].sort((a, b) => (a[0] as number) - (b[0] as number));
}

/**
 * Hands each lane to `handle` at once, in calls of at most `maxPerCall` records one after another
 * within a lane; a lane stops at its first failed call (what follows is left undelivered).
 */
export async function runLanes(
  records: readonly KinesisRecord[],
  lanes: number,
  maxPerCall: number,
  handle: (records: readonly KinesisRecord[]) => Promise<HandlerVerdict>,
): Promise<LanesVerdict> {
  const confirmed = records.map(() => true);
  const undelivered = records.map(() => false);
  const errors: Array<HandlerError | null> = [];
  const runLane = async (lane: number[], n: number): Promise<void> => {
    for (let from = 0; from < lane.length; from += maxPerCall) {
      const call = lane.slice(from, from + maxPerCall);
      const verdict = await handle(call.map((i) => records[i] as KinesisRecord));
      if (verdict.error === null) continue;
      errors[n] = verdict.error;
      for (const i of verdict.failed) confirmed[call[i] as number] = false;
      for (const i of lane.slice(from + maxPerCall)) {
        confirmed[i] = false;
        undelivered[i] = true;
      }
      return;
    }
  };
  const split = splitLanes(records, lanes);
  await Promise.all(split.map((lane, n) => runLane(lane, n)));
  const error = errors.find((e) => e !== undefined && e !== null) ?? null;
  return { confirmed, error, undelivered };
}

/**
 * The records the handler confirmed that per-key order holds back: every record after a failed
 * record of the same key. Delivering them again with the failed one keeps the key in order.
 */
export function heldBackIndexes(records: readonly KinesisRecord[], confirmed: readonly boolean[]): number[] {
  const failedKeys = new Set<string>();
  const held: number[] = [];
  records.forEach((record, i) => {
    if (!confirmed[i]) failedKeys.add(record.partitionKey);
    else if (failedKeys.has(record.partitionKey)) held.push(i);
  });
  return held;
}
