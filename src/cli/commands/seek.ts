/** `ksp seek <stream> [--shard <id>] --to <time|TRIM_HORIZON|LATEST> | --at-sequence N | --after-sequence N`. */
import { RefusedUpdateError, seekStream } from '../../client/stream-control';
import type { SeekPosition, StreamSeekInput } from '../../workflows/seek';
import type { CliContext } from '../context';
import { TEMPORAL_ENV, helpFooter } from '../help';
import { UsageError, parse, requireStream, stringFlag } from '../usage';

export const SEEK_HELP = `Usage: ksp seek <stream> [--shard <id>] --to <time|TRIM_HORIZON|LATEST> [--json]
       ksp seek <stream> --shard <id> --at-sequence <N> | --after-sequence <N> [--json]
Moves the stream's shards (or one) while they run: a rewind re-delivers, a skip skips. It takes
effect after each shard's batch in flight (whose checkpoint is kept first), starts a failing
retry over, leaves a paused shard paused, and is recorded in \`ksp status --json\` (lastSeek).
A time maps each shard to its own position; a rewind to before a reshard reads the closed parent
shards again, and their children wait for them again. A time before the stream's retention is
refused.
  --to <time>                an ISO-8601 time (e.g. 2026-12-01T08:00:00Z), TRIM_HORIZON or LATEST
  --at-sequence <N>          from the record with sequence number N (needs --shard)
  --after-sequence <N>       from the record after N (needs --shard)
  --shard <id>               one running or paused shard only
  --requested-by <who>       recorded as who asked (default: this client's identity)
  --json                     print the stream status the workflow answered with
Temporal CLI: temporal workflow update execute --workflow-id ksp:<stream> --name seek \\
  --input '{"position": {"type": "AT_TIMESTAMP", "timestamp": "2026-12-01T08:00:00Z"}}'
${helpFooter(TEMPORAL_ENV)}`;

const SEQUENCE = /^\d{1,128}$/;

/** The position the flags name; exactly one of --to, --at-sequence, --after-sequence. */
export function seekPosition(values: Record<string, unknown>): SeekPosition {
  const given = ['to', 'at-sequence', 'after-sequence'].filter((f) => values[f] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'say where to: --to <time|TRIM_HORIZON|LATEST>, --at-sequence <N> or --after-sequence <N>. See `ksp seek --help`.'
        : `give one of ${given.map((f) => `--${f}`).join(', ')}, not several`,
    );
  }
  const flag = given[0] as string;
  const value = stringFlag(values[flag] as string | undefined) ?? '';
  if (flag !== 'to') {
    if (!SEQUENCE.test(value)) {
      throw new UsageError(`--${flag}: ${JSON.stringify(value)} is not a sequence number (decimal digits)`);
    }
    return {
      type: flag === 'at-sequence' ? 'AT_SEQUENCE_NUMBER' : 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: value,
    };
  }
  const upper = value.toUpperCase();
  if (upper === 'TRIM_HORIZON' || upper === 'LATEST') return { type: upper };
  const at = Date.parse(value);
  if (!/\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at)) {
    throw new UsageError(
      `--to: ${JSON.stringify(value)} is not a time: use ISO-8601 (e.g. 2026-12-01T08:00:00Z), TRIM_HORIZON or LATEST`,
    );
  }
  return { type: 'AT_TIMESTAMP', timestamp: new Date(at).toISOString() };
}

export async function seekCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('seek', argv, {
    to: { type: 'string' },
    'at-sequence': { type: 'string' },
    'after-sequence': { type: 'string' },
    shard: { type: 'string' },
    'requested-by': { type: 'string' },
    json: { type: 'boolean' },
  });
  const stream = requireStream('seek', positionals);
  const position = seekPosition(values);
  const shardId = stringFlag(values.shard);
  const requestedBy = stringFlag(values['requested-by']);
  const input: StreamSeekInput = {
    position,
    ...(shardId ? { shardId } : {}),
    ...(requestedBy ? { requestedBy } : {}),
  };
  let status;
  try {
    status = await seekStream(await ctx.temporal(), stream, input);
  } catch (err) {
    if (err instanceof RefusedUpdateError) throw new UsageError(`refused: ${err.message}`);
    throw err;
  }
  if (values.json) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  const seek = status.lastSeek;
  const list = (ids: string[] | undefined) => (ids && ids.length > 0 ? ids.join(', ') : 'none');
  console.log(
    `seek to ${JSON.stringify(position)} applied to ${stream}${shardId ? ` shard ${shardId}` : ''}: ` +
      `moved ${list(seek?.moved)}; stopped to wait for their parents ${list(seek?.held)}; ` +
      `(re)started from there ${list(seek?.restarted)}. \`ksp status ${stream}\` shows each shard.`,
  );
}
