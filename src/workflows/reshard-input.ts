/**
 * The reshard workflow's input as histories and users hold it (ReshardWorkflowInput: `method`,
 * `maxShards` and `requestedBy` optional), checked and upgraded once at the workflow's entry to
 * the shape its body uses. Pure: no Temporal import.
 */
import { closestName } from '../config/checks';
import type { ReshardMethod, ReshardRequest, ReshardWorkflowInput } from './reshard-messages';

/** Default upper bound on the shard count where the input names none. */
export const DEFAULT_MAX_SHARDS = 500;

/** The input every field filled in. */
export interface ReshardInput {
  streamName: string;
  request: ReshardRequest;
  method: ReshardMethod;
  maxShards: number;
  requestedBy: string | null;
}

const METHODS: readonly string[] = ['auto', 'UpdateShardCount', 'SplitMerge'] satisfies ReshardMethod[];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

function requestProblem(request: unknown): string | null {
  const example =
    'e.g. {"kind":"count","targetShardCount":4}, {"kind":"split","shardId":"shardId-000000000000"}';
  if (!isRecord(request)) return `request ${shown(request)} is not an object: ${example}`;
  switch (request.kind) {
    case 'count':
      if (typeof request.targetShardCount !== 'number')
        return `request.targetShardCount ${shown(request.targetShardCount)} is not a number of shards`;
      if (!Number.isInteger(request.targetShardCount) || request.targetShardCount < 1)
        return `request.targetShardCount ${shown(request.targetShardCount)} is not a whole number of shards of at least 1`;
      if (request.allowMultipleSteps !== undefined && typeof request.allowMultipleSteps !== 'boolean')
        return `request.allowMultipleSteps ${shown(request.allowMultipleSteps)} is not true or false`;
      return null;
    case 'split':
      if (typeof request.shardId !== 'string')
        return `request.shardId ${shown(request.shardId)} is not a shard ID`;
      if (request.newStartingHashKey !== undefined && typeof request.newStartingHashKey !== 'string')
        return `request.newStartingHashKey ${shown(request.newStartingHashKey)} is not a decimal string`;
      return null;
    case 'merge': {
      const ids = request.shardIds;
      const pair = Array.isArray(ids) && ids.length === 2 && ids.every((id) => typeof id === 'string');
      return pair ? null : `request.shardIds ${shown(ids)} is not two shard IDs`;
    }
    default:
      return `request.kind ${shown(request.kind)} is not "count", "split" or "merge": ${example}`;
  }
}

const INPUT_FIELDS = ['streamName', 'request', 'method', 'maxShards', 'requestedBy'];
const REQUEST_FIELDS: Record<string, readonly string[]> = {
  count: ['kind', 'targetShardCount', 'allowMultipleSteps'],
  split: ['kind', 'shardId', 'newStartingHashKey'],
  merge: ['kind', 'shardIds'],
};

/** A field the input does not know (a typo would otherwise be ignored), named with the fix. */
function unknownField(
  value: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): string | null {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    return `${prefix}${key} is not a reshard input field: ${near ? `did you mean ${prefix}${near}?` : `use ${known.map((k) => prefix + k).join(', ')}`}`;
  }
  return null;
}

/**
 * What is wrong with a reshard workflow input, naming the field and the fix; null when fine. The
 * input has one form: what `ksp reshard` and `temporal workflow start --input` both pass, e.g.
 * {"streamName": "orders", "request": {"kind": "count", "targetShardCount": 4}}.
 */
export function reshardInputProblem(input: unknown): string | null {
  if (!isRecord(input))
    return `the reshard input ${shown(input)} is not an object with streamName and request, e.g. {"streamName": "orders", "request": {"kind": "count", "targetShardCount": 4}}`;
  const unknown = unknownField(input, INPUT_FIELDS, '');
  if (unknown) return unknown;
  if (typeof input.streamName !== 'string' || input.streamName === '')
    return `streamName ${shown(input.streamName)} is not a stream name`;
  if (input.method !== undefined && !METHODS.includes(input.method as string))
    return `method ${shown(input.method)} is not one of ${METHODS.join(', ')}`;
  if (
    input.maxShards !== undefined &&
    !(Number.isInteger(input.maxShards) && (input.maxShards as number) >= 1)
  )
    return `maxShards ${shown(input.maxShards)} is not a whole number of at least 1`;
  if (input.requestedBy !== undefined && typeof input.requestedBy !== 'string')
    return `requestedBy ${shown(input.requestedBy)} is not a string`;
  const problem = requestProblem(input.request);
  if (problem) return problem;
  const request = input.request as Record<string, unknown>;
  return unknownField(request, REQUEST_FIELDS[request.kind as string] ?? [], 'request.');
}

/** The stored input, its optional fields given their defaults (call after `reshardInputProblem`). */
export function upgradeReshardInput(stored: ReshardWorkflowInput): ReshardInput {
  return {
    streamName: stored.streamName,
    request: stored.request,
    method: stored.method ?? 'auto',
    maxShards: stored.maxShards ?? DEFAULT_MAX_SHARDS,
    requestedBy: stored.requestedBy ?? null,
  };
}
