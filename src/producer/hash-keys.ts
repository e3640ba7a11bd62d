/**
 * The producer's routing keys, without BigInt and without an MD5 per put: each record's 128-bit
 * hash key as 32 lowercase hex digits (zero-padded, so comparing two of them as strings compares
 * them as numbers), computed once per distinct partition key (or explicit hash key) and shared by
 * every record of that key. The decimal form, which PutRecords takes as ExplicitHashKey, is
 * computed only when an aggregate asks for it, once per key.
 */
import { createHash } from 'node:crypto';

/** A record's hash key. One object per distinct key: records of a key share it (compare by identity). */
export interface HashKey {
  /** 32 lowercase hex digits. */
  readonly hex: string;
  /** The decimal form (ExplicitHashKey). */
  decimal(): string;
}

class CachedHashKey implements HashKey {
  private decimalForm: string | undefined;

  constructor(
    readonly hex: string,
    decimalForm?: string,
  ) {
    this.decimalForm = decimalForm;
  }

  decimal(): string {
    this.decimalForm ??= BigInt(`0x${this.hex}`).toString();
    return this.decimalForm;
  }
}

/** A decimal hash key (0 … 2^128 − 1, as a validated explicit hash key) as 32 hex digits. */
export function decimalToHex(decimal: string): string {
  return BigInt(decimal).toString(16).padStart(32, '0');
}

/** Keys remembered per producer before the cache starts over (bounds memory with unbounded key sets). */
const MAX_CACHED_KEYS = 100_000;

/** Hash keys by partition key and by explicit hash key, computed once each. */
export class HashKeyCache {
  private readonly byPartitionKey = new Map<string, HashKey>();
  private readonly byExplicit = new Map<string, HashKey>();

  /** The hash key that routes a record: its explicit hash key when set, else the MD5 of its partition key. */
  of(partitionKey: string, explicitHashKey?: string): HashKey {
    if (explicitHashKey !== undefined) {
      let key = this.byExplicit.get(explicitHashKey);
      if (key === undefined) {
        if (this.byExplicit.size >= MAX_CACHED_KEYS) this.byExplicit.clear();
        key = new CachedHashKey(decimalToHex(explicitHashKey), explicitHashKey);
        this.byExplicit.set(explicitHashKey, key);
      }
      return key;
    }
    let key = this.byPartitionKey.get(partitionKey);
    if (key === undefined) {
      if (this.byPartitionKey.size >= MAX_CACHED_KEYS) this.byPartitionKey.clear();
      key = new CachedHashKey(createHash('md5').update(partitionKey, 'utf8').digest('hex'));
      this.byPartitionKey.set(partitionKey, key);
    }
    return key;
  }
}
