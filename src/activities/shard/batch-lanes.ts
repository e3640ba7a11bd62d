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

/** Hands each lane to `handle` at once and merges what each call said about its records. */
export async function runLanes(
  records: readonly KinesisRecord[],
  lanes: number,
  handle: (records: readonly KinesisRecord[]) => Promise<HandlerVerdict>,
): Promise<LanesVerdict> {
  const split = splitLanes(records, lanes);
  const verdicts = await Promise.all(
    split.map((lane) => handle(lane.map((i) => records[i] as KinesisRecord))),
  );
  const confirmed = records.map(() => true);
  let error: HandlerError | null = null;
  split.forEach((lane, n) => {
    const verdict = verdicts[n] as HandlerVerdict;
    if (verdict.error === null) return;
    error ??= verdict.error;
    for (const i of verdict.failed) confirmed[lane[i] as number] = false;
  });
  return { confirmed, error };
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
