/** `ksp quarantine list | release`: the partition keys shards hold back (quarantineKeys). */
import { listQuarantine, partitionKeyHash, releaseQuarantine } from '../../client/quarantine-control';
import type { CliContext } from '../context';
import { TEMPORAL_ENV, helpFooter } from '../help';
import { UsageError, parse, stringFlag } from '../usage';

export const QUARANTINE_HELP = `Usage: ksp quarantine <list|release> [options]

  list [--stream <name>] [--partition-key <key>] [--json]
      Shards holding quarantined keys and the keys' hashes (shards keep SHA-256 hashes, never the
      keys; the DLQ holds the keys). --partition-key tells whether that key is held, and where.

  release --partition-key <key> | --hash <hash> [--stream <name>] [--json]   (repeatable)
      Lets the key's later records flow again, without replaying what is in the DLQ. To replay
      the key's records in order and release it when all succeeded: ksp dlq replay <queue-url>
      --partition-key <key>.

Web UI / Temporal CLI: temporal workflow list --query 'KspQuarantined > 0'
${helpFooter(TEMPORAL_ENV)}`;

function list(values: string | boolean | Array<string | boolean> | undefined): string[] {
  if (values === undefined) return [];
  return (Array.isArray(values) ? values : [values]).filter((v): v is string => typeof v === 'string');
}

export async function quarantineCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parse(`quarantine ${sub ?? ''}`.trim(), rest, {
    stream: { type: 'string' },
    'partition-key': { type: 'string', multiple: true },
    hash: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const raw = values as Record<string, string | boolean | Array<string | boolean> | undefined>;
  const stream = stringFlag(values.stream);
  const keys = list(raw['partition-key']);
  const hashes = list(raw.hash);
  const bad = hashes.find((h) => !/^[0-9a-f]{16}$/.test(h));
  if (bad !== undefined)
    throw new UsageError(
      `--hash ${JSON.stringify(bad)} is not a key hash: 16 hex digits, as \`ksp quarantine list\` prints`,
    );
  const client = await ctx.temporal();
  if (sub === 'list') {
    const wanted = new Set([...hashes, ...keys.map(partitionKeyHash)]);
    const holders = (await listQuarantine(client, stream))
      .map((h) => ({
        ...h,
        keyHashes: wanted.size === 0 ? h.keyHashes : h.keyHashes.filter((k) => wanted.has(k)),
      }))
      .filter((h) => h.keyHashes.length > 0);
    if (values.json) console.log(JSON.stringify(holders, null, 2));
    else if (holders.length === 0) console.log('no shard holds a quarantined key');
    else for (const h of holders) console.log(`${h.streamName} ${h.shardId}: ${h.keyHashes.join(' ')}`);
    return;
  }
  if (sub === 'release') {
    if (keys.length + hashes.length === 0) {
      throw new UsageError('release needs --partition-key <key> or --hash <hash> (repeatable)');
    }
    const told = await releaseQuarantine(client, { partitionKeys: keys, keyHashes: hashes }, stream);
    if (values.json) console.log(JSON.stringify(told, null, 2));
    else if (told.length === 0) console.log('no running shard holds those keys');
    else
      for (const t of told) console.log(`released ${t.released.join(' ')} in ${t.shardId} (${t.workflowId})`);
    return;
  }
  throw new UsageError(
    `${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}: use list or release. See \`ksp quarantine --help\`.`,
  );
}
