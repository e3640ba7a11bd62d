/** `ksp reshard <stream>`: change the shard layout through the reshard workflow. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { describeRequest, reshardResult, reshardValidated, startReshard } from '../../client/reshard-control';
import { TargetError } from '../../client/stream-control';
import { formatDuration } from '../../config/duration';
import { hashShare } from '../../workflows/hash-range';
import {
  type OpenShard,
  type ReshardMethod,
  type ReshardRequest,
  type ReshardResult,
  reshardProgressQuery,
  reshardWorkflowId,
} from '../../workflows/reshard-messages';
import type { CliContext } from '../context';
import { AWS_ENV, TEMPORAL_ENV, helpFooter } from '../help';
import { UsageError, intFlag, parse, requireStream, stringFlag } from '../usage';

export const RESHARD_HELP = `Usage: ksp reshard <stream> --to <n> [--steps] [options]
       ksp reshard <stream> --split <shardId> [--hash-key <key>] [options]
       ksp reshard <stream> --merge <shardId> <adjacentShardId> [options]
       ksp reshard <stream> --status [--json]
Changes the shard layout through the reshard workflow (ksp:<stream>:reshard, one at a time per
stream). Every Kinesis limit is checked before anything changes: the stream must be ACTIVE, one
count change goes at most to 2× and at least to ½ of the open shards, at most 10 count changes per
rolling 24 h, the account's shard limit. New shards are read once their parents are read to the end.
  --to <n>             target open shard count (UpdateShardCount, or equivalent splits/merges)
  --steps              allow a --to beyond 2× / ½ in several count changes (8 → 4 → 3)
  --split <shardId>    split one shard (in the middle of its hash range unless --hash-key)
  --merge <a> <b>      merge two adjacent shards
  --max-shards <n>     refuse targets above this (default 500; the account limit also applies)
  --method <m>         auto (default) | update-shard-count | split-merge
  --wait               wait until done and print what was done
  --json               print the result or status as JSON
  --status             the running or last reshard of the stream
${helpFooter(TEMPORAL_ENV, AWS_ENV)}`;

const METHODS: Record<string, ReshardMethod> = {
  auto: 'auto',
  'update-shard-count': 'UpdateShardCount',
  'split-merge': 'SplitMerge',
};

/** Parses the flags into a request; exported for the unit tests of the CLI edge. */
export function reshardRequestFromFlags(argv: string[]): {
  streamName: string;
  request: ReshardRequest | null;
  method: ReshardMethod;
  maxShards: number | undefined;
  wait: boolean;
  json: boolean;
} {
  const { values, positionals } = parse('reshard', argv, {
    to: { type: 'string' },
    steps: { type: 'boolean' },
    split: { type: 'string' },
    'hash-key': { type: 'string' },
    merge: { type: 'string' },
    'max-shards': { type: 'string' },
    method: { type: 'string' },
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    status: { type: 'boolean' },
  });
  const streamName = requireStream('reshard', positionals, true);
  const chosen = ['to', 'split', 'merge', 'status'].filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError(
      `${chosen.length === 0 ? 'say what to change' : `--${chosen.join(' and --')} cannot be combined`}: use one of --to <n>, --split <shardId>, --merge <a> <b> or --status. See \`ksp reshard --help\`.`,
    );
  }
  const methodName = stringFlag(values.method) ?? 'auto';
  const method = METHODS[methodName];
  if (!method) {
    throw new UsageError(
      `--method ${methodName} is not a method: use auto, update-shard-count or split-merge`,
    );
  }
  const extra = positionals.slice(1);
  const mergeWith = values.merge !== undefined ? extra.shift() : undefined;
  if (extra.length > 0)
    throw new UsageError(`unexpected argument ${extra.join(' ')}. See \`ksp reshard --help\`.`);
  let request: ReshardRequest | null = null;
  if (values.to !== undefined) {
    const targetShardCount = intFlag('to', values.to, 1, 100_000) as number;
    request = { kind: 'count', targetShardCount, ...(values.steps ? { allowMultipleSteps: true } : {}) };
  } else if (values.split !== undefined) {
    const key = stringFlag(values['hash-key']);
    request = { kind: 'split', shardId: String(values.split), ...(key ? { newStartingHashKey: key } : {}) };
  } else if (values.merge !== undefined) {
    const [a, b] = String(values.merge).includes(',')
      ? String(values.merge).split(',')
      : [values.merge, mergeWith];
    if (!a || !b)
      throw new UsageError('--merge needs two adjacent shards: --merge <shardId> <adjacentShardId>');
    request = { kind: 'merge', shardIds: [String(a), String(b)] };
  }
  if (values.steps && request?.kind !== 'count') throw new UsageError('--steps goes with --to <n>');
  if (values['hash-key'] !== undefined && request?.kind !== 'split')
    throw new UsageError('--hash-key goes with --split <shardId>');
  return {
    streamName,
    request,
    method,
    maxShards: intFlag('max-shards', values['max-shards'], 1, 100_000),
    wait: values.wait === true,
    json: values.json === true,
  };
}

