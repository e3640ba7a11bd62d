/**
 * Reshards one stream: checks every Kinesis limit before changing anything, then either calls
 * UpdateShardCount or runs the equivalent SplitShard / MergeShards calls one at a time, waits
 * for ACTIVE after each, tells the stream workflow (which records the change in its 24 h ledger
 * and starts the new shards once their parents are read to the end), and reports what it did.
 * Started as `ksp:<stream>:reshard` with the FAIL conflict policy: one reshard per stream at a time.
 * The decisions are ReshardRun's (reshard-run.ts); this function makes the calls it asks for.
 */
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { streamWorkflowId } from '../constants';
import { reshardCompletedSignal } from './stream-messages';
import {
  type ReshardResult,
  type ReshardWorkflowInput,
  RESHARD_REFUSED,
  reshardProgressQuery,
} from './reshard-messages';
import { reshardInputProblem, upgradeReshardInput } from './reshard-input';
import { ReshardRun } from './reshard-run';
import { noPayloadProblem } from './message-checks';
import { ensureStreamSearchAttribute } from './own-search-attributes';
import { ErrorType } from '../errors';
import { INFRA_RETRY, boundedInfraRetry, withNonRetryable } from './retry-policies';

export type { ReshardResult, ReshardWorkflowInput } from './reshard-messages';
export { DEFAULT_MAX_SHARDS } from './reshard-input';

type Activities = ReturnType<typeof createActivities>;

/** Reads and control-plane calls: quick, retried with backoff while Kinesis is busy or throttles. */
const calls = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: withNonRetryable(boundedInfraRetry(20, '30s'), RESHARD_REFUSED),
});

/** Waiting for ACTIVE: a reshard of a large stream takes minutes to hours on AWS. */
const waits = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '1m',
  retry: withNonRetryable({ ...INFRA_RETRY, maximumInterval: '30s' }, RESHARD_REFUSED),
});

function refused(message: string, limit: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: RESHARD_REFUSED,
    message,
    nonRetryable: true,
    details: [{ limit }],
  });
}

export async function reshardWorkflow(stored: ReshardWorkflowInput): Promise<ReshardResult> {
  const problem = reshardInputProblem(stored);
  if (problem) throw ApplicationFailure.nonRetryable(problem, ErrorType.Config);
  const input = upgradeReshardInput(stored);
  const { streamName } = input;
  ensureStreamSearchAttribute(streamName);
  const streamId = streamWorkflowId(streamName);
  const run = new ReshardRun(input, Date.now());
  setHandler(reshardProgressQuery, (...args: unknown[]) => {
    const bad = noPayloadProblem('progress', args);
    if (bad) throw new Error(bad);
    return run.progress;
  });

  const shape = await calls.inspectStreamForReshard({ streamName });
  const ledger = await calls.readReshardLedger({ streamName });
  const refusal = run.check(shape, ledger, Date.now(), streamId);
  if (refusal) throw refused(refusal.message, refusal.limit);

  for (;;) {
    const action = run.next(Date.now());
    switch (action.kind) {
      case 'update-shard-count': {
        const out = await calls.updateShardCount({ streamName, targetShardCount: action.targetShardCount });
        const unsupported = run.updateShardCountAnswered(out.supported);
        if (unsupported) throw refused(unsupported, 'method');
        break;
      }
      case 'split':
        await calls.splitShard({ streamName, ...action.args });
        break;
      case 'merge':
        await calls.mergeShards({ streamName, ...action.args });
        break;
      case 'wait-for-active':
        run.active(await waits.waitForStreamActive({ streamName, ...action.args }), Date.now());
        break;
      case 'notify-stream':
        try {
          const entry = { ...action.entry, workflowId: workflowInfo().workflowId };
          await getExternalWorkflowHandle(streamId).signal(reshardCompletedSignal, entry);
          run.notified(null, streamId);
        } catch (err) {
          log.warn('could not signal the stream workflow', { error: String(err) });
          run.notified(String(err), streamId);
        }
        break;
      case 'done':
        return run.result(Date.now());
    }
  }
}
