/** `ksp dlq replay` flags → DlqReplayOptions, and which flag sets which option. */
import type { DlqReplayOptions } from '../../config/replay-options';
import { type FlagFields, type OptionOrigin, originOf } from '../flag-errors';
import { UsageError, intFlag, parse, stringFlag } from '../usage';

/** Which flag sets which replay option, for errors in the user's terms. */
const REPLAY_FLAGS: FlagFields = {
  queueUrl: '<queue-url>',
  mode: '--mode',
  targetStream: '--stream',
  'filters.errorTypes': '--error-type',
  'filters.streamNames': '--source-stream',
  'filters.shardIds': '--shard',
  'filters.since': '--since',
  'filters.until': '--until',
  'filters.partitionKeys': '--partition-key',
  ratePerSecond: '--rate',
  maxMessages: '--max',
  maxTries: '--max-tries',
  parkingQueueUrl: '--parking-queue',
  parkUnreadable: '--park-unreadable',
  emptyGracePeriod: '--grace',
  dryRun: '--dry-run',
};

export function requireQueue(sub: string, positionals: string[]): string {
  const url = positionals[0];
  if (!url) throw new UsageError(`missing <queue-url>. Usage: ksp dlq ${sub} <queue-url>`);
  return url;
}

function list(value: string | boolean | Array<string | boolean> | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** Replay options from the command line (and --config), before compilation; `detach` and `json` are the CLI's own. */
export function replayOptionsFromFlags(
  argv: string[],
  readConfig: (path: string) => unknown,
): { options: DlqReplayOptions; detach: boolean; json: boolean; origin: OptionOrigin } {
  const { values, positionals } = parse('dlq replay', argv, {
    mode: { type: 'string' },
    stream: { type: 'string' },
    'error-type': { type: 'string', multiple: true },
    'source-stream': { type: 'string', multiple: true },
    shard: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
    'partition-key': { type: 'string', multiple: true },
    rate: { type: 'string' },
    max: { type: 'string' },
    'max-tries': { type: 'string' },
    'parking-queue': { type: 'string' },
    'park-unreadable': { type: 'boolean' },
    grace: { type: 'string' },
    'dry-run': { type: 'boolean' },
    detach: { type: 'boolean' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  const queueUrl = requireQueue('replay', positionals);
  const config = stringFlag(values.config);
  const file = (config ? readConfig(config) : {}) as Partial<DlqReplayOptions>;
  const raw = values as Record<string, string | boolean | Array<string | boolean> | undefined>;
  const filters = {
    ...file.filters,
    ...(list(raw['error-type']) ? { errorTypes: list(raw['error-type']) } : {}),
    ...(list(raw['source-stream']) ? { streamNames: list(raw['source-stream']) } : {}),
    ...(list(raw.shard) ? { shardIds: list(raw.shard) } : {}),
    ...(list(raw['partition-key']) ? { partitionKeys: list(raw['partition-key']) } : {}),
    ...(stringFlag(values.since) ? { since: stringFlag(values.since) } : {}),
    ...(stringFlag(values.until) ? { until: stringFlag(values.until) } : {}),
  };
  const rate = intFlag('rate', values.rate, 1, 1_000_000);
  const max = intFlag('max', values.max, 1, 1_000_000_000);
  const maxTries = intFlag('max-tries', values['max-tries'], 1, 1_000);
  const options: DlqReplayOptions = {
    ...file,
    queueUrl,
    filters,
    ...(stringFlag(values.mode) ? { mode: stringFlag(values.mode) as DlqReplayOptions['mode'] } : {}),
    ...(stringFlag(values.stream) ? { targetStream: stringFlag(values.stream) } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    ...(max !== undefined ? { maxMessages: max } : {}),
    ...(maxTries !== undefined ? { maxTries } : {}),
    ...(stringFlag(values['parking-queue']) ? { parkingQueueUrl: stringFlag(values['parking-queue']) } : {}),
    ...(values['park-unreadable'] ? { parkUnreadable: true } : {}),
    ...(stringFlag(values.grace) ? { emptyGracePeriod: stringFlag(values.grace) } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };
  const fromFile = config ? { path: config, value: file as Record<string, unknown> } : undefined;
  const origin = originOf(REPLAY_FLAGS, values, fromFile);
  return { options, detach: values.detach === true, json: values.json === true, origin };
}
