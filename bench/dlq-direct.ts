/**
 * The DLQ replay activity called directly, outside the Temporal worker (bench:dlq `--direct`):
 * the same `replayDlqBatch` the worker runs, built from injected deps as the activity tests build
 * it, called once per report interval as the workflow calls it, with no activity context, no
 * heartbeats reaching the SDK and no workflow. Beside the in-worker run it shows what running
 * under the worker costs; beside the plain loop, what the replay's own work costs.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DlqQueue } from '../src/activities/dlq/queue';
import { createDlqReplayActivities } from '../src/activities/dlq/replay';
import { RecordRereader } from '../src/activities/dlq/reread';
import { RecordReputter } from '../src/activities/dlq/targets';
import { callTimeoutMs } from '../src/aws/call';
import type { CompiledDlqReplayOptions } from '../src/config/replay-options';
import { type DlqReplayCounts, addCounts, emptyCounts } from '../src/dlq/replay-contract';
import type { BatchHandler, HandlerLogger } from '../src/handler/contract';

const quiet: HandlerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Replays `messages` messages of `options.queueUrl` through `handler` by calling the activity
 * function in a loop until all were seen; returns the summed counts. Each SQS call is bounded as
 * in the worker (an attempt's signal and the call deadline of a 30 s heartbeat timeout), so the
 * calls are the same; only the Temporal side is missing.
 */
export async function replayDirectly(
  clients: { sqs: SQSClient; kinesis: KinesisClient },
  handler: BatchHandler,
  options: CompiledDlqReplayOptions,
  messages: number,
): Promise<DlqReplayCounts> {
  const attempt = new AbortController(); // never aborted: the attempt is never lost
  const bounds = () => ({ signal: attempt.signal, timeoutMs: callTimeoutMs(30_000) });
  const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const activities = createDlqReplayActivities({
    queue: new DlqQueue(clients.sqs, () => Promise.resolve(262_144), bounds),
    rereader: new RecordRereader(clients.kinesis, timer, bounds),
    reputter: new RecordReputter(clients.kinesis, bounds),
    handler,
    log: quiet,
    heartbeat: () => undefined,
    previousProgress: () => undefined,
    cancelled: () => attempt.signal,
    handlerSignal: () => attempt.signal,
    sleep: timer,
    now: Date.now,
  });
  let counts = emptyCounts();
  while (counts.seen < messages) {
    const result = await activities.replayDlqBatch({
      options,
      maxMessages: messages - counts.seen,
      idleWaitMs: options.emptyGracePeriodMs,
    });
    if (result.counts.seen === 0) throw new Error(`bench: the queue ran dry after ${counts.seen} messages`);
    counts = addCounts(counts, result.counts);
  }
  return counts;
}
