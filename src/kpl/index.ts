/**
 * KPL aggregation, both ways: the format (`format.ts`), building aggregates (`aggregate.ts`),
 * reading them (`deaggregate.ts`) and the hash keys that route records to shards (`hash-key.ts`).
 */
export { KPL_DIGEST_BYTES, KPL_MAGIC, KPL_OVERHEAD_BYTES, type AggregatedUserRecord } from './format';
export { AggregateBuilder, encodeAggregate } from './aggregate';
export { type Deaggregated, deaggregate, hasKplMagic } from './deaggregate';
export { MAX_HASH_KEY, effectiveHashKey, isExplicitHashKey, partitionKeyHash } from './hash-key';
