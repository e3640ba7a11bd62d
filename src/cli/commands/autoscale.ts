/** `ksp autoscale <stream>`: start, inspect or stop the autoscale workflow of a stream. */
import { type AutoscaleOptions, compileAutoscaleOptions } from '../../config/autoscale-options';
import {
  autoscaleHandle,
  autoscaleStatus,
  startAutoscale,
  stopAutoscale,
} from '../../client/autoscale-control';
import { ConfigError } from '../../errors';
import type { AutoscaleStatus } from '../../workflows/autoscale-messages';
import { AUTOSCALE_CONFIG, readConfigFile } from '../config-file';
import type { CliContext } from '../context';
import { type FlagFields, type OptionOrigin, compileFromCli, originOf } from '../flag-errors';
import { AWS_ENV, TEMPORAL_ENV, helpFooter } from '../help';
import { type FlagValue, UsageError, intFlag, parse, requireStream, stringFlag } from '../usage';

export const AUTOSCALE_HELP = `Usage: ksp autoscale <stream> --max <n> [options]     start autoscaling the shard count
       ksp autoscale <stream> --status [--json]        its recent decisions, each with its reason
       ksp autoscale <stream> --stop [--json]          stop (a reshard in flight still finishes)
Scales on the load the shard workflows read, against the Kinesis write limits (1,000 records/s or
1 MiB/s per shard): up when utilisation stays above --up for --up-window (or consumers lag), down when
below --down for --down-window, sized for the window's peak at --target; within --min/--max, the
account limit, 2× / ½ per change, a --cooldown, and 10 count changes per rolling 24 h.
  --min <n>            fewest shards (default 1)        --max <n>          most shards (required)
  --up <fraction>      default 0.75                     --down <fraction>  default 0.25
  --target <fraction>  default 0.5
  --up-window <d>      default 3m                       --down-window <d>  default 15m
  --cooldown <d>       default 5m                       --sample <d>       default 1m
  --max-lag <d|off>    default 1m                       --dry-run          decide and record, never reshard
  --config <file.json> any AutoscaleOptions as JSON; flags override it
  --json               print the result or status as JSON
Durations take a unit: 30s, 3m, 1h.
${helpFooter(TEMPORAL_ENV, AWS_ENV)}`;

/** Which flag sets which autoscale option, for errors in the user's terms. */
const AUTOSCALE_FLAGS: FlagFields = {
  minShards: '--min',
  maxShards: '--max',
  scaleUpThreshold: '--up',
  scaleDownThreshold: '--down',
  targetUtilisation: '--target',
  scaleUpWindow: '--up-window',
  scaleDownWindow: '--down-window',
  cooldown: '--cooldown',
  sampleInterval: '--sample',
  maxLag: '--max-lag',
  dryRun: '--dry-run',
};

function fractionFlag(name: string, value: FlagValue): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^(\d+(\.\d*)?|\.\d+)$/.test(value)) {
    throw new ConfigError(
      `--${name}`,
      `${JSON.stringify(value)} is not a number: use a fraction such as 0.75`,
    );
  }
  return n;
}

