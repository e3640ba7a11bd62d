/**
 * Per-key quarantine (option `quarantineKeys`): once the failure policy dead-letters a record of a
 * key, the later records of that key go to the DLQ too (condition KeyQuarantined), in order, until
 * the key is released; the other keys keep flowing. Keys are known here by hash only (key-hash.ts).
 */
import type { KinesisRecord } from '../../records';
import type { QuarantineInput } from './batch-contract';
import { partitionKeyHash } from './key-hash';

/** The records of quarantined keys, and the rest, each in stream order. */
export function splitQuarantined(
  records: readonly KinesisRecord[],
  quarantine: QuarantineInput | null,
): { held: KinesisRecord[]; rest: KinesisRecord[] } {
  if (quarantine === null || quarantine.keys.length === 0) return { held: [], rest: [...records] };
  const keys = new Set(quarantine.keys);
  const held: KinesisRecord[] = [];
  const rest: KinesisRecord[] = [];
  for (const r of records) (keys.has(partitionKeyHash(r.partitionKey)) ? held : rest).push(r);
  return { held, rest };
}

/** Hashes of the keys of `records` not yet quarantined, in order of first appearance. */
export function newKeys(records: readonly KinesisRecord[], quarantine: QuarantineInput): string[] {
  const known = new Set(quarantine.keys);
  const added: string[] = [];
  for (const r of records) {
    const hash = partitionKeyHash(r.partitionKey);
    if (!known.has(hash)) {
      known.add(hash);
      added.push(hash);
    }
  }
  return added;
}

export const KEY_QUARANTINED_ERROR = {
  type: 'KeyQuarantined',
  message:
    'an earlier record of this partition key was dead-lettered (quarantineKeys): held back in order until the key is released',
};

/**
 * For keys being quarantined: each key's first failed record, and every later record of those
 * keys (failed, or confirmed but held back), each list in stream order.
 */
export function splitFirstFailures(
  records: readonly KinesisRecord[],
  confirmed: readonly boolean[],
): { first: KinesisRecord[]; later: KinesisRecord[] } {
  const failedKeys = new Set<string>();
  const first: KinesisRecord[] = [];
  const later: KinesisRecord[] = [];
  records.forEach((r, i) => {
    if (failedKeys.has(r.partitionKey)) later.push(r);
    else if (!confirmed[i]) {
      failedKeys.add(r.partitionKey);
      first.push(r);
    }
  });
  return { first, later };
}
