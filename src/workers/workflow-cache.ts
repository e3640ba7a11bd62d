/**
 * How many workflow runs one worker keeps cached between workflow tasks (the SDK's
 * `maxCachedWorkflows`, KSP_MAX_CACHED_WORKFLOWS). A cached run answers its next workflow task
 * at once; an evicted one replays its history (since its last continue-as-new) first.
 *
 * The SDK's default comes from the heap limit: ~600 runs per GiB above 200 MiB, 2,310 on a
 * machine whose Node heap limit is 4 GiB, so a worker caches every shard it has consumed. Each
 * cached shard run costs memory in the workflow thread's V8 heap and in the SDK core's native
 * history and state machines (bench section `rss`, README "Sizing and spreading workers").
 * With the consuming loop (`maxActivityLifetime` > 0) a shard workflow gets a workflow task about
 * once per loop return, so a replay after an eviction is rare and cheap; with one activity per
 * batch every batch is a workflow task and a cache smaller than the busy shards replays often.
 */
import { type Env, readInt } from '../config/env';
import { ConfigError } from '../errors';

/** Runs cached by default: the shards of a busy worker, not every shard it ever held. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

/** The most KSP_MAX_CACHED_WORKFLOWS takes. */
export const MAX_CACHED_WORKFLOWS_LIMIT = 100_000;

/**
 * KSP_MAX_CACHED_WORKFLOWS: 0 (no cache: every workflow task replays the whole history) or a whole
 * number from 2 (the SDK's least; it would turn 1 into 2 with a warning) to 100,000.
 */
export function readMaxCachedWorkflows(env: Env): number {
  const name = 'KSP_MAX_CACHED_WORKFLOWS';
  const value = readInt(env, name, DEFAULT_MAX_CACHED_WORKFLOWS, 0, MAX_CACHED_WORKFLOWS_LIMIT);
  if (value === 1) {
    throw new ConfigError(
      name,
      `"1" is invalid: use 0 (no cache, every workflow task replays its history) or a whole number from 2 to ${MAX_CACHED_WORKFLOWS_LIMIT}`,
    );
  }
  return value;
}