/** Flags → options (validated by compileAutoscaleOptions, which names the field). */
export function autoscaleOptionsFromFlags(argv: string[]): {
  mode: 'start' | 'status' | 'stop';
  streamName: string;
  options: AutoscaleOptions;
  json: boolean;
  origin: OptionOrigin;
} {
  const { values, positionals } = parse('autoscale', argv, {
    min: { type: 'string' },
    max: { type: 'string' },
    up: { type: 'string' },
    down: { type: 'string' },
    target: { type: 'string' },
    'up-window': { type: 'string' },
    'down-window': { type: 'string' },
    cooldown: { type: 'string' },
    sample: { type: 'string' },
    'max-lag': { type: 'string' },
    'dry-run': { type: 'boolean' },
    config: { type: 'string' },
    status: { type: 'boolean' },
    stop: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const streamName = requireStream('autoscale', positionals);
  if (values.status && values.stop) throw new UsageError('--status and --stop cannot be combined');
  const mode = values.status ? 'status' : values.stop ? 'stop' : 'start';
  const config = stringFlag(values.config);
  const fromFile = config ? readConfigFile(config, AUTOSCALE_CONFIG) : undefined;
  const file: Partial<AutoscaleOptions> = fromFile ?? {};
  const maxLag = stringFlag(values['max-lag']);
  const set = <K extends keyof AutoscaleOptions>(key: K, value: AutoscaleOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  const options: AutoscaleOptions = {
    ...file,
    streamName,
    ...set('minShards', intFlag('min', values.min, 1, 100_000)),
    ...set('maxShards', intFlag('max', values.max, 1, 100_000)),
    ...set('scaleUpThreshold', fractionFlag('up', values.up)),
    ...set('scaleDownThreshold', fractionFlag('down', values.down)),
    ...set('targetUtilisation', fractionFlag('target', values.target)),
    ...set('scaleUpWindow', stringFlag(values['up-window'])),
    ...set('scaleDownWindow', stringFlag(values['down-window'])),
    ...set('cooldown', stringFlag(values.cooldown)),
    ...set('sampleInterval', stringFlag(values.sample)),
    ...(maxLag === undefined ? {} : { maxLag: maxLag === 'off' ? null : maxLag }),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };
  const origin = originOf(
    AUTOSCALE_FLAGS,
    values,
    config && fromFile ? { path: config, value: fromFile } : undefined,
  );
  return { mode, streamName, options, json: values.json === true, origin };
}

function pct(u: number | undefined): string {
  return u === undefined ? '-' : `${Math.round(u * 100)}%`;
}

/** The autoscaler's state and decisions, newest last, for the terminal. */
export function formatAutoscaleStatus(status: AutoscaleStatus, last = 20): string {
  const o = status.options;
  const lines = [
    `autoscale ${status.streamName}: ${status.state}${o.dryRun ? ' (dry run)' : ''}, ${o.minShards}–${o.maxShards} shards, up above ${pct(o.scaleUpThreshold)} for ${o.scaleUpWindowMs / 1000}s, down below ${pct(o.scaleDownThreshold)} for ${o.scaleDownWindowMs / 1000}s, target ${pct(o.targetUtilisation)}, cooldown ${o.cooldownMs / 1000}s`,
    `last change ${status.lastChangeAt ?? 'none'}; ${status.latest ? `${status.latest.openShardCount} open shards, ${status.latest.streamStatus}` : 'no sample yet'}`,
  ];
  for (const d of status.decisions.slice(-last)) {
    const times = d.count > 1 ? `${d.at} … ${d.lastAt} (×${d.count})` : d.at;
    const change = d.to === null ? '' : ` ${d.from} → ${d.to}`;
    const load = d.metrics
      ? ` [${Math.round(d.metrics.recordsPerSecond)} rec/s, utilisation ${pct(d.metrics.utilisation)}]`
      : '';
    lines.push(`${times}  ${d.action}${change} ${d.code}${load}: ${d.reason}`);
    if (d.outcome) lines.push(`    → ${d.outcome.status}: ${d.outcome.detail}`);
  }
  return lines.join('\n');
}

export async function autoscaleCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const flags = autoscaleOptionsFromFlags(argv);
  if (flags.mode === 'start') {
    const options = compileFromCli(() => compileAutoscaleOptions(flags.options), flags.origin);
    // The options as written, checked above for a fast error; the workflow compiles them itself.
    const handle = await startAutoscale(await ctx.temporal(), ctx.temporalConfig().taskQueue, flags.options);
    if (flags.json) {
      console.log(JSON.stringify({ workflowId: handle.workflowId, options }, null, 2));
      return;
    }
    console.log(
      `autoscaling ${options.streamName} between ${options.minShards} and ${options.maxShards} shards (workflow ${handle.workflowId}); see its decisions with \`ksp autoscale ${options.streamName} --status\``,
    );
    return;
  }
  const client = await ctx.temporal();
  const status = await autoscaleStatus(client, flags.streamName).catch((err: Error) => {
    throw new UsageError(`stream ${flags.streamName} is not autoscaled: ${err.message}`);
  });
  if (flags.mode === 'status') {
    console.log(flags.json ? JSON.stringify(status, null, 2) : formatAutoscaleStatus(status));
    return;
  }
  const stopping = (await stopAutoscale(client, flags.streamName)) ?? status;
  await autoscaleHandle(client, flags.streamName).result();
  const decisions = stopping.decisions.reduce((n, d) => n + d.count, 0);
  console.log(
    flags.json
      ? JSON.stringify({ streamName: flags.streamName, stopped: true, decisions }, null, 2)
      : `stopped autoscaling ${flags.streamName} after ${decisions} decisions`,
  );
}
