/**
 * How many workflow runs one worker keeps cached between workflow tasks (the SDK's
 * `maxCachedWorkflows`, KSP_MAX_CACHED_WORKFLOWS). A cached run answers its next workflow task
 * at once; an evicted one first replays its history since its last continue-as-new.
 *
 * Unset, the SDK's default applies: it grows with the heap limit (~600 runs per GiB above
 * 200 MiB with the reused V8 context, 2,310 on a 4 GiB heap), so a worker caches every shard it
 * runs. Measured (bench `rss`, kinesalite, 2026-12-02): a cached shard run costs ~0.2 MiB of the
 * workflow thread's heap, a small part of a shard's ~1.1–1.3 MiB; the rest is the activity side.
 * With one activity per batch every batch is a workflow task, and a cache smaller than the busy
 * shards replays on almost every task: 500 shards with 100 cached drained 75 of 499 shards in
 * 534 s where the full cache drained all in 321 s. With the consuming loop
 * (`maxActivityLifetime` > 0) a shard gets a task about once per loop return, so a smaller cache
 * costs a replay per return.
 */
import { type Env, readInt } from '../config/env';
import { ConfigError } from '../errors';

/** The most KSP_MAX_CACHED_WORKFLOWS takes. */
export const MAX_CACHED_WORKFLOWS_LIMIT = 100_000;

/**
 * KSP_MAX_CACHED_WORKFLOWS: 0 (no cache: every workflow task replays the whole history) or a whole
 * number from 2 (the SDK's least; it would turn 1 into 2 with a warning) to 100,000; unset or
 * blank: undefined, the SDK's default.
 */
export function readMaxCachedWorkflows(env: Env): number | undefined {
  const name = 'KSP_MAX_CACHED_WORKFLOWS';
  if ((env[name] ?? '').trim() === '') return undefined;
  const value = readInt(env, name, 0, 0, MAX_CACHED_WORKFLOWS_LIMIT);
  if (value === 1) {
    throw new ConfigError(
      name,
      `"1" is invalid: use 0 (no cache, every workflow task replays its history) or a whole number from 2 to ${MAX_CACHED_WORKFLOWS_LIMIT}`,
    );
  }
  return value;
}
