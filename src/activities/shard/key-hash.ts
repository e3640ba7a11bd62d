/**
 * What of a partition key may enter workflow history: a hash. Keys are record data (often an
 * account or user ID), so the quarantine keeps SHA-256 of the key, cut to 64 bits (collisions are
 * negligible for the at most 1,000 keys a shard may hold); the DLQ keeps the key itself. The CLI
 * hashes the key a user names (`ksp quarantine release --partition-key`) the same way.
 */
import { createHash } from 'node:crypto';

export function partitionKeyHash(partitionKey: string): string {
  return createHash('sha256').update(partitionKey, 'utf8').digest('hex').slice(0, 16);
}
