/**
 * What a workflow's page in the Temporal Web UI says about it before anything runs: the one-line
 * `staticSummary` (shown in the workflow list and the page header) and the markdown
 * `staticDetails` every start sets — which stream, which shard, which handler, the options that
 * matter. The handler is a worker setting (`KSP_HANDLER`), not an input: a client can only name
 * the task queue whose workers run it; a shard workflow, started by a worker, names the handler
 * that worker loaded. Nothing here quotes record data. Pure module (clients and activities).
 */
import type { CompiledAutoscaleOptions } from '../config/autoscale-options';
import type { CompiledDlqReplayOptions } from '../config/replay-options';
import type { CompiledStreamOptions, ShardStartPosition, StartPosition } from '../config/stream-options';
import type { ReshardRequest } from './reshard-messages';

/** What a start call passes on to `client.workflow.start`. */
export interface StartMetadata {
  staticSummary: string;
  staticDetails: string;
}

/** `1500` → `1.5s`, `300000` → `5m`: the unit a person would write in `--config`. */
export function formatMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(1))}${unit}`;
  }
  return `${ms}ms`;
}

/** `TRIM_HORIZON`, `AT_TIMESTAMP 2026-…`, `AFTER_SEQUENCE_NUMBER 4960…`. */
export function describePosition(position: StartPosition | ShardStartPosition): string {
  switch (position.type) {
    case 'AT_TIMESTAMP':
      return `AT_TIMESTAMP ${position.timestamp}`;
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return 'sequenceNumber' in position
        ? `${position.type} ${position.sequenceNumber}`
        : `${position.type} (per shard: ${Object.keys(position.sequenceNumbers).length} listed)`;
    default:
      return position.type;
  }
}

const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

/** The options a reader of the page needs, one markdown bullet each. */
function optionLines(options: CompiledStreamOptions): string[] {
  const { retry } = options;
  const attempts = retry.maximumAttempts > 0 ? `${retry.maximumAttempts} attempts` : 'unlimited attempts';
  const lines = [
    `- batchSize ${options.batchSize}, maxPollWait ${formatMs(options.maxPollWaitMs)}, maxBatchingWindow ${formatMs(options.maxBatchingWindowMs)}`,
    `- retry: ${attempts}, ${formatMs(retry.initialIntervalMs)} × ${retry.backoffCoefficient} up to ${formatMs(retry.maximumIntervalMs)}` +
      (retry.nonRetryableErrorTypes.length > 0
        ? `; never retried: ${retry.nonRetryableErrorTypes.map(code).join(', ')}`
        : ''),
    `- bisectBatchOnError ${options.bisectBatchOnError ? 'on' : 'off'}, maximumRecordAge ${
      options.maximumRecordAgeMs === null ? 'none' : formatMs(options.maximumRecordAgeMs)
    }, errorDetail ${options.errorDetail}`,
    `- DLQ: ${options.dlqQueueUrl === null ? 'none (failed records are retried until they pass)' : code(options.dlqQueueUrl)}`,
  ];
  if (options.filterCriteria) lines.push('- filterCriteria set: records no filter matches are skipped');
  return lines;
}

function handlerOnQueue(taskQueue: string): string {
  return `the \`KSP_HANDLER\` module of the workers on task queue ${code(taskQueue)}`;
}

export function streamStartMetadata(options: CompiledStreamOptions, taskQueue: string): StartMetadata {
  return {
    staticSummary: `Kinesis stream ${options.streamName}: one shard workflow per shard, from ${describePosition(options.startPosition)}`,
    staticDetails: [
      `**Stream** ${code(options.streamName)}, read from ${describePosition(options.startPosition)}`,
      `**Handler**: ${handlerOnQueue(taskQueue)}`,
      `**Shards**: workflows ${code(`ksp:${options.streamName}:<shardId>`)}; list them with ${code(`KspStream="${options.streamName}"`)}`,
      '**Options**',
      ...optionLines(options),
    ].join('\n'),
  };
}

export interface ShardStartFacts {
  streamName: string;
  shardId: string;
  options: CompiledStreamOptions;
  startPosition: ShardStartPosition;
  /** What the starting worker loaded (its KSP_HANDLER, export and type). */
  handlerName: string;
  taskQueue: string;
  /** Resumes a closed run's checkpoint. */
  resumed: boolean;
}

