/**
 * The shard workflow's quarantine release: a signal naming key hashes (never keys, which are record
 * data; the CLI hashes what the user names). Validated before anything reaches state: a malformed
 * payload is logged and dropped (DESIGN.md rule 10).
 */
import { defineSignal } from '@temporalio/workflow';
import { describePayload } from './shard-messages';

export interface ReleaseKeysInput {
  /** Hashes of the partition keys to release (`partitionKeyHash`), at most MAX_RELEASE. */
  keyHashes: string[];
}

export const MAX_RELEASE = 1_000;

/** Shard workflow: release quarantined keys; their later records flow again. */
export const releaseKeysSignal = defineSignal<[ReleaseKeysInput]>('releaseQuarantinedKeys');

/** The hashes a release signal names, or the problem with its payload. */
export function checkReleaseInput(args: readonly unknown[]): { keyHashes: string[] } | { problem: string } {
  const [payload] = args;
  const hashes = (payload as { keyHashes?: unknown } | null | undefined)?.keyHashes;
  if (
    !Array.isArray(hashes) ||
    hashes.length === 0 ||
    hashes.length > MAX_RELEASE ||
    !hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{16}$/.test(h))
  ) {
    return {
      problem: `payload is ${describePayload(payload)}: expected {"keyHashes": ["<16 hex digits>", …]} (1–${MAX_RELEASE} hashes); ignored`,
    };
  }
  return { keyHashes: [...new Set(hashes as string[])] };
}
