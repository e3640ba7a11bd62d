/**
 * Names and defaults shared by workflows, activities, workers, the CLI and tests.
 * Pure module: safe to import from workflow code.
 */
import { streamKey } from './aws/stream-ref';

/** Default Temporal task queue for every ksp workflow and activity. */
export const DEFAULT_TASK_QUEUE = 'kinesis-stream-processor';

/** Default Temporal namespace and address for the embedded dev stack. */
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * Prefix of every workflow ID this project starts: `ksp:<stream>` and `ksp:<stream>:<shardId>`,
 * where a stream named by ARN is `<account>/<region>/<name>` (src/aws/stream-ref.ts).
 */
export const WORKFLOW_ID_PREFIX = 'ksp';

/** Stable workflow ID of the stream workflow (DESIGN.md rule 4). */
export function streamWorkflowId(streamName: string): string {
  return `${WORKFLOW_ID_PREFIX}:${streamKey(streamName)}`;
}

/** Stable workflow ID of a shard workflow (DESIGN.md rule 4). */
export function shardWorkflowId(streamName: string, shardId: string): string {
  return `${WORKFLOW_ID_PREFIX}:${streamKey(streamName)}:${shardId}`;
}

/**
 * Custom search attributes the project sets, with their Temporal types. The dev stack registers
 * them (`temporal server start-dev --search-attribute KspStream=Keyword …`); so must a real cluster:
 * `temporal operator search-attribute create --name KspStream --type Keyword`.
 */
export const SEARCH_ATTRIBUTES = {
  KspStream: 'Keyword',
  KspShardId: 'Keyword',
  KspState: 'Keyword',
  /** Shard lag in ms, upserted at a bounded rate (src/workflows/lag-attribute.ts). */
  KspMillisBehind: 'Int',
  /** Quarantined partition keys a shard holds (quarantineKeys): `KspQuarantined > 0` lists them. */
  KspQuarantined: 'Int',
} as const;

/** How often the stream workflow looks for shards created outside ksp, unless told otherwise. */
export const DEFAULT_REDISCOVER_MS = 5 * 60_000;