function shardList(shards: readonly OpenShard[]): string {
  return shards.map((s) => `${s.shardId} (${(hashShare(s) * 100).toFixed(1)}%)`).join(', ');
}

/** What a finished reshard did, for the terminal. */
export function formatReshardResult(result: ReshardResult): string {
  const lines = [
    `resharded ${result.streamName} (${describeRequest(result.request)}): ${result.before.length} → ${result.after.length} open shards in ${formatDuration(result.durationMs)}`,
  ];
  if (result.steps.length === 0) lines.push('  nothing to do: the stream already has that many open shards');
  result.steps.forEach((step, i) => {
    lines.push(
      `  step ${i + 1}: ${step.from} → ${step.to} by ${step.method} (${step.calls.length} call${step.calls.length === 1 ? '' : 's'}, ACTIVE at ${step.activeAt}, ${formatDuration(step.durationMs)})`,
    );
    for (const c of step.calls) {
      const what =
        c.call.op === 'UpdateShardCount'
          ? `UpdateShardCount → ${c.call.targetShardCount}`
          : c.call.op === 'SplitShard'
            ? `SplitShard ${c.call.shardId} at ${c.call.newStartingHashKey}`
            : `MergeShards ${c.call.shardId} + ${c.call.adjacentShardId}`;
      lines.push(`    ${what}: ACTIVE after ${formatDuration(c.durationMs)}`);
    }
  });
  lines.push(`  before: ${shardList(result.before)}`, `  after:  ${shardList(result.after)}`);
  lines.push(
    result.streamWorkflowNotified
      ? '  the stream workflow recorded it and starts each new shard once its parents are read to the end'
      : '  the stream workflow was not told',
  );
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

async function statusOf(ctx: CliContext, streamName: string, json: boolean): Promise<void> {
  const handle = (await ctx.temporal()).workflow.getHandle(reshardWorkflowId(streamName));
  let running: boolean;
  try {
    running = (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      console.log(
        json
          ? JSON.stringify({ streamName, reshard: null }, null, 2)
          : `no reshard of stream ${streamName} has run (workflow ${reshardWorkflowId(streamName)})`,
      );
      return;
    }
    throw err;
  }
  if (running) {
    const progress = await handle.query(reshardProgressQuery);
    console.log(
      json
        ? JSON.stringify(progress, null, 2)
        : `reshard of ${streamName} running (${describeRequest(progress.request)}): ${progress.phase}, ${progress.completedSteps.length} of ${progress.plannedSteps.length} steps done, from ${progress.from ?? '?'} shards via ${progress.plannedSteps.join(' → ') || '…'}`,
    );
    return;
  }
  try {
    const result = await reshardResult(handle);
    console.log(json ? JSON.stringify(result, null, 2) : formatReshardResult(result));
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    const message = `the last reshard of ${streamName} (workflow ${handle.workflowId}) did not complete: ${err.message}`;
    console.log(json ? JSON.stringify({ streamName, failed: err.message }, null, 2) : message);
  }
}

export async function reshardCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const flags = reshardRequestFromFlags(argv);
  if (!flags.request) return statusOf(ctx, flags.streamName, flags.json);
  const client = await ctx.temporal();
  const handle = await startReshard(client, ctx.temporalConfig().taskQueue, {
    streamName: flags.streamName,
    request: flags.request,
    method: flags.method,
    ...(flags.maxShards !== undefined ? { maxShards: flags.maxShards } : {}),
    requestedBy: 'ksp reshard',
  });
  if (flags.wait) {
    const result = await reshardResult(handle);
    console.log(flags.json ? JSON.stringify(result, null, 2) : formatReshardResult(result));
    return;
  }
  const progress = await reshardValidated(handle);
  if (flags.json) {
    console.log(JSON.stringify({ workflowId: handle.workflowId, ...progress }, null, 2));
    return;
  }
  console.log(
    progress.phase === 'done' && progress.plannedSteps.length === 0
      ? `stream ${flags.streamName} already has ${progress.from ?? '?'} open shards: nothing to do`
      : `resharding ${flags.streamName}: ${[progress.from, ...progress.plannedSteps].join(' → ')} open shards (workflow ${handle.workflowId}); follow it with \`ksp reshard ${flags.streamName} --status\``,
  );
}