export function shardStartMetadata(facts: ShardStartFacts): StartMetadata {
  const from = facts.resumed ? 'its last checkpoint' : describePosition(facts.startPosition);
  return {
    staticSummary: `Kinesis ${facts.streamName} / ${facts.shardId}: handler ${facts.handlerName}, from ${from}`,
    staticDetails: [
      `**Shard** ${code(facts.shardId)} of stream ${code(facts.streamName)}, read from ${from}`,
      `**Handler**: ${code(facts.handlerName)} (loaded by the worker that started this shard; every worker on task queue ${code(facts.taskQueue)} must load the same)`,
      '**Options**',
      ...optionLines(facts.options),
      'Checkpoint, lag and counts: *Current Details* below; search by `KspMillisBehind` and `KspState`.',
    ].join('\n'),
  };
}

export function dlqReplayStartMetadata(options: CompiledDlqReplayOptions, taskQueue: string): StartMetadata {
  const target =
    options.mode === 'reput'
      ? `re-put into stream ${options.targetStream ?? '(none)'}`
      : 'through the handler';
  return {
    staticSummary: `DLQ replay of ${options.queueUrl} ${target}${options.dryRun ? ' (dry run)' : ''}`,
    staticDetails: [
      `**Queue** ${code(options.queueUrl)}, mode ${options.mode}${options.dryRun ? ', dry run: nothing is deleted or re-put' : ''}`,
      options.mode === 'handler'
        ? `**Handler**: ${handlerOnQueue(taskQueue)}`
        : `**Target stream** ${code(options.targetStream ?? '')}`,
      `- rate ${options.ratePerSecond === null ? 'unlimited' : `${options.ratePerSecond}/s`}, at most ${options.maxMessages ?? 'every'} message(s), ${options.maxTries} tries each`,
      `- parking queue: ${options.parkingQueueUrl === null ? 'none' : code(options.parkingQueueUrl)}`,
    ].join('\n'),
  };
}

/** `to 8 shards`, `split shardId-…`, `merge a + b`. */
export function describeReshardRequest(request: ReshardRequest): string {
  switch (request.kind) {
    case 'count':
      return `to ${request.targetShardCount} shards${request.allowMultipleSteps ? ' (several steps allowed)' : ''}`;
    case 'split':
      return `split ${request.shardId}`;
    case 'merge':
      return `merge ${request.shardIds[0]} + ${request.shardIds[1]}`;
  }
}

/** `requestedBy`: the autoscaler's workflow ID when it asked; null from the ksp client. */
export function reshardStartMetadata(
  streamName: string,
  request: ReshardRequest,
  requestedBy: string | null = null,
): StartMetadata {
  const described = describeReshardRequest(request);
  return {
    staticSummary: `Reshard Kinesis stream ${streamName}: ${described}${requestedBy ? ' (autoscaler)' : ''}`,
    staticDetails: [
      `**Stream** ${code(streamName)}`,
      `**Request**: ${described}${requestedBy ? `, asked by ${code(requestedBy)}` : ''}`,
      'One reshard per stream at a time; the stream workflow starts the new shards in lineage order.',
    ].join('\n'),
  };
}

export function autoscaleStartMetadata(options: CompiledAutoscaleOptions): StartMetadata {
  return {
    staticSummary: `Autoscale Kinesis stream ${options.streamName} between ${options.minShards} and ${options.maxShards} shards${options.dryRun ? ' (dry run)' : ''}`,
    staticDetails: [
      `**Stream** ${code(options.streamName)}: ${options.minShards}–${options.maxShards} shards, target utilisation ${options.targetUtilisation}`,
      `- scale up above ${options.scaleUpThreshold} for ${formatMs(options.scaleUpWindowMs)}, down below ${options.scaleDownThreshold} for ${formatMs(options.scaleDownWindowMs)}, cooldown ${formatMs(options.cooldownMs)}`,
      `- lag trigger: ${options.maxLagMs === null ? 'none' : `${formatMs(options.maxLagMs)} held ${formatMs(options.lagHoldMs)}`}`,
    ].join('\n'),
  };
}
