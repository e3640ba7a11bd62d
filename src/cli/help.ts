/**
 * The parts every command's `--help` shares: the environment it reads and the exit codes. One
 * place, so a new variable (e.g. a Temporal profile) is documented for every command at once.
 */
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../constants';

/** Variables of the Temporal connection (read by every command that talks to Temporal). */
export const TEMPORAL_ENV = [
  `TEMPORAL_ADDRESS      host:port of the Temporal frontend (default ${DEFAULT_TEMPORAL_ADDRESS})`,
  `TEMPORAL_NAMESPACE    namespace (default ${DEFAULT_NAMESPACE})`,
  'TEMPORAL_API_KEY      API key (Temporal Cloud); turns TLS on',
  'TEMPORAL_TLS          true|false: connect with TLS',
  `KSP_TASK_QUEUE        task queue of the ksp workers (default ${DEFAULT_TASK_QUEUE})`,
];

/** Variables of the AWS clients (read by every command that calls Kinesis or SQS). */
export const AWS_ENV = [
  'AWS_REGION            region of the stream and queues (AWS_DEFAULT_REGION also works)',
  'AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL   endpoints other than AWS’s',
  'AWS_PROFILE, AWS_ACCESS_KEY_ID, …   credentials: the AWS SDK’s default chain',
];

/** Variables only the worker reads. */
export const WORKER_ENV = [
  'KSP_HANDLER           module that exports the batch handler (required unless KSP_HANDLERS names every stream)',
  'KSP_HANDLERS          handler per stream: {"<stream name or ARN>": "<module>" | {"module", "export", "type"}}, or a JSON file',
  'AWS_ENDPOINT_URL_STS  STS endpoint for streams started with --role-arn',
  'KSP_HANDLER_EXPORT    the export to use (default: handler, then default)',
  'KSP_HANDLER_TYPE      native (a ksp BatchHandler, default) | lambda (a Lambda Kinesis handler)',
  'KSP_LOG_LEVEL         TRACE|DEBUG|INFO|WARN|ERROR (default INFO)',
  'KSP_MAX_CONCURRENT_ACTIVITIES   activities run at once: one per shard consumed (default 2000)',
  'KSP_MAX_CACHED_WORKFLOWS        workflow runs kept in memory between tasks; 0 = none (default: the SDK’s, from the heap limit)',
  'KSP_SHARE_GATED_SLOTS           true: with consuming loops, stop polling at the fair share of shards (default false)',
  'KSP_WORKFLOW_BUNDLE   pre-built workflow bundle (default: bundled at start)',
];

export const EXIT_CODES = 'Exit codes: 0 ok, 1 failed (e.g. Temporal or AWS unreachable), 2 usage error.';

/** The closing block of a command's help: the environment it reads and the exit codes. */
export function helpFooter(...groups: string[][]): string {
  const lines = groups.flat().map((line) => `  ${line}`);
  return `${lines.length > 0 ? `Environment:\n${lines.join('\n')}\n` : ''}${EXIT_CODES}`;
}
