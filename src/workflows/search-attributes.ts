/** Typed search attribute keys (see SEARCH_ATTRIBUTES in src/constants.ts for registration). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const KSP_STREAM = defineSearchAttributeKey('KspStream', SearchAttributeType.KEYWORD);
export const KSP_SHARD_ID = defineSearchAttributeKey('KspShardId', SearchAttributeType.KEYWORD);
export const KSP_STATE = defineSearchAttributeKey('KspState', SearchAttributeType.KEYWORD);
/** How far the shard is behind the tip, in ms, at a bounded rate (lag-attribute.ts has the rule). */
export const KSP_MILLIS_BEHIND = defineSearchAttributeKey('KspMillisBehind', SearchAttributeType.INT);
export const KSP_QUARANTINED = defineSearchAttributeKey('KspQuarantined', SearchAttributeType.INT);
