/**
 * Worker options that let several workers on one task queue share a stream's shards.
 *
 * Measured (test/integration/multi-worker.test.ts, `npm run bench` section `workers`): with the
 * SDK defaults a shard's activities follow its workflow task, which is sticky to the worker that
 * cached the workflow, because completing the workflow task dispatches the activity eagerly to
 * that same worker. A worker that joins later then never gets a shard (0 of 12 over 8 s), and the
 * first workers keep whatever split the start gave them (1.8 / 2.7 / 3.0 shards, 1.66×).
 * Without eager dispatch every activity goes through the task queue, where the workers' pollers
 * compete, so each activity lands on whichever worker has a poll waiting: an even share over
 * time, and a joining worker gets one at the next activity of every shard.
 *
 * The price is one matching hop per activity instead of none (a sync match on a waiting poll,
 * milliseconds), paid by single-worker deployments too.
 */
import type { WorkerOptions } from '@temporalio/worker';

export const SPREAD_WORKER_OPTIONS = {
  maxEagerActivityReservationsPerWorkflowTask: 0,
} as const satisfies Partial<WorkerOptions>;
